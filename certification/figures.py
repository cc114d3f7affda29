"""Certificate figures for the annual CPO report, registered in signees.extensions so that
the community app counts certificates without importing certification."""

from datetime import date
from typing import Any

from django.db.models import Count, Q
from django_scopes import scopes_disabled

from .models import Certificate, CertificateStatus

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
