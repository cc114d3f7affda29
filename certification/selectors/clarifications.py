"""Reads of clarification requests: the threads of a case (for its auditors, the company and
the office), one request of a case, the counts per criterion for the scoring sheet, and the
company's open requests for its to-do list."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django_scopes import scope

from cpo_portal.tenancy.models import Organization

from ..models import (
    Application,
    ClarificationMessage,
    ClarificationRequest,
    ClarificationStatus,
    Evidence,
)


def _threads() -> QuerySet[ClarificationRequest]:
    return ClarificationRequest.objects.select_related(
        "criterion", "asked_by", "closed_by"
    ).prefetch_related(
        Prefetch("messages", queryset=ClarificationMessage.objects.select_related("by")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
    )


def clarifications_of(
    application: Application, *, criterion_id: int | None = None
) -> QuerySet[ClarificationRequest]:
    """The case's requests with their messages and evidence, awaiting ones first; the view
    paginates it (four queries a page, whatever the number of rows)."""
    with scope(organization=application.organization):
        requests = _threads().filter(application=application)
        if criterion_id is not None:
            requests = requests.filter(criterion_id=criterion_id)
        return requests.order_by("closed_at", "-asked_at", "-pk")


def clarification_threads(application: Application) -> list[ClarificationRequest]:
    """Every request of the case with its thread, oldest first: the record (report PDF)."""
    with scope(organization=application.organization):
        return list(_threads().filter(application=application).order_by("asked_at", "pk"))


def clarification_of_application(application: Application, pk: Any) -> ClarificationRequest | None:
    """One request of this case, with its thread; an id from elsewhere is None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with scope(organization=application.organization):
        request = _threads().filter(application=application, pk=pk).first()
    if request is not None:
        request.application = application
    return request


def clarification_counts(application: Application) -> dict[int, dict[str, int]]:
    """Per criterion: how many requests, how many await the company (one query)."""
    with scope(organization=application.organization):
        rows = (
            ClarificationRequest.objects.filter(application=application)
            .values("criterion_id")
            .annotate(
                total=Count("pk"),
                open=Count("pk", filter=Q(status=ClarificationStatus.OPEN)),
                answered=Count("pk", filter=Q(status=ClarificationStatus.ANSWERED)),
            )
        )
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for row in rows:
            counts[row["criterion_id"]] = {
                "total": row["total"],
                "open": row["open"],
                "answered": row["answered"],
            }
        return dict(counts)


def open_clarifications_of_organization(
    organization: Organization, *, limit: int = 20
) -> list[ClarificationRequest]:
    """The requests awaiting the organization's answer, the earliest due first."""
    with scope(organization=organization):
        return list(
            ClarificationRequest.objects.filter(
                application__organization=organization, status=ClarificationStatus.OPEN
            )
            .select_related("criterion", "application__organization")
            .order_by("due_on", "pk")[:limit]
        )
