"""The portal's allauth adapter (ACCOUNT_ADAPTER): names and languages at sign-up, allauth's
mails (confirmation, password reset, notifications) queued in the recipient's language, and
clients counted the portal's way (ratelimits.ClientAddressAdapterMixin)."""

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import translation

from cpo_portal.mail import fallback_language, languages_of, queue_message

from .models import User
from .ratelimits import ClientAddressAdapterMixin


class AccountAdapter(ClientAddressAdapterMixin, DefaultAccountAdapter):
    def save_user(
        self, request: HttpRequest, user: Any, form: BaseForm, commit: bool = True
    ) -> Any:
        data = form.cleaned_data
        if data.get("full_name"):
            user.full_name = data["full_name"]
        if data.get("language"):
            user.language = data["language"]
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Each role opens on its own to-do list (deadlines): the office on its start page,
        auditors on their audits, everyone else on the dashboard. A `next` given with the
        sign-in still wins (allauth asks this only without one)."""
        from cpo_portal.navigation import Audience, landing_url

        from .roles import is_auditor, is_office

        user = request.user
        audiences = [Audience.OFFICE] if is_office(user) else []
        audiences += [Audience.AUDITOR] if is_auditor(user) else []
        return landing_url(audiences) or super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """As allauth's, rendered in the recipient's language and queued, not sent inline."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": portal_site()}
        ctx.update(context)
        with translation.override(_language_of(email, context.get("user"))):
            message = self.render_mail(template_prefix, email, ctx)
        # At once, not after commit: allauth's flows commit as they go, and their links
        # are signed rather than stored, so the mail holds whatever becomes of a transaction.
        queue_message(message, after_commit=False)


class _Site:
    def __init__(self, name: str, domain: str) -> None:
        self.name, self.domain = name, domain

    def __str__(self) -> str:
        return self.name


def portal_site() -> _Site:
    """What allauth's mails call the site ("Hello from …"): the portal, not the host name the
    request happened to use."""
    return _Site("CPO Portal", urlsplit(settings.SITE_URL).netloc)


def user_display(user: Any) -> str:
    """How allauth names people to themselves ("Successfully signed in as …"): their name,
    else their own address (shown only to them), never "Anonymous member"."""
    return getattr(user, "full_name", "") or getattr(user, "email", "")


def _language_of(email: str, user: Any) -> str:
    # The user the mail is about, when there is one: a new address being confirmed is not
    # yet theirs. Otherwise whoever owns the address; an unknown address (a password reset
    # asked for nobody) gets the language of the page it was asked from.
    if isinstance(user, User) and user.pk:
        return fallback_language(user.language)
    [language] = languages_of([email], fallback=fallback_language())
    return language
