"""Notifying people: each in their language, by their choice, every notice recorded."""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from cpo_portal.activity.services import activity_record
from cpo_portal.mail import StrOrPromise, fallback_language, queue_mail

from .kinds import DIGEST
from .kinds import kind as registered_kind
from .models import Delivery, Notice, NotificationPreference
from .selectors import digest_recipient_ids, notices_waiting_for_digest, preferences_for_user
from .tokens import token_make

User = get_user_model()

logger = logging.getLogger(__name__)


def unsubscribe_token(*, user: Any, kind: str) -> str:
    """The signed token of a one-click unsubscribe link (no expiry: old mails keep working)."""
    return token_make(user_id=user.pk, kind=kind)


def unsubscribe_url(*, user: Any, kind: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)])
    return _absolute(path)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def unsubscribe_headers(*, user: Any, kind: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients offer a one-click unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user=user, kind=kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _language(user: Any) -> str:
    return fallback_language(getattr(user, "language", None) or settings.LANGUAGE_CODE)


def notify(
    *,
    kind: str,
    users: Iterable[Any],
    subject: StrOrPromise,
    template: str,
    context: dict[str, Any] | None = None,
    url: str = "",
    key: str = "",
) -> int:
    """Tell each person of `kind`, in their language and by their choice; the number told.

    `subject` and the texts of `context` are best lazy (gettext_lazy, lazy_format): they are
    rendered once per language. `template` is a plain-text mail body; the footer with the
    settings page and the one-click unsubscribe link is added here. `url` (a path or an
    absolute address) is the page the notice is about, linked from the digest. With `key`
    a person is told at most once about it (e.g. "election:7:voting-open"), even when two
    runs of a job overlap. Inactive people and people without an address are skipped; a
    person who turned the kind off gets no mail, but the notice is recorded as not sent.
    """
    registered_kind(kind)  # unknown kinds fail loudly
    people = {user.pk: user for user in users if user.is_active and user.email}
    if not people:
        return 0
    if key:
        told = set(
            Notice.objects.filter(kind=kind, key=key, user__in=list(people)).values_list(
                "user_id", flat=True
            )
        )
        people = {pk: user for pk, user in people.items() if pk not in told}
    chosen = dict(
        NotificationPreference.objects.filter(kind=kind, user__in=list(people)).values_list(
            "user_id", "delivery"
        )
    )
    default = registered_kind(kind).default
    link = url if not url or "://" in url else _absolute(url)
    rendered: dict[str, tuple[str, str]] = {}
    count = 0
    now = timezone.now()
    for pk, user in sorted(people.items()):
        language = _language(user)
        if language not in rendered:
            with translation.override(language):
                text = render_to_string(
                    template,
                    {**(context or {}), "site_url": settings.SITE_URL, "notice_url": link},
                )
                rendered[language] = (" ".join(str(subject).splitlines()).strip()[:300], text)
        subject_text, body = rendered[language]
        delivery = Delivery(chosen.get(pk, default))
        notice = Notice(
            user=user,
            email=user.email,
            kind=kind,
            key=key,
            language=language,
            subject=subject_text,
            body=body,
            url=link,
            delivery=delivery,
            sent_at=now if delivery == Delivery.NOW else None,
        )
        try:
            with transaction.atomic():
                notice.save(force_insert=True)
        except IntegrityError:
            if key:
                continue  # told meanwhile by an overlapping run
            raise
        count += 1
        if delivery == Delivery.NOW:
            queue_mail(
                subject=subject_text,
                body=body + _footer(user=user, kind=kind, language=language),
                to=[user.email],
                headers=unsubscribe_headers(user=user, kind=kind),
            )
    return count


def _footer(*, user: Any, kind: str, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "notifications/_footer.txt",
            {
                "kind": registered_kind(kind) if kind != DIGEST else None,
                "settings_url": _absolute(reverse("notifications:settings")),
                "unsubscribe_url": unsubscribe_url(user=user, kind=kind),
            },
        )


@transaction.atomic
def notification_preferences_save(*, user: Any, choices: dict[str, Delivery], by: Any) -> None:
    """Save a person's choice per kind (kinds not in `choices` keep theirs)."""
    for key, delivery in choices.items():
        registered_kind(key)
        NotificationPreference.objects.update_or_create(
            user=user, kind=key, defaults={"delivery": Delivery(delivery)}
        )
    activity_record(
        actor=by,
        verb="notifications.preferences_saved",
        target=user,
        data={"choices": {key: str(value) for key, value in sorted(choices.items())}},
    )


@transaction.atomic
def notification_unsubscribe(*, user: Any, kind: str) -> list[str]:
    """Turn one kind off (the digest's: every kind received by digest); the kinds turned off.

    Unsubscribing again changes nothing and records nothing.
    """
    current = preferences_for_user(user)
    if kind == DIGEST:
        keys = [key for key, delivery in current.items() if delivery == Delivery.DIGEST]
    else:
        registered_kind(kind)
        keys = [kind] if current.get(kind) != Delivery.OFF else []
    for key in keys:
        NotificationPreference.objects.update_or_create(
            user=user, kind=key, defaults={"delivery": Delivery.OFF}
        )
    if keys:
        activity_record(
            actor=None,
            verb="notifications.unsubscribed",
            target=user,
            data={"kinds": keys, "link": kind},
        )
    return keys


# --- The weekly digest -------------------------------------------------------------------------


def notices_send_digest(*, now: datetime | None = None) -> int:
    """Send each person with notices waiting for the digest one mail of them all; the number of
    mails sent. Idempotent: a notice is marked sent in the same transaction that queues its
    mail, so a second run finds nothing. One person's failure is logged and does not stop the
    others (their notices wait for the next run)."""
    now = now or timezone.now()
    sent = 0
    for user_id in digest_recipient_ids():
        try:
            if _digest_send_one(user_id=user_id, now=now):
                sent += 1
        except Exception:
            logger.exception("The weekly digest for user %s could not be sent", user_id)
    return sent


@transaction.atomic
def _digest_send_one(*, user_id: int, now: datetime) -> bool:
    # Locked, so that two overlapping runs cannot both send the same notices.
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    notices = list(notices_waiting_for_digest(user_id))
    if not notices:
        return False  # sent meanwhile by an overlapping run
    language = _language(user)
    with translation.override(language):
        subject = ngettext(
            "Your weekly digest: %(count)d notice",
            "Your weekly digest: %(count)d notices",
            len(notices),
        ) % {"count": len(notices)}
        body = render_to_string(
            "notifications/mail/digest.txt",
            {"user": user, "notices": notices, "site_url": settings.SITE_URL},
        )
    Notice.objects.filter(pk__in=[n.pk for n in notices], sent_at__isnull=True).update(sent_at=now)
    queue_mail(
        subject=subject,
        body=body + _footer(user=user, kind=DIGEST, language=language),
        to=[user.email],
        headers=unsubscribe_headers(user=user, kind=DIGEST),
    )
    return True
