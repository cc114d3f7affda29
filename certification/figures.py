"""Certificate figures for the annual CPO report, registered in signees.extensions so that
the community app counts certificates without importing certification."""

from datetime import date
from typing import Any

from django.db.models import Count, Q
from django_scopes import scopes_disabled

from .models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    Certificate,
    CertificateStatus,
    Complaint,
    ComplaintOutcome,
)

C = CertificateStatus
LIVE = (C.ACTIVE, C.SUSPENDED)


def certificate_figures(*, year: int, on: date) -> dict[str, dict[str, int]]:
    """Per kind: issued in `year` and ever, and the effective status on `on` (one query)."""
    past = Q(status__in=LIVE, valid_until__lt=on)
    with scopes_disabled():
        rows: Any = (
            Certificate.objects.order_by()
            .values("kind")
            .annotate(
                issued_in_year=Count("pk", filter=Q(issued_on__year=year)),
                issued_total=Count("pk"),
                active=Count("pk", filter=Q(status=C.ACTIVE, valid_until__gte=on)),
                suspended=Count("pk", filter=Q(status=C.SUSPENDED, valid_until__gte=on)),
                withdrawn=Count("pk", filter=Q(status=C.WITHDRAWN)),
                expired=Count("pk", filter=Q(status=C.EXPIRED) | past),
            )
        )
        return {
            str(row["kind"]): {k: int(v) for k, v in row.items() if k != "kind"} for row in rows
        }


def complaint_and_appeal_figures(*, year: int) -> dict[str, dict[str, int]]:
    """Complaints received and appeals filed in `year`, and those decided and upheld (wholly
    or partly) in it: counts only, no names (two queries)."""
    upheld = (ComplaintOutcome.UPHELD, ComplaintOutcome.PARTLY_UPHELD)
    decided_in_year = Q(decided_at__year=year, decided_at__isnull=False)
    complaints = Complaint.objects.order_by().aggregate(
        received=Count("pk", filter=Q(received_at__year=year)),
        decided=Count("pk", filter=decided_in_year),
        upheld=Count("pk", filter=decided_in_year & Q(outcome__in=upheld)),
    )
    appeal_decided = decided_in_year & Q(status=AppealStatus.DECIDED)
    with scopes_disabled():
        appeals = Appeal.objects.order_by().aggregate(
            filed=Count("pk", filter=Q(filed_at__year=year)),
            decided=Count("pk", filter=appeal_decided),
            upheld=Count(
                "pk",
                filter=appeal_decided
                & Q(outcome__in=(AppealOutcome.UPHELD, AppealOutcome.PARTLY_UPHELD)),
            ),
        )
    return {
        "complaints": {k: int(v or 0) for k, v in complaints.items()},
        "appeals": {k: int(v or 0) for k, v in appeals.items()},
    }
