"""Who may call an endpoint: the CPO office's and the auditors' roles, and the signed-in user
as the services take it.

Anyone else signed in gets 404 from a role permission, never 403: the office's and the
auditors' areas are not shown to others (as on the pages, cpo_portal.accounts.decorators).
"""

from typing import Any

from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from cpo_portal.accounts.models import User
from cpo_portal.accounts.roles import is_auditor, is_office


class IsOffice(BasePermission):
    """The CPO office only; anyone else signed in gets 404 (the office area is not shown)."""

    answers_404 = True  # documented in the OpenAPI schema (cpo_portal/api/schema.py)

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_office(request.user):
            raise NotFound
        return True


class IsAuditor(BasePermission):
    """Auditors only; anyone else signed in gets 404."""

    answers_404 = True

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_auditor(request.user):
            raise NotFound
        return True


def acting_user(request: Request) -> User:
    """The signed-in user a view's IsAuthenticated let through, as the services take it."""
    if not isinstance(request.user, User):
        raise NotAuthenticated
    return request.user
