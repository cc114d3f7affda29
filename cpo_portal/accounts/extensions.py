"""Where feature apps tell the accounts floor what stands in the way of deactivating a person.

The floor imports no feature app, yet some of them hold work a person must not simply walk
away from (certification: an auditor assigned to an open audit; the company and the office
rely on them). Such an app registers a check in its AppConfig.ready(); the staff pages show
the reasons before an office administrator deactivates someone, and `staff_deactivate`
refuses while any is given.

A check is called with the user and returns sentences naming what is open (an empty list:
nothing).
"""

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise

Text = str | Promise

_deactivation_checks: dict[str, Callable[[Any], list[Any]]] = {}


def register_deactivation_check(key: str, check: Callable[[Any], list[Any]]) -> None:
    """Called once per app from its AppConfig.ready(); a second call under `key` replaces
    the first."""
    _deactivation_checks[key] = check


def deactivation_refusals(user: Any) -> list[Text]:
    """What the feature apps say stands in the way of deactivating `user` now."""
    reasons: list[Text] = []
    for check in _deactivation_checks.values():
        reasons += check(user)
    return reasons
