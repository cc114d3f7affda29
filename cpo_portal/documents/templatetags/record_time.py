"""Times on legal records: in UTC, saying so.

The portal's zone is Europe/Berlin (UTC+1 in winter, UTC+2 in summer). A declaration,
certificate, audit report or receipt may be read anywhere and years later, so every instant
on it is printed in UTC with the zone named, in one language-neutral form for every language:
``{{ signature.signed_at|utc }}`` → ``2026-12-07 14:05 UTC``.
"""

from datetime import UTC, datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()

RECORD_FORMAT = "Y-m-d H:i"


@register.filter
def utc(value: datetime | None, fmt: str = RECORD_FORMAT) -> str:
    """The instant in UTC in the given date format (default: minutes), followed by "UTC"."""
    if value is None or value == "":
        return ""
    if timezone.is_naive(value):
        # Django's convention for naive datetimes: wall-clock time in the portal's zone.
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return f"{dateformat.format(value.astimezone(UTC), fmt)} UTC"
