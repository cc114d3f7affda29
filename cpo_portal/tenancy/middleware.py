"""Resolve the organization once per request and activate its scope.

Every URL with an ``org_slug`` argument (``/o/<org_slug>/...``) belongs to one
organization. A visitor who is not signed in is sent to the login page whether or not the
organization exists; a signed-in non-member gets 404, the same as for a slug that does not
exist, so nobody learns which organizations are there.
"""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django_scopes import scope

from cpo_portal.http import PortalRequest

from .selectors import organization_for_member_or_404


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PortalRequest) -> HttpResponse:
        request.organization = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("org_slug")
        if slug is None:
            return self.get_response(request)

        if request.path.startswith("/api/"):
            # DRF authenticates inside the view (tokens), so API views resolve the
            # organization themselves with the same lookup.
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        organization, membership = organization_for_member_or_404(slug, request.user)
        request.organization = organization
        request.membership = membership
        with scope(organization=organization):
            return self.get_response(request)
