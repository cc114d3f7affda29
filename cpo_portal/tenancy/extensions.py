"""Where feature apps tell the tenancy floor who may not join an organization.

The floor imports no feature app, yet some of them have reasons a person must not become a
member (certification: an auditor of an open audit of that organization would lose their
independence). Such an app registers a check in its AppConfig.ready(); the invitation
services ask every check before inviting a known user and again before the invitation is
accepted, and refuse with the first reason given.

A check is called with keyword arguments `organization` and `user` and returns the reason
(a translated sentence naming why) or None.
"""

from collections.abc import Callable
from typing import Any, Protocol

from .models import Organization


class MembershipCheck(Protocol):
    def __call__(self, *, organization: Organization, user: Any) -> str | None: ...


_membership_checks: list[Callable[..., str | None]] = []


def register_membership_check(check: MembershipCheck) -> None:
    """Called once per app from its AppConfig.ready(); registering twice keeps one."""
    if check not in _membership_checks:
        _membership_checks.append(check)


def membership_refusal(*, organization: Organization, user: Any) -> str | None:
    """Why `user` may not join `organization` now, or None."""
    for check in _membership_checks:
        reason = check(organization=organization, user=user)
        if reason:
            return reason
    return None
