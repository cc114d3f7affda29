"""The language a signed-in person sees the portal in: their preference, set at sign-in.

The preference is copied into Django's language cookie when they sign in (and when they
change it on their profile page); from then on the cookie decides, so the language switcher
in the footer goes on working for the session. Without a cookie their preference holds.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

# Set on the request by the user_logged_in handler; the middleware writes the cookie.
_SIGNED_IN_LANGUAGE = "_portal_signed_in_language"


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """The cookie Django's set_language view writes, with the same settings."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )


def remember_language_at_login(*, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """user_logged_in: the pages switch to the person's language from this response on."""
    language = getattr(user, "language", "")
    if request is not None and language:
        setattr(request, _SIGNED_IN_LANGUAGE, language)
        # The rest of this request too: allauth's "Successfully signed in" follows.
        translation.activate(language)
        request.LANGUAGE_CODE = language


def language_signed_in(request: HttpRequest) -> str | None:
    return getattr(request, _SIGNED_IN_LANGUAGE, None)
