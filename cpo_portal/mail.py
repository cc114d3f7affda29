"""E-mail that follows a state change: rendered in each recipient's language, queued after commit.

A message is rendered when the change is made (the data as this transaction sees it), once per
language among its recipients: a person's language is their preference, an address that is
no user's gets the language given by the caller, else the one the change was made in. On
commit the rendered message (plain, JSON-serialisable data) goes to a Celery task, so a
rolled-back change sends nothing and an SMTP outage delays the mail instead of failing the
change: the task retries with backoff for about six hours, then logs the lost mail loudly.
"""

import base64
import logging
import smtplib
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise, lazy
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import OFFICE_ROLE_PERMISSIONS, OfficeRole
from cpo_portal.tenancy.models import Membership, Organization, Role

logger = logging.getLogger(__name__)

StrOrPromise = str | Promise

# Retries of a message the SMTP server did not take: 1, 2, 4, 8, 16 minutes, then every
# 30 minutes, about six hours in all. The longest wait stays below the Redis broker's
# visibility timeout (1 hour), which would otherwise deliver a waiting retry twice.
MAIL_MAX_RETRIES = 16
_FIRST_RETRY_SECONDS = 60
_LONGEST_RETRY_SECONDS = 1800
# Without a broker (the embedded default) a retry runs at once, inside the request that
# made the change: a couple of quick attempts, not hours of a hanging request.
_EAGER_MAX_RETRIES = 2


def _interpolate(message: StrOrPromise, params: dict[str, Any]) -> str:
    return str(message) % params


_lazy_interpolate = lazy(_interpolate, str)


def lazy_format(message: StrOrPromise, /, **params: Any) -> str:
    """`message % params`, translated and filled in only when it is rendered.

    For subjects and texts of mails, which are rendered in each recipient's language:
    ``lazy_format(gettext_lazy("Audit resumed: %(org)s"), org=application.organization)``.
    Parameters may be lazy too (e.g. a choice's ``.label``).
    """
    return _lazy_interpolate(message, params)


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _supported(language: str | None) -> str | None:
    if not language:
        return None
    codes = _language_codes()
    for candidate in (language, language.split("-")[0]):
        if candidate in codes:
            return candidate
    return None


def fallback_language(language: str | None = None) -> str:
    """The language for an address that is no user's: the one given, else the active one."""
    return _supported(language) or _supported(translation.get_language()) or settings.LANGUAGE_CODE


def languages_of(addresses: Iterable[str], *, fallback: str) -> dict[str, list[str]]:
    """The addresses grouped by the language their people read (one query)."""
    addresses = list(addresses)
    known = dict(
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=[address.lower() for address in addresses])
        .values_list("address", "language")
    )
    groups: dict[str, list[str]] = {}
    for address in addresses:
        language = _supported(known.get(address.lower())) or fallback
        groups.setdefault(language, []).append(address)
    return groups


def mail_on_commit(
    *,
    subject: StrOrPromise,
    template: str,
    context: dict[str, Any],
    to: Iterable[str],
    attachments: list[tuple[str, bytes, str]] | None = None,
    language: str | None = None,
) -> None:
    """Queue one e-mail for after commit to each recipient, in their language.

    `subject` and the texts in `context` are best lazy (`gettext_lazy`, `lazy_format`), so
    they are translated for each language; `language` is for addresses that are no user's
    (default: the language the change is made in). `attachments`: (file name, content,
    MIME type), e.g. an iCalendar invitation.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    groups = languages_of(recipients, fallback=fallback_language(language))
    for code, addresses in sorted(groups.items()):
        with translation.override(code):
            rendered_subject = str(subject)
            body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
        # One message per person: an address is private, so no recipient learns another's
        # (a company's admins, the office's staff and the auditors are told of one case).
        for address in addresses:
            queue_mail(subject=rendered_subject, body=body, to=[address], attachments=attachments)


def queue_mail(
    *,
    subject: str,
    body: str,
    to: list[str],
    attachments: Sequence[tuple[str, bytes | str, str]] | None = None,
    alternatives: list[tuple[str, str]] | None = None,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    after_commit: bool = True,
) -> None:
    """Queue a rendered message for after commit (right away outside a transaction).

    `after_commit=False` queues it at once, for a message that stays true whatever becomes
    of the open transaction.
    """
    payload = {
        # A line break in a subject would be refused as a header injection.
        "subject": " ".join(subject.splitlines()).strip(),
        "body": body,
        "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
        "to": list(to),
        "attachments": [
            [name, _b64(content), mimetype] for name, content, mimetype in attachments or []
        ],
        "alternatives": [[content, mimetype] for content, mimetype in alternatives or []],
        "headers": dict(headers or {}),
    }
    if after_commit:
        transaction.on_commit(partial(_enqueue, payload))
    else:
        _enqueue(payload)


def queue_message(message: EmailMessage, *, after_commit: bool = True) -> None:
    """Queue a message built elsewhere (allauth's), as `queue_mail` does."""
    attachments = []
    for attachment in message.attachments:
        name, content, mimetype = attachment  # MIMEBase parts are not used by the portal
        attachments.append((name, content, mimetype))
    queue_mail(
        subject=str(message.subject),
        body=str(message.body),
        to=[*message.to, *message.cc, *message.bcc],
        attachments=attachments,
        alternatives=[
            (str(content), mimetype) for content, mimetype in getattr(message, "alternatives", [])
        ],
        from_email=message.from_email,
        headers=message.extra_headers,
        after_commit=after_commit,
    )


def _b64(content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return base64.b64encode(raw).decode("ascii")


def _describe(payload: dict[str, Any]) -> str:
    return f"{payload['subject']!r} to {', '.join(payload['to'])}"


def _enqueue(payload: dict[str, Any]) -> None:
    # Runs after commit: whatever happens here must not turn the saved change into an error.
    try:
        send_queued_mail.delay(payload)
    except Exception:
        logger.exception("E-mail %s could not be queued; sending it now", _describe(payload))
        try:
            _deliver(payload)
        except Exception:
            logger.critical("E-mail %s was lost: no queue and no SMTP", _describe(payload))


def _deliver(payload: dict[str, Any]) -> None:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload.get("headers") or None,
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in payload.get("attachments", []):
        message.attach(name, base64.b64decode(content), mimetype)
    message.send()


def _refused_for_good(exc: Exception) -> bool:
    """A 5xx answer about the message or its addresses: trying again changes nothing.

    Failed authentication is not among them: that is a configuration outage, fixed while
    the retries wait.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def retry_delay(retries: int) -> int:
    """Seconds before retry number `retries` + 1."""
    return int(min(_FIRST_RETRY_SECONDS * 2**retries, _LONGEST_RETRY_SECONDS))


@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES, acks_late=True)
def send_queued_mail(self: Any, payload: dict[str, Any]) -> str:
    """Send one rendered message; an unreachable SMTP server is retried with backoff."""
    try:
        _deliver(payload)
    except OSError as exc:  # smtplib's errors, refused connections and timeouts alike
        if _refused_for_good(exc):
            logger.error("E-mail %s was refused by the SMTP server: %s", _describe(payload), exc)
            return "refused"
        limit = _EAGER_MAX_RETRIES if self.request.is_eager else self.max_retries
        if self.request.retries >= limit:
            logger.critical(
                "E-mail %s could not be sent after %d attempts and is lost: %s",
                _describe(payload),
                self.request.retries + 1,
                exc,
            )
            return "failed"
        logger.warning(
            "E-mail %s not sent (attempt %d), retrying: %s",
            _describe(payload),
            self.request.retries + 1,
            exc,
        )
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    return "sent"


def organization_admin_emails(organization: Organization) -> list[str]:
    """Owners and admins of an organization: who is told about its cases."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(
                organization=organization, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
            ).values_list("user__email", flat=True)
        )


def office_emails(role: OfficeRole | str | None = None) -> list[str]:
    """The CPO office's addresses: everyone in it, or the holders of one role."""
    codename = (
        "office_access"
        if role is None
        else OFFICE_ROLE_PERMISSIONS[OfficeRole(role)].split(".", 1)[1]
    )
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label="accounts",
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label="accounts",
    )
    return list(
        get_user_model()
        .objects.filter(granted, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
