"""Complaints (ISO/IEC 17065 §7.13): anyone may complain about a certified company or
product, misuse of the seal or logo, or the certification body; the office acknowledges,
investigates, decides and answers within the due dates it sets. Nothing about a complainant
is public.

Complaints are no tenant's rows (a plain manager): every read here is the office's.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DateField, F, Min, Q, QuerySet, When
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import OFFICE_ROLE_PERMISSIONS, OfficeRole

from ..models import (
    COMPLAINT_OPEN_STATES,
    Certificate,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
)

S = ComplaintStatus
OPEN = COMPLAINT_OPEN_STATES


def certificate_by_number(number: str) -> Certificate | None:
    """The certificate of this number (any status), with its holder; None if there is none."""
    with scopes_disabled():
        return (
            Certificate.objects.select_related("organization")
            .filter(number__iexact=number.strip())
            .first()
        )


def office_reviewers() -> QuerySet[Any]:
    """The active office members holding the reviewer role, by name (one query)."""
    codename = OFFICE_ROLE_PERMISSIONS[OfficeRole.REVIEWER].split(".", 1)[1]
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label="accounts",
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label="accounts",
    )
    reviewers = get_user_model().objects.filter(granted, is_active=True).values("pk")
    return get_user_model().objects.filter(pk__in=reviewers).order_by("full_name", "pk")


def _due_on() -> Case:
    """The current step's due date: the acknowledgement until it is sent, then the answer."""
    return Case(
        When(status=S.RECEIVED, then=F("acknowledge_by")),
        default=F("answer_by"),
        output_field=DateField(),
    )


@dataclass(frozen=True)
class ComplaintFilter:
    status: str = ""
    subject: str = ""
    overdue: bool = False


def complaints_for_office(
    filters: ComplaintFilter | None = None, *, on: date | None = None
) -> QuerySet[Complaint]:
    """The office's list: open complaints by due date first, then the decided and closed."""
    filters = filters or ComplaintFilter()
    on = on or timezone.localdate()
    rows = Complaint.objects.select_related("handler", "certificate", "organization").annotate(
        due_on=_due_on(),
        is_open=Case(When(status__in=OPEN, then=1), default=0),
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.subject:
        rows = rows.filter(subject=filters.subject)
    if filters.overdue:
        rows = rows.filter(status__in=OPEN, due_on__lt=on)
    return rows.order_by("-is_open", "due_on", "received_at", "pk")


def complaint_for_office(pk: int) -> Complaint | None:
    return (
        Complaint.objects.select_related(
            "handler", "certificate", "organization", "special_audit", "decided_by", "complainant"
        )
        .filter(pk=pk)
        .first()
    )


def complaint_events(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("by").order_by("at", "pk")


@dataclass(frozen=True)
class ComplaintQueue:
    count: int
    oldest: Any
    due_on: date | None
    overdue: int


def office_complaint_queue(*, on: date | None = None) -> ComplaintQueue:
    """The open complaints for the office's to-do list: how many, since when, the earliest
    due date and how many are overdue (one query)."""
    on = on or timezone.localdate()
    summary = (
        Complaint.objects.filter(status__in=OPEN)
        .annotate(due_on=_due_on())
        .order_by()
        .aggregate(
            n=Count("pk"),
            oldest=Min("received_at"),
            first_due=Min("due_on"),
            late=Count("pk", filter=Q(due_on__lt=on)),
        )
    )
    return ComplaintQueue(summary["n"], summary["oldest"], summary["first_due"], summary["late"])


def complaints_of_person(*, user: Any = None, email: str = "") -> QuerySet[Complaint]:
    """A person's complaints, as the complainant (signed in) or by their address."""
    match = Q(pk__in=[])
    if user is not None:
        match |= Q(complainant=user)
        email = email or getattr(user, "email", "")
    if email:
        match |= Q(complainant_email__iexact=email)
    return Complaint.objects.filter(match).order_by("received_at", "pk")
