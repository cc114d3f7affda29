"""The Core Team election in the browser: the office runs it, member organizations nominate
and vote, nominees answer, and the public sees candidates, results and the Core Team.

Every write goes through community.services; a refusal becomes a form error or a message,
never an error page. The ballot page renders the receipt code in the response to the cast
and nowhere else (not in the session, not in a redirect): it is shown once.

What cannot be undone asks first, without JavaScript (cpo_portal.forms.ConfirmForm): a
ballot shows its summary before it is cast, publishing the results shows who will form the
Core Team. Every election page says what its year and its term mean (`_term`).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.exports import Column, country_name, export_response
from cpo_portal.forms import ConfirmForm, error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.navigation import TodoItem
from cpo_portal.pagecache import public_page
from cpo_portal.pagination import paginate
from cpo_portal.ratelimit import rate_limited
from cpo_portal.tenancy.decorators import org_admin_required
from criteria.groups import SigneeGroup, group_label

from ..forms.elections import (
    AnswerForm,
    BallotForm,
    ElectionForm,
    NominationForm,
    ReceiptForm,
    TieForm,
)
from ..models import Election
from ..selectors import elections as selectors
from ..selectors.membership import community_group_of
from ..services import elections as services
from ..services.elections import GROUPS, RECEIPT_CHECKS


def _election_or_404(**lookup: Any) -> Election:
    election = Election.objects.filter(**lookup).first()
    if election is None:
        raise Http404
    return election


def _data(request: PortalRequest) -> Any:
    """The submitted data, or None: an empty ballot is still a submitted form."""
    return request.POST if request.method == "POST" else None


def _groups_of(
    items: list[Any], election: Election, key: Callable[[Any], str] | None = None
) -> list[dict[str, Any]]:
    """[{group, label, seats, items}] in the fixed group order."""
    key = key or (lambda item: item.group)
    return [
        {
            "group": group,
            "label": SigneeGroup(group).label,
            "seats": election.seats(group),
            "items": [item for item in items if key(item) == group],
        }
        for group in GROUPS
    ]


def _percent(ballots: int, eligible: int) -> int | None:
    return round(100 * ballots / eligible) if eligible else None


def _term(election: Election) -> dict[str, Any]:
    """What the election's year and term mean, for templates/community/elections/_term.html:
    the term runs from the publication of its results until the results of the next election
    are published (selectors.elections.term_of)."""
    starts, ends = selectors.term_of(election)
    return {"term_known": True, "term_starts": starts, "term_ends": ends}


def _short_groups(election: Election) -> list[dict[str, Any]]:
    """The groups with fewer accepted candidates than seats, labelled for the page."""
    return [
        {"group": group, "label": SigneeGroup(group).label, "seats": seats, "accepted": accepted}
        for group, seats, accepted in selectors.groups_short_of_candidates(election)
    ]


def office_election_todo(request: HttpRequest, organization: Any = None) -> list[TodoItem]:
    """The office's to-do line from the close of nominations until voting opens (by itself):
    a group has fewer accepted candidates than seats. A query per election waiting for its
    vote (there is one a year)."""
    items = []
    for election in selectors.elections_awaiting_vote(timezone.now())[:3]:
        short = _short_groups(election)
        if not short:
            continue
        items.append(
            TodoItem(
                key=f"election-{election.year}",
                label=_("%(election)s: fewer candidates than seats") % {"election": election.title},
                url=reverse("community:office_election", args=[election.pk]),
                count=len(short),
                due_on=timezone.localdate(election.voting_opens),
                note=", ".join(
                    _("%(group)s: %(accepted)d of %(seats)d")
                    % {"group": g["label"], "accepted": g["accepted"], "seats": g["seats"]}
                    for g in short
                ),
                order=election.year,
            )
        )
    return items


# --- The CPO office ---------------------------------------------------------------------


@office_required
def office_list(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.elections_for_office(), per_page=25)
    rows = [(election, services.phase(election)) for election in page.object_list]
    return render(request, "community/elections/office_list.html", {"page": page, "rows": rows})


@office_required
def office_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ElectionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            election = services.election_create(
                year=data["year"],
                title=data["title"],
                nomination_opens=data["nomination_opens"],
                nomination_closes=data["nomination_closes"],
                voting_opens=data["voting_opens"],
                voting_closes=data["voting_closes"],
                seats=form.seats(),
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The election has been opened."))
            return redirect("community:office_election", pk=election.pk)
    return render(request, "community/elections/office_create.html", {"form": form})


def _office_detail_context(election: Election, tie_forms: dict[str, Any] | None = None) -> Any:
    phase = services.phase(election)
    candidates = selectors.candidates_of_election(election)
    ballots, eligible = selectors.turnout_of(election)
    context: dict[str, Any] = {
        "election": election,
        "phase": phase,
        "groups": _groups_of(candidates, election),
        "ballots": ballots,
        "eligible": eligible,
        "percent": _percent(ballots, eligible),
        "may_tally": phase == "closed",
        # Warned before voting opens (by itself, at voting_opens); afterwards a plain note.
        "short_groups": _short_groups(election) if phase != "published" else [],
        **_term(election),
    }
    if election.tallied_at is not None:
        tally = selectors.results_of_election(election)
        groups = []
        unresolved = False
        for group in GROUPS:
            results = tally["results"].get(group, [])
            tied = [r for r in results if r.tie]
            resolution = tally["resolutions"].get(group)
            if tied and resolution is None:
                unresolved = True
            form = None
            if tied and phase != "published":
                form = (tie_forms or {}).get(group) or TieForm(
                    tied=tied,
                    prefix=group,
                    initial={"elected": [r.candidate_id for r in tied if r.elected]}
                    if resolution
                    else None,
                )
            free = election.seats(group) - sum(1 for r in results if r.elected and not r.tie)
            groups.append(
                {
                    "group": group,
                    "label": SigneeGroup(group).label,
                    "seats": election.seats(group),
                    "results": results,
                    "tied": tied,
                    "free": free,
                    "resolution": resolution,
                    "form": form,
                }
            )
        context.update(result_groups=groups, unresolved=unresolved)
    return context


@office_required
def office_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    election = _election_or_404(pk=pk)
    return render(
        request, "community/elections/office_detail.html", _office_detail_context(election)
    )


@office_required
@require_POST
def office_tally(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    election = _election_or_404(pk=pk)
    try:
        results = services.election_tally(election=election, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if any(r.tie for rows in results.values() for r in rows):
            messages.warning(
                request, _("The votes have been counted. There are ties: resolve them below.")
            )
        else:
            messages.success(request, _("The votes have been counted."))
    return redirect("community:office_election", pk=election.pk)


@office_required
@require_POST
def office_tie(request: AuthenticatedRequest, pk: int, group: str) -> HttpResponse:
    election = _election_or_404(pk=pk)
    if group not in GROUPS:
        raise Http404
    tally = selectors.results_of_election(election)
    tied = [r for r in tally["results"].get(group, []) if r.tie]
    if not tied:
        raise Http404
    form = TieForm(request.POST, tied=tied, prefix=group)
    if form.is_valid():
        try:
            services.tie_resolve(
                election=election,
                group=group,
                elected_ids=form.cleaned_data["elected"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The resolution of the tie has been recorded."))
            return redirect("community:office_election", pk=election.pk)
    election.refresh_from_db()
    context = _office_detail_context(election, tie_forms={group: form})
    return render(request, "community/elections/office_detail.html", context, status=400)


@office_required
@require_POST
def office_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Without the confirmation: the page that shows who will form the Core Team."""
    election = _election_or_404(pk=pk)
    pending = election.tallied_at is not None and not election.results_published_at
    if pending and not ConfirmForm.confirmed(request.POST):
        context = _office_detail_context(election)
        # An unresolved tie is refused below (services.elections.results_publish), unasked.
        if not context["unresolved"]:
            return render(request, "community/elections/office_publish_confirm.html", context)
    try:
        services.results_publish(election=election, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The results are published; the elected form the Core Team."))
    return redirect("community:office_election", pk=election.pk)


# --- A member organization's workspace --------------------------------------------------


def _org_context(request: OrganizationRequest, election: Election | None) -> dict[str, Any]:
    organization = request.organization
    group = community_group_of(organization)
    context: dict[str, Any] = {
        "organization": organization,
        "election": election,
        "group": group,
        "group_label": SigneeGroup(group).label if group else None,
        "is_admin": request.membership.is_admin,
    }
    if election is not None:
        context.update(
            phase=services.phase(election),
            cast=selectors.ballot_cast_of(election, organization),
            nominations=selectors.nominations_of_organization(election, organization),
            **_term(election),
        )
    return context


def org_overview(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    context = _org_context(request, selectors.current_election())
    return render(request, "community/elections/org_overview.html", context)


@org_admin_required
def org_nominate(request: OrganizationRequest, org_slug: str, year: int) -> HttpResponse:
    election = _election_or_404(year=year)
    context = _org_context(request, election)
    group = context["group"]
    form = None
    if group is not None and context["phase"] == "nomination":
        form = NominationForm(_data(request), options=selectors.nomination_options(election, group))
        if request.method == "POST" and form.is_valid():
            try:
                organization, person = form.chosen()
                candidate = services.candidate_nominate(
                    election=election,
                    nominating_organization=request.organization,
                    candidate_user=person,
                    candidate_organization=organization,
                    by=request.user,
                )
            except ValidationError as exc:
                form.refuse(exc)
            else:
                messages.success(
                    request,
                    _("%(name)s has been nominated and is asked by e-mail to accept or decline.")
                    % {"name": candidate.user},
                )
                return redirect("community:org_elections", org_slug=org_slug)
    elif request.method == "POST":
        messages.error(request, _("Nominations are not open."))
    context["form"] = form
    status = 400 if form is not None and form.errors else 200
    return render(request, "community/elections/org_nominate.html", context, status=status)


@org_admin_required
def org_ballot(request: OrganizationRequest, org_slug: str, year: int) -> HttpResponse:
    election = _election_or_404(year=year)
    context = _org_context(request, election)
    form = None
    if context["group"] is not None and context["phase"] == "voting" and not context["cast"]:
        candidates = list(selectors.accepted_candidates(election))
        form = BallotForm(_data(request), election=election, candidates=candidates)
        # Three steps, each a POST of the same choices: the ballot, its summary ("change"
        # goes back to the ticked ballot), the cast once confirmed on the summary.
        if request.method == "POST" and "change" not in request.POST and form.is_valid():
            if not ConfirmForm.confirmed(request.POST):
                context["summary"] = form.summary()
                response = render(request, "community/elections/org_ballot_confirm.html", context)
                # The choices are secret, and after the cast "not cast yet" would be stale:
                # the back button must not show this page from the browser's cache.
                response["Cache-Control"] = "no-store"
                return response
            try:
                code = services.ballot_cast(
                    election=election,
                    organization=request.organization,
                    choices=form.choices(),
                    by=request.user,
                )
            except ValidationError as exc:
                form.refuse(exc)
            else:
                response = render(
                    request,
                    "community/elections/org_receipt.html",
                    {**context, "code": code},
                )
                response["Cache-Control"] = "no-store"
                return response
    elif request.method == "POST" and context["cast"]:
        # A second tab, or the back button after casting: said plainly, not as a fault.
        messages.info(
            request, _("Your organization has already voted: a cast ballot cannot be changed.")
        )
    elif request.method == "POST":
        messages.error(request, _("Your organization cannot vote now."))
    context["form"] = form
    status = 400 if form is not None and form.errors else 200
    return render(request, "community/elections/org_ballot.html", context, status=status)


# --- The nominee ------------------------------------------------------------------------


@login_required
def nomination(request: AuthenticatedRequest, year: int, pk: int) -> HttpResponse:
    """The nominee's own page; anyone else gets 404."""
    candidate = selectors.candidacy_for_nominee(request.user, year, pk)
    if candidate is None:
        raise Http404
    election = candidate.election
    phase = services.phase(election)
    form = AnswerForm(_data(request), initial={"statement": candidate.statement})
    if request.method == "POST" and form.is_valid():
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            form.add_error(None, _("Choose to accept or to decline."))
        else:
            try:
                services.candidate_answer(
                    candidate=candidate,
                    accept=answer == "accept",
                    statement=form.cleaned_data["statement"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.refuse(exc)
            else:
                if answer == "accept":
                    messages.success(request, _("You have accepted the nomination."))
                else:
                    messages.success(request, _("You have declined the nomination."))
                return redirect("community:nomination", year=year, pk=pk)
    context = {
        "candidate": candidate,
        "election": election,
        "phase": phase,
        "form": form,
        **_term(election),
    }
    status = 400 if form.errors else 200
    return render(request, "community/elections/nomination.html", context, status=status)


# --- The public -------------------------------------------------------------------------


def public_election(request: PortalRequest, year: int) -> HttpResponse:
    election = _election_or_404(year=year)
    phase = services.phase(election)
    context: dict[str, Any] = {
        "election": election,
        "phase": phase,
        "groups": _groups_of(list(selectors.accepted_candidates(election)), election),
        "my_candidacies": selectors.open_candidacies_of_user(request.user, election),
        **_term(election),
    }
    if phase == "published":
        tally = selectors.results_of_election(election)
        ballots, eligible = election.ballots_count or 0, election.eligible_count or 0
        context.update(
            result_groups=[
                {
                    "label": SigneeGroup(group).label,
                    "seats": election.seats(group),
                    "results": tally["results"].get(group, []),
                    "resolution": tally["resolutions"].get(group),
                }
                for group in GROUPS
            ],
            ballots=ballots,
            eligible=eligible,
            percent=_percent(ballots, eligible),
        )
    return render(request, "community/elections/public_election.html", context)


@public_page
def core_team(request: PortalRequest) -> HttpResponse:
    election, results = selectors.published_core_team()
    groups = _groups_of(results, election, key=lambda r: r.group) if election else []
    context = {"election": election, "groups": groups, **(_term(election) if election else {})}
    return render(request, "community/elections/core_team.html", context)


def receipt_rate_limited(request: PortalRequest) -> int | None:
    """Count one receipt check; the seconds to wait when the client is over the limit (the
    API counts its checks in the same bucket)."""
    return rate_limited(request, RECEIPT_CHECKS, int(settings.COMMUNITY_RECEIPT_RATE_LIMIT))


def receipt(request: PortalRequest, year: int) -> HttpResponse:
    election = _election_or_404(year=year)
    form = ReceiptForm(_data(request))
    context: dict[str, Any] = {"election": election, "form": form, "checked": False}
    context.update(_term(election))
    if request.method == "POST":
        retry_after = receipt_rate_limited(request)
        if retry_after is not None:
            context["retry_after"] = retry_after
            response = render(request, "community/elections/receipt.html", context, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        if form.is_valid():
            ballot = services.ballot_for_receipt(election, form.cleaned_data["code"])
            context["checked"] = True
            context["ballot"] = ballot
            if ballot is not None:
                votes = sorted(
                    ballot.votes.all(), key=lambda v: (v.candidate.group, str(v.candidate.user))
                )
                context["vote_groups"] = _groups_of(
                    votes, election, key=lambda v: v.candidate.group
                )
    response = render(request, "community/elections/receipt.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- The office's export of who voted (exports) -----------------------------------------------
# That an organization voted, and when; never how (BallotCast only, see the selector).

PARTICIPATION_COLUMNS = (
    Column("organization", gettext_lazy("Organization"), 28),
    Column("legal_name", gettext_lazy("Legal name"), 30),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("voted", gettext_lazy("Voted"), 8),
    Column("voted_at", gettext_lazy("Voted at (UTC)"), 20),
)


def _participation_rows(rows: Any) -> Any:
    for row in rows:
        group = row["signee__group"] or ""
        country = str(row["country"] or "")
        yield [
            row["display_name"],
            row["legal_name"],
            group_label(group),
            group,
            country_name(country),
            country,
            row["voted_at"] is not None,
            row["voted_at"],
        ]


@office_required
def office_participation_export(
    request: AuthenticatedRequest, pk: int, kind: str
) -> HttpResponseBase:
    """Which eligible organizations voted and when, as CSV or .xlsx; never how."""
    election = _election_or_404(pk=pk)
    return export_response(
        kind,
        f"cpo-election-{election.year}-participation",
        PARTICIPATION_COLUMNS,
        _participation_rows(selectors.participation_rows_for_office(election)),
        labels=True,
        title=_("Participation"),
    )
