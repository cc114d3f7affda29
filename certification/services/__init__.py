"""Every state change of the certification workflow (one module per concern).

- lifecycle: the application's state machine, the only code that changes its status
- applications: apply, office review, withdrawal, the four-eyes decision
- auditors: qualifications, conflicts of interest, assignments
- self_assessment: the company's answers and evidence
- scoring: scores with lost-update protection, findings, corrective actions, the report
- certificates: issuance on a grant, gapless numbers, the certificate lifecycle
- surveillance: surveillance reminders and the overdue list
"""

from .applications import *  # noqa: F403
from .auditors import *  # noqa: F403
from .certificates import *  # noqa: F403
from .lifecycle import EDGES, allowed, transition  # noqa: F401
from .scoring import *  # noqa: F403
from .self_assessment import *  # noqa: F403
from .surveillance import *  # noqa: F403
