"""Who a user is to the portal: CPO office (with its roles), auditor, or neither.

Roles are answered from explicit permissions and profiles, never from flags alone: each
office role is a group (OFFICE_ROLE_GROUPS) granting the office's shared permissions and the
role's own (OFFICE_ROLE_PERMISSIONS). An office administrator grants them in the portal.
"""

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser

from .models import OFFICE_ROLE_GROUPS, OFFICE_ROLE_PERMISSIONS, Auditor, OfficeRole, User

__all__ = [
    "OFFICE_ROLE_GROUPS",
    "OfficeRole",
    "has_office_role",
    "is_auditor",
    "is_office",
    "office_permissions",
    "office_roles_of",
    "requires_mfa",
]

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


def has_office_role(user: User | AnonymousUser | Any, role: str) -> bool:
    """The person holds this office role (an office administrator, reviewer or certifier)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(OFFICE_ROLE_PERMISSIONS[OfficeRole(role)])
    )


def office_roles_of(user: User | AnonymousUser | Any) -> list[OfficeRole]:
    """The office roles the person holds, in their fixed order."""
    return [role for role in OfficeRole if has_office_role(user, role)]


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
