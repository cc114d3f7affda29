"""The request every portal view receives, typed once.

The middleware sets `organization` and `membership` (tenancy) and `htmx` (django-htmx) on
every request; views annotate `request: PortalRequest` instead of silencing the type checker
at each use (healthchecks' `AuthenticatedHttpRequest`, django-htmx's `HtmxHttpRequest`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from cpo_portal.accounts.models import User
    from cpo_portal.tenancy.models import Membership, Organization


class PortalRequest(HttpRequest):
    user: User | AnonymousUser
    organization: Organization | None
    membership: Membership | None
    htmx: HtmxDetails


class AuthenticatedRequest(PortalRequest):
    """Behind a guard that sent anonymous visitors to the sign-in page."""

    user: User


class OrganizationRequest(AuthenticatedRequest):
    """Under /o/<slug>/: the tenant middleware answered 404 to everyone but members."""

    organization: Organization
    membership: Membership
