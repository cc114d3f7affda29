"""Keep staff, the CPO office and auditors on MFA setup until their second factor is on."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .roles import has_mfa, requires_mfa

# Paths a user without MFA may still reach: setting MFA up, re-authenticating for it,
# confirming their e-mail, signing out, static files, language switch, health.
_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/accounts/confirm-email/",
    "/static/",
    "/i18n/",
    "/healthz",
)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            requires_mfa(user)
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not has_mfa(user)  # type: ignore[arg-type]
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        text = _("Two-factor authentication is required for your role. Set it up to continue.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text, "code": "mfa_required"}, status=403)
        messages.warning(request, text)
        return redirect(reverse("mfa_activate_totp"))
