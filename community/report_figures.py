"""The figures of the annual CPO report: taken once as a frozen, JSON-safe snapshot, and
presented (tables and SVG charts) from that snapshot alone.

`take_snapshot` runs a fixed number of aggregate queries, whatever the number of signees,
certificates or ballots. `present` reads nothing from the database: the same snapshot
always gives the same figures, in the page and in the PDF. Every chart is a numbered figure
("Figure N: caption") that keeps its chart, the table of its numbers and its caption
together (templates/community/reports/_figure.html).

Flows ("new in the year", "issued in the year") count what happened in the report's year;
stocks (signees, community members, certificate statuses) are as on the snapshot's day.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from criteria.groups import SigneeGroup
from criteria.models import SchemeKind
from signees.extensions import case_figures, certificate_figures
from signees.models import Signee, SigneeStatus, Statement, StatementStatus

from .charts import bar_chart, line_chart
from .models import (
    Conference,
    Election,
    ElectionResult,
    Proposal,
    ProposalStatus,
    Registration,
    RegistrationStatus,
)
from .selectors.membership import community_member_organizations

SCHEMA = 1
GROUPS = [g.value for g in SigneeGroup]
KINDS = [k.value for k in SchemeKind]
CERTIFICATE_STATUSES = ("active", "suspended", "withdrawn", "expired")
PUBLIC_STATEMENTS = (StatementStatus.PUBLISHED, StatementStatus.SUPERSEDED)
SIGNED = (SigneeStatus.APPROVED, SigneeStatus.PENDING)
HISTORY_YEARS = 6


# --- Taking the snapshot ----------------------------------------------------------------


def _signees(year: int) -> dict[str, Any]:
    approved = Q(status=SigneeStatus.APPROVED)
    rows = (
        Signee.objects.order_by()
        .values("group")
        .annotate(
            total=Count("pk", filter=approved),
            new=Count("pk", filter=approved & Q(approved_at__year=year)),
        )
    )
    by_group = dict.fromkeys(GROUPS, 0)
    new = dict.fromkeys(GROUPS, 0)
    for row in rows:
        by_group[row["group"]] = row["total"]
        new[row["group"]] = row["new"]
    first = year - HISTORY_YEARS + 1
    per_year = dict(
        Signee.objects.filter(approved, approved_at__isnull=False, approved_at__year__lte=year)
        .annotate(y=ExtractYear("approved_at"))
        .order_by()
        .values("y")
        .annotate(n=Count("pk"))
        .values_list("y", "n")
    )
    before = sum(n for y, n in per_year.items() if y < first)
    return {
        "by_group": by_group,
        "new_in_year": new,
        "total": sum(by_group.values()),
        "new_total": sum(new.values()),
        "history": {
            "before": before,
            "years": [[y, per_year.get(y, 0)] for y in range(first, year + 1)],
        },
    }


def _statements(year: int, on: date) -> dict[str, Any]:
    published = Exists(
        Statement.objects.filter(signee=OuterRef("pk"), status__in=PUBLIC_STATEMENTS)
    )
    vendors = Signee.objects.filter(group=SigneeGroup.IT_VENDOR, status__in=SIGNED).annotate(
        has_statement=published
    )
    counts = vendors.aggregate(
        vendors=Count("pk", filter=Q(status=SigneeStatus.APPROVED)),
        with_statement=Count("pk", filter=Q(has_statement=True, status=SigneeStatus.APPROVED)),
        # The rule of the office's list: signed, past the deadline, none ever published.
        overdue=Count("pk", filter=Q(has_statement=False, statement_due__lt=on)),
    )
    counts["published_in_year"] = Statement.objects.filter(
        status__in=PUBLIC_STATEMENTS, published_at__year=year
    ).count()
    return counts


def _certificates(year: int, on: date) -> dict[str, Any]:
    figures = certificate_figures(year=year, on=on)
    if figures is None:
        return {"available": False, "by_kind": {}}
    empty = dict.fromkeys(("issued_in_year", "issued_total", *CERTIFICATE_STATUSES), 0)
    return {
        "available": True,
        "by_kind": {kind: {**empty, **figures.get(kind, {})} for kind in KINDS},
        # Complaints and appeals (certification's complaints): counts of the year, no names.
        **(case_figures(year=year) or {}),
    }


def _community(on: date) -> dict[str, Any]:
    rows = (
        community_member_organizations(on=on)
        .order_by()
        .values("signee__group")
        .annotate(n=Count("pk"))
    )
    by_group = dict.fromkeys(GROUPS, 0)
    for row in rows:
        by_group[row["signee__group"]] = row["n"]
    return {"by_group": by_group, "total": sum(by_group.values())}


def _conference(year: int) -> dict[str, Any] | None:
    conference = Conference.objects.filter(year=year, is_published=True).first()
    if conference is None:
        return None
    counts = Registration.objects.filter(conference=conference).aggregate(
        confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        organizations=Count(
            "organization", filter=Q(status=RegistrationStatus.CONFIRMED), distinct=True
        ),
    )
    return {
        "title": conference.title,
        "starts_on": conference.starts_on.isoformat(),
        "ends_on": conference.ends_on.isoformat(),
        "capacity": conference.capacity,
        **counts,
    }


def _election(year: int) -> dict[str, Any] | None:
    election = Election.objects.filter(year=year, results_published_at__isnull=False).first()
    if election is None:
        return None
    groups: dict[str, Any] = {g: {"seats": election.seats(g), "candidates": []} for g in GROUPS}
    results = (
        ElectionResult.objects.filter(election=election)
        .select_related("candidate__user", "candidate__organization")
        .order_by("group", "rank", "candidate__user__full_name", "pk")
    )
    for result in results:
        groups[result.group]["candidates"].append(
            {
                # The name alone: never the e-mail address (see public_figures).
                "name": result.candidate.user.full_name,
                "organization": result.candidate.organization.display_name,
                "votes": result.votes,
                "rank": result.rank,
                "elected": result.elected,
            }
        )
    ballots, eligible = election.ballots_count or 0, election.eligible_count or 0
    return {
        "title": election.title,
        "ballots": ballots,
        "eligible": eligible,
        "turnout_percent": round(100 * ballots / eligible, 1) if eligible else None,
        "groups": groups,
    }


def _proposals(year: int) -> dict[str, Any]:
    counts = Proposal.objects.aggregate(
        submitted_in_year=Count("pk", filter=Q(submitted_at__year=year)),
        **{
            status: Count("pk", filter=Q(submitted_at__year=year, status=status))
            for status in ProposalStatus.values
        },
    )
    submitted = counts.pop("submitted_in_year")
    return {"submitted_in_year": submitted, "by_status": counts}


def take_snapshot(year: int, *, now: Any = None) -> dict[str, Any]:
    """The report's figures as they stand now: plain data, stored on the report as it is."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    with scopes_disabled():
        return {
            "schema": SCHEMA,
            "year": year,
            "taken_at": now.isoformat(),
            "as_of": on.isoformat(),
            "signees": _signees(year),
            "statements": _statements(year, on),
            "certificates": _certificates(year, on),
            "community": _community(on),
            "conference": _conference(year),
            "election": _election(year),
            "proposals": _proposals(year),
        }


# --- Presenting the snapshot ------------------------------------------------------------


def _group_rows(values: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(SigneeGroup(g).label), int(values.get(g, 0))) for g in GROUPS]


class _Numbering:
    """Figures are numbered in the order the page and the PDF show them."""

    def __init__(self) -> None:
        self.count = 0

    def figure(self, caption: str, chart: Any) -> dict[str, Any]:
        self.count += 1
        return {"number": self.count, "caption": caption, "chart": chart}


def _certificate_rows(certificates: dict[str, Any], numbering: _Numbering) -> list[dict[str, Any]]:
    labels = {
        "active": _("Valid"),
        "suspended": _("Suspended"),
        "withdrawn": _("Withdrawn"),
        "expired": _("Expired"),
    }
    rows = []
    for kind in KINDS:
        figures = certificates.get("by_kind", {}).get(kind)
        if figures is None:
            continue
        caption = _("%(kind)s certificates by status") % {"kind": SchemeKind(kind).label}
        statuses = [(str(labels[s]), int(figures.get(s, 0))) for s in CERTIFICATE_STATUSES]
        chart = bar_chart(statuses, title=caption)
        rows.append(
            {
                "kind": kind,
                "label": str(SchemeKind(kind).label),
                **figures,
                "statuses": statuses,
                "chart": chart,
                "figure": numbering.figure(caption, chart),
            }
        )
    return rows


def _history(signees: dict[str, Any]) -> list[tuple[str, int]]:
    total = int(signees["history"]["before"])
    points = []
    for year, new in signees["history"]["years"]:
        total += int(new)
        points.append((str(year), total))
    return points


def _public_candidate_name(candidate: dict[str, Any]) -> str:
    if candidate.get("erased"):
        return _("Former member")
    name = str(candidate.get("name") or "").strip()
    # Snapshots taken before names were required held the address of a nameless candidate.
    return name if name and "@" not in name else _("Anonymous member")


def public_figures(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as the public may read it: every candidate named, none by address."""
    election = snapshot.get("election")
    if not election:
        return snapshot
    groups = {
        group: {
            **figures,
            "candidates": [
                {**{k: v for k, v in c.items() if k != "erased"}, "name": _public_candidate_name(c)}
                for c in figures.get("candidates", [])
            ],
        }
        for group, figures in election.get("groups", {}).items()
    }
    return {**snapshot, "election": {**election, "groups": groups}}


def present(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Tables and charts for the page and the PDF, from the snapshot alone (no queries)."""
    snapshot = public_figures(snapshot)
    signees = snapshot["signees"]
    community = snapshot["community"]
    proposals = snapshot["proposals"]
    status_labels = dict(ProposalStatus.choices)
    proposal_rows = [
        (str(status_labels[s]), int(proposals["by_status"].get(s, 0)))
        for s in ProposalStatus.values
    ]
    election = snapshot.get("election")
    election_groups = []
    if election:
        election_groups = [
            {"label": str(SigneeGroup(g).label), **election["groups"][g]} for g in GROUPS
        ]
    history = _history(signees)
    numbering = _Numbering()
    group_rows = _group_rows(signees["by_group"])
    signees_chart = bar_chart(group_rows, title=_("Signees per group"))
    signees_figure = numbering.figure(_("Signees per group"), signees_chart)
    history_chart = line_chart(history, title=_("Signees over the years"))
    history_figure = numbering.figure(_("Signees over the years"), history_chart)
    certificate_rows = _certificate_rows(snapshot["certificates"], numbering)
    community_rows = _group_rows(community["by_group"])
    community_chart = bar_chart(community_rows, title=_("Community members per group"))
    community_figure = numbering.figure(_("Community members per group"), community_chart)
    proposals_chart = bar_chart(proposal_rows, title=_("Proposals by outcome"))
    proposals_figure = numbering.figure(_("Proposals by outcome"), proposals_chart)
    return {
        "year": snapshot["year"],
        "as_of": date.fromisoformat(snapshot["as_of"]),
        "signees": {
            "rows": [
                (label, total, new)
                for (label, total), (_l, new) in zip(
                    _group_rows(signees["by_group"]),
                    _group_rows(signees["new_in_year"]),
                    strict=True,
                )
            ],
            "total": signees["total"],
            "new_total": signees["new_total"],
            "chart": signees_chart,
            "figure": signees_figure,
            "history": history,
            "history_chart": history_chart,
            "history_figure": history_figure,
        },
        "statements": snapshot["statements"],
        "certificates": {
            "available": snapshot["certificates"]["available"],
            "rows": certificate_rows,
            # Complaints and appeals of the year (none in snapshots taken before they were).
            "complaints": snapshot["certificates"].get("complaints"),
            "appeals": snapshot["certificates"].get("appeals"),
        },
        "community": {
            "rows": community_rows,
            "total": community["total"],
            "chart": community_chart,
            "figure": community_figure,
        },
        "conference": snapshot.get("conference"),
        "election": election,
        "election_groups": election_groups,
        "proposals": {
            "submitted_in_year": proposals["submitted_in_year"],
            "rows": proposal_rows,
            "chart": proposals_chart,
            "figure": proposals_figure,
        },
    }
