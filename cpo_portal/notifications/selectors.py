"""Reading notices and choices: a person's settings, the office's record, the digest's queue."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .kinds import DIGEST, Kind, all_kinds
from .kinds import kind as registered_kind
from .models import Delivery, Notice, NotificationPreference
from .tokens import token_read

User = get_user_model()


def preferences_for_user(user: Any) -> dict[str, Delivery]:
    """How `user` receives every registered kind: their choice, else its default (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {k.key: Delivery(chosen.get(k.key, k.default)) for k in all_kinds()}


def kinds_by_group(*, office: bool = True) -> list[tuple[str, list[Kind]]]:
    """The registered kinds under their group headings, in the settings page's order;
    without `office`, the kinds only the CPO office receives are left out."""
    groups: dict[str, list[Kind]] = {}
    for k in all_kinds():
        if k.office_only and not office:
            continue
        groups.setdefault(str(k.group), []).append(k)
    return list(groups.items())


def kind_label(key: str) -> str:
    """The kind's label in the active language; the key itself for a kind no longer registered."""
    try:
        return str(registered_kind(key).label)
    except KeyError:
        return key


def unsubscribe_subject(token: str) -> tuple[Any, str] | None:
    """The person and the kind of a one-click unsubscribe link; None for a forged token, a
    person who is gone or a kind nobody registers any more."""
    read = token_read(token)
    if read is None:
        return None
    user_id, key = read
    if key != DIGEST:
        try:
            registered_kind(key)
        except KeyError:
            return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    return user, key


# What the office's record can be filtered by: how each notice went.
SENT_NOW = "now"
DIGEST_SENT = "digest_sent"
DIGEST_WAITING = "digest_waiting"
NOT_SENT = "off"

_STATUS = {
    SENT_NOW: Q(delivery=Delivery.NOW),
    DIGEST_SENT: Q(delivery=Delivery.DIGEST, sent_at__isnull=False),
    DIGEST_WAITING: Q(delivery=Delivery.DIGEST, sent_at__isnull=True),
    NOT_SENT: Q(delivery=Delivery.OFF),
}


def notices_for_office(*, kind: str = "", status: str = "", query: str = "") -> QuerySet[Notice]:
    """Every notice, newest first, for the CPO office's record of what was sent to whom;
    one query per page."""
    notices = Notice.objects.select_related("user")
    if kind:
        notices = notices.filter(kind=kind)
    if status in _STATUS:
        notices = notices.filter(_STATUS[status])
    query = query.strip()
    if query:
        notices = notices.filter(
            Q(email__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__full_name__icontains=query)
        )
    return notices.order_by("-created_at", "-id")


def notices_for_user(user: Any) -> QuerySet[Notice]:
    """Every notice recorded for `user`, oldest first (their data export)."""
    return Notice.objects.filter(user=user).order_by("created_at", "id")


def digest_recipient_ids() -> list[int]:
    """The people with notices waiting for the weekly digest (one query)."""
    return list(
        Notice.objects.filter(
            delivery=Delivery.DIGEST,
            sent_at__isnull=True,
            user__isnull=False,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def notices_waiting_for_digest(user_id: int) -> QuerySet[Notice]:
    """One person's notices waiting for the digest, oldest first (newest last in the mail)."""
    return Notice.objects.filter(
        user_id=user_id, delivery=Delivery.DIGEST, sent_at__isnull=True
    ).order_by("created_at", "id")


def unsubscribe_pending(*, user: Any, kind: str) -> bool:
    """Whether a one-click unsubscribe of `kind` would still switch something off."""
    current = preferences_for_user(user)
    if kind == DIGEST:
        return any(current.get(k.key, k.default) == Delivery.DIGEST for k in all_kinds())
    return current.get(kind, registered_kind(kind).default) != Delivery.OFF
