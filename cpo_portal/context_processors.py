"""What every page needs to draw the navigation for the user's roles."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cpo_portal.accounts.roles import is_auditor, is_office


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "nav_is_office": signed_in and is_office(user),
        "nav_is_auditor": signed_in and is_auditor(user),
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "EMBEDDED": settings.EMBEDDED,
    }
