"""The annual CPO conference in the browser.

The office creates, edits and publishes the year's conference, sees the attendees with the
waitlist in its order, cancels registrations and exports the list as CSV. Community member
organizations register their attendees in their workspace and cancel them; the public sees
the current published conference and can download it as an iCalendar file.
"""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.exports import CSV, Column, country_name, export_response
from cpo_portal.forms import ConfirmForm, Conflict, error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.models import Organization

from ..forms.conference import ConferenceForm, RegistrationForm
from ..ical import conference_ics
from ..markdown import render_markdown
from ..models import Conference, Registration, RegistrationStatus
from ..selectors import conference as selectors
from ..selectors.membership import is_community_member
from ..services import conference as services


def registration_context(organization: Organization, conference: Conference) -> dict[str, Any]:
    registrations = selectors.registrations_of_organization(organization, conference)
    return {
        "conference": conference,
        "registrations": registrations,
        "live_registrations": [
            r for r in registrations if r.status != RegistrationStatus.CANCELLED
        ],
        "seats": selectors.conference_seats(conference),
        "window": conference.window_state(),
    }


# --- The organization --------------------------------------------------------------------


def org_register(request: OrganizationRequest, org_slug: str, year: int) -> HttpResponse:
    """Register an attendee of the organization: a seat, or the waitlist when full."""
    organization = request.organization
    conference = selectors.published_conference(year)
    if conference is None:
        raise Http404
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                conference=conference,
                organization=organization,
                attendee_name=form.cleaned_data["attendee_name"],
                attendee_email=form.cleaned_data["attendee_email"],
                by=request.user,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_registered":
                form.add_error("attendee_email", error_text(exc))
            else:
                form.refuse(exc)
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(
                    request,
                    _("%(name)s is registered: a confirmation with a calendar file is on its way.")
                    % {"name": registration.attendee_name},
                )
            else:
                messages.warning(
                    request,
                    _("The conference is full: %(name)s is on the waitlist.")
                    % {"name": registration.attendee_name},
                )
            return redirect("community:org_community", org_slug=organization.slug)
    context = registration_context(organization, conference)
    context.update(
        organization=organization,
        form=form,
        is_member=is_community_member(organization),
    )
    return render(request, "community/conference/org_register.html", context)


def _cancel_confirmation(
    request: PortalRequest, registration: Registration, *, action: str, back: str
) -> HttpResponse:
    """The page that asks before a registration is cancelled (it cannot be undone: a freed
    seat goes to the next on the waitlist at once)."""
    context = {
        "registration": registration,
        "conference": registration.conference,
        "action": action,
        "back": back,
        "frees_a_seat": registration.status == RegistrationStatus.CONFIRMED,
    }
    return render(request, "community/conference/cancel_confirm.html", context)


@require_POST
def org_cancel(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Without the confirmation: the page that asks for it."""
    organization = request.organization
    registration = selectors.registration_of_organization(organization, pk)
    if registration is None:
        raise Http404
    if registration.status != RegistrationStatus.CANCELLED and not ConfirmForm.confirmed(
        request.POST
    ):
        return _cancel_confirmation(
            request,
            registration,
            action=reverse("community:org_registration_cancel", args=[organization.slug, pk]),
            back=reverse("community:org_community", args=[organization.slug]),
        )
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("The registration of %(name)s is cancelled.") % {"name": registration.attendee_name},
        )
    return redirect("community:org_community", org_slug=organization.slug)


# --- The CPO office ----------------------------------------------------------------------


def _conference_or_404(pk: int) -> Conference:
    conference = selectors.conference_for_office(pk)
    if conference is None:
        raise Http404
    return conference


@office_required
def office_list(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.conferences_for_office(), per_page=25)
    return render(request, "community/conference/office_list.html", {"page": page})


def _save(
    request: AuthenticatedRequest, form: ConferenceForm, conference: Conference | None
) -> Conference | None:
    """Save the form's values; a stale edit raises ConferenceConflict for the caller."""
    try:
        return services.conference_save(
            by=request.user,
            year=conference.year if conference else form.cleaned_data["year"],
            conference=conference,
            expected_version=form.expected_version() if conference else None,
            **form.values(),
        )
    except services.ConferenceConflict:
        raise
    except ValidationError as exc:
        form.refuse(exc)
        return None


@office_required
def office_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ConferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        conference = _save(request, form, None)
        if conference is not None:
            messages.success(request, _("The conference is saved; publish it when it is ready."))
            return redirect("community:office_conference", pk=conference.pk)
    return render(request, "community/conference/office_form.html", {"form": form})


def _conflict(form: ConferenceForm, exc: services.ConferenceConflict) -> Conflict:
    """Both values of every field that differs, and who saved the newer version."""
    yours = form.values()
    fields = [
        name
        for name in services.CONFERENCE_FIELDS
        if name in yours and yours[name] != getattr(exc.current, name)
    ]
    conflict = form.conflict_with(exc.current, fields)
    return replace(conflict, who=str(exc.saved_by) if exc.saved_by else "")


@office_required
def office_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The conference's details; a save based on an older version is refused with both values
    (409), "Keep mine" saves them on top, "Take the saved one" reloads the form."""
    conference = _conference_or_404(pk)
    form = ConferenceForm(request.POST if request.method == "POST" else None, conference=conference)
    conflict: Conflict | None = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, conference)
        except services.ConferenceConflict as exc:
            conflict = _conflict(form, exc)
        else:
            if saved is not None:
                messages.success(request, _("The conference is saved."))
                return redirect("community:office_conference", pk=conference.pk)
    status = 409 if conflict else 200  # a refused stale save answers 409, like the reports
    return render(
        request,
        "community/conference/office_form.html",
        {"form": form, "conference": conference, "conflict": conflict},
        status=status,
    )


@office_required
def office_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The conference with its attendees: confirmed, the waitlist in order, cancelled."""
    conference = _conference_or_404(pk)
    rows = selectors.attendees_for_office(conference)
    status = request.GET.get("status", "")
    if status in RegistrationStatus.values:
        rows = [row for row in rows if row.status == status]
    page = paginate(request, rows, per_page=100)
    return render(
        request,
        "community/conference/office_detail.html",
        {
            "conference": conference,
            "page": page,
            "status": status,
            "statuses": RegistrationStatus.choices,
            "seats": selectors.conference_seats(conference),
            "window": conference.window_state(),
        },
    )


@office_required
@require_POST
def office_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    conference = _conference_or_404(pk)
    published = request.POST.get("published", "1") != "0"
    try:
        services.conference_publish(conference=conference, by=request.user, published=published)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("The conference is published.") if published else _("The conference is withdrawn."),
        )
    return redirect("community:office_conference", pk=conference.pk)


@office_required
@require_POST
def office_cancel(request: AuthenticatedRequest, pk: int, registration_pk: int) -> HttpResponse:
    conference = _conference_or_404(pk)
    registration = selectors.registration_for_office(conference, registration_pk)
    if registration is None:
        raise Http404
    if registration.status != RegistrationStatus.CANCELLED and not ConfirmForm.confirmed(
        request.POST
    ):
        return _cancel_confirmation(
            request,
            registration,
            action=reverse(
                "community:office_registration_cancel", args=[conference.pk, registration.pk]
            ),
            back=reverse("community:office_conference", args=[conference.pk]),
        )
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("The registration of %(name)s is cancelled.") % {"name": registration.attendee_name},
        )
    return redirect("community:office_conference", pk=conference.pk)


# The attendee list as the office downloads it: CSV (UTF-8 with BOM) or .xlsx.
ATTENDEE_COLUMNS = (
    Column("attendee", gettext_lazy("Attendee"), 26),
    Column("email", gettext_lazy("E-mail"), 30),
    Column("organization", gettext_lazy("Organization"), 28),
    Column("group", gettext_lazy("Group"), 22),
    Column("status", gettext_lazy("Status"), 16),
    Column("waitlist_position", gettext_lazy("Waitlist position"), 10),
    Column("registered_at", gettext_lazy("Registered (UTC)"), 20),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("group_code", gettext_lazy("Group code"), 14),
)


def _attendee_rows(conference: Conference) -> Iterator[list[Any]]:
    """One row per registration: confirmed, the waitlist in its order, cancelled."""
    place = 0
    for row in selectors.attendee_rows_for_export(conference):
        position = None
        if row.status == RegistrationStatus.WAITLISTED:
            place += 1
            position = place
        signee = getattr(row.organization, "signee", None)
        country = str(row.organization.country or "")
        yield [
            row.attendee_name,
            row.attendee_email,
            row.organization.display_name,
            signee.get_group_display() if signee else "",
            row.get_status_display(),
            position,
            row.registered_at,
            country_name(country),
            country,
            signee.group if signee else "",
        ]


@office_required
def office_export(
    request: AuthenticatedRequest, pk: int, kind: str = CSV
) -> StreamingHttpResponse | FileResponse:
    conference = _conference_or_404(pk)
    return export_response(
        kind,
        f"cpo-conference-{conference.year}-attendees",
        ATTENDEE_COLUMNS,
        _attendee_rows(conference),
        labels=True,
        title=_("Attendees"),
    )


# --- The public --------------------------------------------------------------------------


def _public_context(conference: Conference | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "conference": conference,
        "past": selectors.past_published_conferences(exclude=conference),
    }
    if conference is not None:
        context.update(
            seats=selectors.conference_seats(conference),
            window=conference.window_state(),
            agenda=render_markdown(conference.agenda),
        )
    return context


def public_current(request: PortalRequest) -> HttpResponse:
    conference = selectors.published_conference()
    return render(request, "community/conference/public.html", _public_context(conference))


def public_year(request: PortalRequest, year: int) -> HttpResponse:
    conference = selectors.published_conference(year)
    if conference is None:
        raise Http404
    return render(request, "community/conference/public.html", _public_context(conference))


def public_ics(request: PortalRequest, year: int) -> HttpResponse:
    conference = selectors.published_conference(year)
    if conference is None:
        raise Http404
    response = HttpResponse(conference_ics(conference), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cpo-conference-{year}.ics"'
    return response
