"""Every state change of the certification workflow (one module per concern).

- lifecycle: the application's state machine, the only code that changes its status
- applications: apply, office review, withdrawal, the four-eyes decision
- auditors: qualifications, conflicts of interest, assignments
- self_assessment: the company's answers and evidence
- scoring: scores with lost-update protection, findings, corrective actions, the report
"""

from .applications import *  # noqa: F403
from .auditors import *  # noqa: F403
from .lifecycle import EDGES, allowed, transition  # noqa: F401
from .scoring import *  # noqa: F403
from .self_assessment import *  # noqa: F403
