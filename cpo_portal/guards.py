"""Who may ask a service for a change: the checks every app's services share.

Views have their guards in `cpo_portal.accounts.decorators` (office, auditor) and
`cpo_portal.tenancy.decorators` (organization admin, owner); these are the same rules at the
service layer, which holds them whatever called it (a view, the API, a command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from .accounts.roles import OfficeRole, has_office_role, is_office
from .errors import DomainError
from .tenancy.selectors import membership_for

if TYPE_CHECKING:
    from .accounts.models import User
    from .tenancy.models import Membership, Organization


def require_office(user: User | AnonymousUser | None) -> None:
    if user is None or not is_office(user):
        raise DomainError(_("Only the CPO office can do this."))


def require_office_role(user: User | AnonymousUser | None, role: str) -> None:
    """Only a member of the CPO office holding `role` (ISO/IEC 17065 §6.1: who may do what in
    the body); everyone else, the system included, is refused with the role named."""
    if user is None or not has_office_role(user, role):
        raise DomainError(
            _("Only a CPO office member with the role “%(role)s” can do this.")
            % {"role": OfficeRole(role).label},
            code="office_role",
        )


def require_org_admin(organization: Organization, user: User | AnonymousUser | None) -> Membership:
    """The owner's or admin's membership; anyone else is refused."""
    membership = None if user is None else membership_for(organization=organization, user=user)
    if membership is None or not membership.is_admin:
        raise DomainError(_("Only an owner or admin of the organization can do this."))
    return membership


def require_org_owner(organization: Organization, user: User | AnonymousUser | None) -> Membership:
    membership = None if user is None else membership_for(organization=organization, user=user)
    if membership is None or not membership.is_owner:
        raise DomainError(_("Only an owner of the organization can do this."))
    return membership
