"""An iCalendar (RFC 5545) event for a conference registration, without a library."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Conference, Registration


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 74:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def conference_ics(conference: Conference, registration: Registration | None = None) -> bytes:
    """An all-day event spanning the conference days; the attendee when given."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    who = registration.pk if registration else "event"
    uid = f"cpo-conference-{conference.year}-{who}@cpo-portal"
    location = conference.venue or conference.online_url
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CPO Portal//Conference//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{conference.starts_on:%Y%m%d}",
        f"DTEND;VALUE=DATE:{conference.ends_on + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_escape(conference.title)}",
        f"LOCATION:{_escape(location)}",
        f"URL:{settings.SITE_URL}/community/conference/",
        f"DESCRIPTION:{_escape(conference.online_url or conference.venue)}",
    ]
    if registration is not None:
        lines.append(
            f"ATTENDEE;CN={_escape(registration.attendee_name)}:mailto:{registration.attendee_email}"
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
