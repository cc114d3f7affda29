"""Who a user is to the portal: CPO office, auditor, or neither.

Roles are answered from explicit permissions and profiles, never from flags alone, so the
office can be staffed through the admin by group membership.
"""

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser

from .models import OFFICE_GROUP, Auditor, User

__all__ = ["OFFICE_GROUP", "is_auditor", "is_office", "office_permissions", "requires_mfa"]

# Permissions the CPO office group holds, as "app_label.codename". Feature apps add theirs
# with `register_office_permissions` from their AppConfig.ready().
_OFFICE_PERMISSIONS: set[str] = {
    "accounts.office_access",
    "accounts.view_user",
    "accounts.view_auditor",
    "accounts.add_auditor",
    "accounts.change_auditor",
    "tenancy.view_organization",
    "tenancy.view_membership",
    "activity.view_activityentry",
    "documents.view_document",
}


def register_office_permissions(*codes: str) -> None:
    _OFFICE_PERMISSIONS.update(codes)


def office_permissions() -> frozenset[str]:
    return frozenset(_OFFICE_PERMISSIONS)


def is_office(user: User | AnonymousUser | Any) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("accounts.office_access")
    )


def is_auditor(user: User | AnonymousUser | Any) -> bool:
    if not user.is_authenticated:
        return False
    # The reverse one-to-one is cached on the user, absence included: one query a request.
    auditor: Auditor | None = getattr(user, "auditor", None)
    return bool(auditor and auditor.is_active)


def requires_mfa(user: User | AnonymousUser | Any) -> bool:
    """Staff, the CPO office and auditors must have a second factor before anything else."""
    return bool(
        user.is_authenticated
        and (user.is_staff or user.is_superuser or is_office(user) or is_auditor(user))
    )


def has_mfa(user: User) -> bool:
    return is_mfa_enabled(user)
