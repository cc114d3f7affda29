"""What every page needs to draw the navigation for the user's roles."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cpo_portal.accounts.roles import is_auditor, is_office

from .navigation import Audience, Navigation


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    office = signed_in and is_office(user)
    auditor = signed_in and is_auditor(user)
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    audiences = {Audience.VISITOR}
    if membership is not None:
        audiences.add(Audience.MEMBER)
    if office:
        audiences.add(Audience.OFFICE)
    if auditor:
        audiences.add(Audience.AUDITOR)
    return {
        "nav_is_office": office,
        "current_organization": organization,
        "current_membership": membership,
        # The entries the apps registered (cpo_portal/navigation.py), for this user.
        "navigation": Navigation(
            request,
            audiences=frozenset(audiences),
            organization_slug=organization.slug if organization is not None else "",
        ),
        "EMBEDDED": settings.EMBEDDED,
    }
