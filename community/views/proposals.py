"""Proposals for the CPO in the browser: the public reads them and their discussion,
community members submit (from their workspace) and comment, the Core Team moves them.

Refusals of the services become form errors or messages, never error pages. The comment
and move endpoints answer 404 to anyone who may not use them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.pagination import paginate

from ..forms.proposals import CommentForm, MoveForm, ProposalFilterForm, ProposalForm
from ..models import PROPOSAL_CLOSED, PROPOSAL_EDGES, Proposal
from ..selectors.elections import is_core_team_member
from ..selectors.membership import is_community_member
from ..selectors.proposals import (
    ProposalFilter,
    comments_of,
    community_organizations_of_user,
    proposals_of_organization,
    public_proposal,
    public_proposals,
)
from ..services import proposals as services


def _proposal_or_404(pk: int) -> Proposal:
    proposal = public_proposal(pk)
    if proposal is None:
        raise Http404
    return proposal


# --- The public -------------------------------------------------------------------------


def public_list(request: PortalRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or None)
    filters = ProposalFilter()
    if form.is_valid():
        filters = ProposalFilter(**form.cleaned_data)
    page = paginate(request, public_proposals(filters), per_page=25)
    return render(
        request, "community/proposals/public_list.html", {"page": page, "filter_form": form}
    )


def _detail_context(
    request: PortalRequest,
    proposal: Proposal,
    comment_form: CommentForm | None = None,
    move_form: MoveForm | None = None,
) -> dict[str, object]:
    organizations = community_organizations_of_user(request.user)
    can_comment = bool(organizations) and proposal.status not in PROPOSAL_CLOSED
    is_core_team = is_core_team_member(request.user)
    can_move = is_core_team and bool(PROPOSAL_EDGES[proposal.status])
    return {
        "proposal": proposal,
        "comments": comments_of(proposal),
        "comment_form": comment_form
        or (CommentForm(organizations=organizations) if can_comment else None),
        "move_form": move_form or (MoveForm(current=proposal.status) if can_move else None),
        "is_core_team": is_core_team,
    }


def public_detail(request: PortalRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(pk)
    return render(
        request, "community/proposals/public_detail.html", _detail_context(request, proposal)
    )


@require_POST
@login_required
def comment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(pk)
    organizations = community_organizations_of_user(request.user)
    if not organizations:
        raise Http404
    form = CommentForm(request.POST, organizations=organizations)
    if form.is_valid():
        try:
            services.proposal_comment(
                proposal=proposal,
                organization=form.chosen_organization(),
                by=request.user,
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your comment has been added."))
            return redirect("community:proposal", pk=proposal.pk)
    context = _detail_context(request, proposal, comment_form=form)
    return render(request, "community/proposals/public_detail.html", context, status=400)


@require_POST
@login_required
def move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not is_core_team_member(request.user):
        raise Http404
    proposal = _proposal_or_404(pk)
    if not PROPOSAL_EDGES[proposal.status]:
        messages.error(request, _("This proposal has been decided; it cannot be moved."))
        return redirect("community:proposal", pk=proposal.pk)
    form = MoveForm(request.POST, current=proposal.status)
    if form.is_valid():
        try:
            services.proposal_transition(
                proposal=proposal,
                to=form.cleaned_data["to"],
                by=request.user,
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as exc:
            form.add_error(
                "rationale" if getattr(exc, "code", "") == "rationale" else None,
                error_text(exc),
            )
        else:
            messages.success(request, _("The proposal has been moved."))
            return redirect("community:proposal", pk=proposal.pk)
    context = _detail_context(request, proposal, move_form=form)
    return render(request, "community/proposals/public_detail.html", context, status=400)


# --- A community member organization ----------------------------------------------------


def org_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    page = paginate(request, proposals_of_organization(organization), per_page=25)
    return render(
        request,
        "community/proposals/org_list.html",
        {
            "organization": organization,
            "page": page,
            "is_member": is_community_member(organization),
        },
    )


def org_submit(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    is_member = is_community_member(organization)
    form = ProposalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                organization=organization,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                rationale=data["rationale"],
                criteria=data["criteria"],
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Your proposal has been submitted."))
            return redirect("community:proposal", pk=proposal.pk)
    return render(
        request,
        "community/proposals/org_submit.html",
        {"organization": organization, "form": form, "is_member": is_member},
        status=400 if form.errors else 200,
    )
