"""The activity log's part of a person's data (see accounts.personal_data): what they did,
and what the log says about them. On erasure the entries stay — the log is append-only and
the record of who-did-what for the organizations and the office — but the person's name and
address are taken out of them; their own actions then read as a former member's."""

import json
import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider

from .models import ActivityEntry

# What takes the place of a name or an address in an entry: the same in every language.
ERASED = "[erased]"
# A shorter "name" would match unrelated words.
MIN_NAME_LENGTH = 3


def _needles(email: str, full_name: str) -> list[str]:
    needles = [email]
    if len(full_name) >= MIN_NAME_LENGTH:
        # JSON keeps non-ASCII as \\u escapes on some databases: look for both spellings.
        needles += list(dict.fromkeys([full_name, json.dumps(full_name)[1:-1]]))
    return needles


def _about(user: User, email: str, full_name: str) -> QuerySet[ActivityEntry]:
    """Entries that name the person, or whose object is their account."""
    mention = Q(target_type=ContentType.objects.get_for_model(User), target_id=str(user.pk))
    for needle in _needles(email, full_name):
        mention |= Q(target_repr__icontains=needle) | Q(data_text__icontains=needle)
    return ActivityEntry.objects.annotate(data_text=Cast("data", TextField())).filter(mention)


def _row(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "time": entry.created_at,
        "action": entry.verb,
        "organization": entry.organization.display_name if entry.organization else None,
        "object": entry.target_repr,
        "details": entry.data,
    }


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        done = ActivityEntry.objects.filter(actor=user).select_related("organization")
        about = _about(user, user.email, user.full_name.strip()).exclude(actor=user)
        return {
            "actions": [_row(e) for e in done.order_by("created_at", "pk").iterator()],
            "mentions": [
                _row(e) for e in about.select_related("organization").order_by("created_at", "pk")
            ],
        }


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    needles = [n for n in (subject.email, subject.full_name) if n]
    needles = [n for n in needles if n == subject.email or len(n) >= MIN_NAME_LENGTH]
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    changed = 0
    with scopes_disabled():
        for entry in _about(subject.user, subject.email, subject.full_name).iterator():
            target_repr, data = _scrub(entry.target_repr, pattern), _scrub(entry.data, pattern)
            if (target_repr, data) != (entry.target_repr, entry.data):
                # The log is append-only for everything else: this is the one rewrite.
                ActivityEntry.objects.filter(pk=entry.pk).update(target_repr=target_repr, data=data)
                changed += 1
    return {"activity_entries_scrubbed": changed}


def describe(user: User) -> list[ErasureLine]:
    with scopes_disabled():
        count = _about(user, user.email, user.full_name.strip()).count()
    if not count:
        return []
    text = ngettext(
        "The name and e-mail address in %(count)d entry of the activity log.",
        "The name and e-mail address in %(count)d entries of the activity log.",
        count,
    ) % {"count": count}
    return [ErasureLine("anonymise", text)]


def register() -> None:
    register_provider(
        Provider(
            key="activity",
            export=export,
            erase=erase,
            describe=describe,
            order=100,
            kept=[
                _(
                    "The activity log keeps what was done and when, for the organizations and "
                    "the office; the person's name and e-mail address are taken out of it, and "
                    "their own actions show as those of a former member."
                )
            ],
        )
    )
