"""What a signed-in person meets first: MFA setup for the roles that need it, a request for
their name when the portal has none, and the portal in their language."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .languages import language_signed_in, set_language_cookie
from .roles import has_mfa, requires_mfa

# Paths a user without MFA may still reach: setting MFA up, re-authenticating for it,
# confirming their e-mail, signing out, static files, language switch, health, and the
# one-click unsubscribe link of a notice (it acts on its signed token, not on the session).
_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/notifications/unsubscribe/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/accounts/confirm-email/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/favicon.ico",
)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and requires_mfa(user)
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not has_mfa(user)
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        text = _("Two-factor authentication is required for your role. Set it up to continue.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text, "code": "mfa_required"}, status=403)
        messages.warning(request, text)
        return redirect(reverse("mfa_activate_totp"))


class UserLanguageMiddleware:
    """The portal speaks a signed-in person's language (cpo_portal/accounts/languages.py).

    After Django's LocaleMiddleware (which follows the language cookie, else the browser)
    and the authentication middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "")
        if (
            user.is_authenticated
            and language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        signed_in = language_signed_in(request)
        if signed_in:
            set_language_cookie(response, signed_in)
        return response


# Pages a signed-in person without a name may still reach: their account pages (the profile
# page that asks for the name, signing out, MFA, e-mail confirmation), the API, static
# files, the language switch, health.
_NAMELESS_ALLOWED_PREFIXES = (
    "/accounts/",
    "/notifications/unsubscribe/",
    "/api/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/admin/",
    "/favicon.ico",
)


class RequireNameMiddleware:
    """A signed-in person without a name is asked for it once, then goes where they were going.

    Only page views are sent to the profile page: a form being posted or an htmx request
    goes through, so nothing typed is lost.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not getattr(user, "full_name", "").strip()
            and request.method in ("GET", "HEAD")
            and not request.headers.get("HX-Request")
            and not request.path.startswith(_NAMELESS_ALLOWED_PREFIXES)
        ):
            query = urlencode({"next": request.get_full_path()}, safe="/")
            return redirect(f"{reverse('accounts:profile')}?{query}")
        return self.get_response(request)
