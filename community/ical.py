"""An iCalendar (RFC 5545) event for the conference, and for one registration its attendee.

Written with the icalendar library, which escapes text, quotes parameter values that hold
a comma, semicolon or colon (an attendee named "Müller, Dr: Anna", §3.2) and folds lines at
75 octets (§3.1).
"""

from datetime import UTC, timedelta

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Conference, Registration


def conference_ics(conference: Conference, registration: Registration | None = None) -> bytes:
    """An all-day event spanning the conference days; the attendee when given."""
    who = registration.pk if registration else "event"
    location = conference.venue or conference.online_url
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//CPO Portal//Conference//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"cpo-conference-{conference.year}-{who}@cpo-portal")
    event.add("dtstamp", timezone.now().astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", conference.starts_on)
    event.add("dtend", conference.ends_on + timedelta(days=1))
    event.add("summary", conference.title)
    event.add("location", location)
    event.add("url", f"{settings.SITE_URL}/community/conference/")
    event.add("description", conference.online_url or conference.venue)
    if registration is not None:
        attendee = icalendar.vCalAddress(f"mailto:{registration.attendee_email}")
        attendee.params["CN"] = registration.attendee_name
        event.add("attendee", attendee)
    calendar.add_component(event)
    # In the order written (the library sorts properties by name unless told not to).
    return calendar.to_ical(sorted=False)
