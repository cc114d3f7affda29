"""The notifications' part of a person's data (see accounts.personal_data): their choice per
kind of notice and every notice recorded for them. On erasure both go: a notice holds the
address it went to and a text about the person, and nothing else depends on it."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider

from .models import Notice, NotificationPreference
from .selectors import notices_for_user


def export(user: User) -> dict[str, Any]:
    preferences = NotificationPreference.objects.filter(user=user).order_by("kind")
    return {
        "settings": [
            {"kind": p.kind, "delivery": p.delivery, "changed": p.updated_at} for p in preferences
        ],
        "notices": [
            {
                "time": n.created_at,
                "kind": n.kind,
                "address": n.email,
                "language": n.language,
                "subject": n.subject,
                "text": n.body,
                "link": n.url,
                "delivery": n.delivery,
                "sent": n.sent_at,
            }
            for n in notices_for_user(user).iterator()
        ],
    }


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    notices, _count = Notice.objects.filter(user=subject.user).delete()
    preferences, _count = NotificationPreference.objects.filter(user=subject.user).delete()
    return {"notices_deleted": notices, "notification_settings_deleted": preferences}


def describe(user: User) -> list[ErasureLine]:
    lines = []
    notices = Notice.objects.filter(user=user).count()
    if notices:
        text = ngettext(
            "%(count)d notice sent or recorded for the person.",
            "%(count)d notices sent or recorded for the person.",
            notices,
        ) % {"count": notices}
        lines.append(ErasureLine("delete", text))
    if NotificationPreference.objects.filter(user=user).exists():
        lines.append(ErasureLine("delete", _("Their notification settings.")))
    return lines


def register() -> None:
    register_provider(
        Provider(key="notifications", export=export, erase=erase, describe=describe, order=50)
    )
