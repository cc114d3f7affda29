"""The annual CPO conference: publishing it, registrations, the waitlist.

The conference row is locked while a seat is taken or given back, so capacity holds under
concurrent registrations and a cancellation promotes exactly the next in line.
"""

from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.roles import is_office
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_office
from cpo_portal.mail import StrOrPromise, lazy_format, mail_on_commit
from cpo_portal.notifications.services import notify
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for

from ..ical import conference_ics
from ..models import Conference, Registration, RegistrationStatus
from ..selectors.conference import (
    conferences_open_for_registration,
    conferences_starting_within,
    confirmed_attendees,
)
from ..selectors.membership import community_people, is_community_member

R = RegistrationStatus
CONFERENCE_FIELDS = (
    "title",
    "starts_on",
    "ends_on",
    "venue",
    "online_url",
    "agenda",
    "capacity",
    "registration_opens",
    "registration_closes",
)


def _check(values: dict[str, Any]) -> None:
    starts, ends = values.get("starts_on"), values.get("ends_on")
    opens, closes = values.get("registration_opens"), values.get("registration_closes")
    if not isinstance(starts, date) or not isinstance(ends, date) or ends < starts:
        raise DomainError(_("The conference ends before it starts."))
    if not isinstance(opens, datetime) or not isinstance(closes, datetime) or closes <= opens:
        raise DomainError(_("Registration closes before it opens."))
    if not (values.get("venue") or "").strip() and not (values.get("online_url") or "").strip():
        raise DomainError(_("Give a venue or an online link."))
    if int(values.get("capacity") or 0) < 1:
        raise DomainError(_("The capacity must be at least one attendee."))


class ConferenceConflict(StaleVersion):
    """Someone saved the conference since the version the editor started from.

    Carries the conference as stored now and who saved it last (from the activity log).
    """

    def __init__(self, current: Conference, *, saved_by: User | None = None) -> None:
        super().__init__(
            _("The conference was changed by %(who)s in the meantime. Review both values."),
            current=current,
            who=saved_by,
        )
        self.saved_by = saved_by


def _last_saved_by(conference: Conference) -> User | None:
    """Who saved the conference's details last, as the activity log has it (or None)."""
    with scopes_disabled():
        entry = (
            ActivityEntry.objects.select_related("actor")
            .filter(
                verb="conference.saved",
                target_type=ContentType.objects.get_for_model(Conference),
                target_id=str(conference.pk),
            )
            .order_by("-created_at", "-id")
            .first()
        )
    return entry.actor if entry else None


@transaction.atomic
def conference_save(
    *,
    by: User | None,
    year: int,
    conference: Conference | None = None,
    expected_version: int | None = None,
    **values: Any,
) -> Conference:
    """Create or change the year's conference (office).

    `expected_version` is the version the editor started from; a change based on an older
    one is refused with ConferenceConflict, which carries the newer conference. Saving the
    values already stored changes nothing, whatever the version.
    """
    require_office(by)
    _check(values)
    if conference is None:
        if Conference.objects.filter(year=year).exists():
            raise DomainError(_("There is already a conference for %(year)s.") % {"year": year})
        conference = Conference(year=year, version=1)
    else:
        conference = Conference.objects.select_for_update().get(pk=conference.pk)
        changed = [
            name
            for name in CONFERENCE_FIELDS
            if name in values and getattr(conference, name) != values[name]
        ]
        if not changed:
            return conference  # the same details saved twice: nothing to write or log
        if expected_version not in (None, conference.version):
            raise ConferenceConflict(conference, saved_by=_last_saved_by(conference))
        conference.version += 1
    for name in CONFERENCE_FIELDS:
        if name in values:
            setattr(conference, name, values[name])
    conference.full_clean()
    conference.save()
    activity_record(
        actor=by,
        verb="conference.saved",
        target=conference,
        data={"year": year, "version": conference.version},
    )
    if conference.pk:
        _promote(conference)  # a larger capacity lets the waitlist in
    return conference


@transaction.atomic
def conference_publish(
    *, conference: Conference, by: User | None, published: bool = True
) -> Conference:
    require_office(by)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    conference.is_published = published
    conference.save(update_fields=["is_published", "updated_at"])
    activity_record(
        actor=by,
        verb="conference.published" if published else "conference.unpublished",
        target=conference,
    )
    if published and conference.window_state() == "open":
        _conference_open_notify(conference)  # later windows: conferences_notify_due
    return conference


def _confirmed_count(conference: Conference) -> int:
    with scopes_disabled():
        return Registration.objects.filter(conference=conference, status=R.CONFIRMED).count()


def _mail(registration: Registration, subject: StrOrPromise, template: str) -> None:
    """The attendee is told; a confirmed seat comes with the iCalendar file."""
    confirmed = registration.status == R.CONFIRMED
    mail_on_commit(
        subject=subject,
        template=template,
        context={"registration": registration, "conference": registration.conference},
        to=[registration.attendee_email],
        attachments=[
            (
                f"cpo-conference-{registration.conference.year}.ics",
                conference_ics(registration.conference, registration),
                "text/calendar",
            )
        ]
        if confirmed
        else None,
    )


@transaction.atomic
def registration_create(
    *,
    conference: Conference,
    organization: Organization,
    attendee_name: str,
    attendee_email: str,
    by: User | None,
) -> Registration:
    """Register an attendee of a community member organization: a seat, or the waitlist."""
    membership = membership_for(organization=organization, user=by)
    if membership is None:
        raise DomainError(_("Only members of the organization can register its attendees."))
    if not is_community_member(organization):
        raise DomainError(
            _("Only CPO Community members can register for the conference."),
            code="not_community_member",
        )
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    now = timezone.now()
    if not conference.is_published or not (
        conference.registration_opens <= now < conference.registration_closes
    ):
        raise DomainError(_("Registration is not open."), code="window")
    name, email = attendee_name.strip(), attendee_email.strip().lower()
    if not name or not email:
        raise DomainError(_("Give the attendee's name and e-mail address."))
    seat = _confirmed_count(conference) < conference.capacity
    with scope(organization=organization):
        registration = Registration(
            conference=conference,
            organization=organization,
            attendee_name=name[:200],
            attendee_email=email,
            status=R.CONFIRMED if seat else R.WAITLISTED,
            registered_by=by,
            confirmed_at=now if seat else None,
            waitlisted_at=None if seat else now,
        )
        registration.full_clean(exclude=["conference", "organization", "registered_by"])
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            raise DomainError(
                _("This attendee is already registered."), code="already_registered"
            ) from None
    activity_record(
        actor=by,
        organization=organization,
        verb="conference.registered",
        target=registration,
        data={"year": conference.year, "status": registration.status},
    )
    if seat:
        _mail(
            registration,
            lazy_format(gettext_lazy("Your registration for %(c)s"), c=conference),
            "community/conference/email/registration_confirmed.txt",
        )
    else:
        _mail(
            registration,
            lazy_format(gettext_lazy("You are on the waitlist for %(c)s"), c=conference),
            "community/conference/email/registration_waitlisted.txt",
        )
    return registration


def _promote(conference: Conference) -> list[Registration]:
    """Fill free seats from the waitlist, first come first served (conference row locked)."""
    free = conference.capacity - _confirmed_count(conference)
    if free <= 0:
        return []
    with scopes_disabled():
        waiting = list(
            Registration.objects.select_for_update()
            .select_related("conference")
            .filter(conference=conference, status=R.WAITLISTED)
            .order_by("waitlisted_at", "pk")[:free]
        )
        for registration in waiting:
            registration.status = R.CONFIRMED
            registration.confirmed_at = timezone.now()
            registration.save(update_fields=["status", "confirmed_at"])
            activity_record(
                actor=None,
                organization=registration.organization,
                verb="conference.promoted",
                target=registration,
                data={"year": conference.year},
            )
            _mail(
                registration,
                lazy_format(gettext_lazy("A seat is free for you at %(c)s"), c=conference),
                "community/conference/email/registration_confirmed.txt",
            )
    return waiting


@transaction.atomic
def registration_cancel(*, registration: Registration, by: User | None) -> Registration:
    """Cancel a registration; a freed seat goes to the next on the waitlist."""
    conference = Conference.objects.select_for_update().get(pk=registration.conference_id)
    with scopes_disabled():
        registration = (
            Registration.objects.select_for_update()
            .select_related("organization")
            .get(pk=registration.pk)
        )
    if membership_for(organization=registration.organization, user=by) is None and not is_office(
        by
    ):
        raise DomainError(_("Only the organization's members or the office can cancel this."))
    if registration.status == R.CANCELLED:
        raise DomainError(_("This registration is already cancelled."))
    registration.status = R.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    activity_record(
        actor=by,
        organization=registration.organization,
        verb="conference.cancelled",
        target=registration,
        data={"year": conference.year},
    )
    _promote(conference)
    return registration


# --- Notices (cpo_portal/notifications): who hears what of the conference -----------------

# The reminder goes this many days before the first day, to the confirmed attendees.
CONFERENCE_REMINDER_DAYS = 7


def _conference_url(conference: Conference) -> str:
    return reverse("community:conference_year", kwargs={"year": conference.year})


def _conference_open_notify(conference: Conference) -> int:
    """Every person of a community member organization hears that registration is open
    (each once per conference, however often it is published)."""
    return notify(
        kind="community.conference_open",
        users=community_people(),
        subject=lazy_format(
            gettext_lazy("Registration is open: %(conference)s"), conference=conference.title
        ),
        template="community/conference/mail/conference_open.txt",
        context={"conference": conference},
        url=_conference_url(conference),
        key=f"conference:{conference.pk}:open",
    )


def _conference_reminder_notify(conference: Conference) -> int:
    """Each confirmed attendee hears a week ahead; an attendee without a portal account is
    reminded through the person who registered them. The waitlist hears nothing here: a
    seat that becomes free comes with its own mail (_promote)."""
    count = 0
    for registration, account in confirmed_attendees(conference):
        recipient = account or registration.registered_by
        if recipient is None:
            continue
        count += notify(
            kind="community.conference_reminder",
            users=[recipient],
            subject=lazy_format(
                gettext_lazy("Reminder: %(conference)s begins on %(day)s"),
                conference=conference.title,
                day=conference.starts_on,
            ),
            template="community/conference/mail/conference_reminder.txt",
            context={
                "conference": conference,
                "registration": registration,
                "for_colleague": account is None,
            },
            url=_conference_url(conference),
            key=f"conference:{conference.pk}:reminder:{registration.pk}",
        )
    return count


@transaction.atomic
def conferences_notify_due(*, at: datetime | None = None) -> dict[str, int]:
    """Hourly (community/tasks.py): the notices whose time has come, each person told once
    (keyed by the conference and the registration, so runs may overlap or repeat).

    - registration open: while a published conference's registration window is open (also
      told at once when it is published during its window: conference_publish);
    - reminder: from CONFERENCE_REMINDER_DAYS before the first day until it begins.
    """
    now = at or timezone.now()
    told = {"conference_open": 0, "conference_reminder": 0}
    for conference in conferences_open_for_registration(at=now):
        told["conference_open"] += _conference_open_notify(conference)
    for conference in conferences_starting_within(
        days=CONFERENCE_REMINDER_DAYS, today=timezone.localdate(now)
    ):
        told["conference_reminder"] += _conference_reminder_notify(conference)
    return told
