"""The community's landing page, association membership in the browser, and the
organization's community page.

/community/ says what the CPO Community is, who may join (community members per group) and
where everything is. The organization sees its status (with the office's reason), the
validity and a warning ahead of the lapse; owners and admins declare or correct the
membership. The office works a queue of declarations and verifies (valid until) or rejects
(with a reason). Every write goes through community.services; a refusal becomes a form
error, never a 500.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.models import Organization
from criteria.groups import SigneeGroup
from signees.models import Signee, SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..forms.conference import RegistrationForm
from ..forms.membership import MembershipFilterForm, MembershipForm, RejectForm, VerifyForm
from ..models import LAPSE_WARNING_DAYS, AssociationMembership, MembershipStatus
from ..selectors import conference as conference_selectors
from ..selectors import elections as election_selectors
from ..selectors import membership as selectors
from ..services import membership as services
from .conference import registration_context


def home(request: PortalRequest) -> HttpResponse:
    """/community/: what the CPO Community is, who may join, and where everything is."""
    counts = selectors.community_counts_per_group()
    groups = [(group.label, counts.get(group.value, 0)) for group in SigneeGroup]
    return render(
        request,
        "community/membership/home.html",
        {
            "groups": groups,
            "total": sum(counts.values()),
            "conference": conference_selectors.published_conference(),
            "election": election_selectors.current_election(),
        },
    )


def _approved_signee(organization: Organization) -> Signee | None:
    signee = signee_of_organization(organization)
    return signee if signee is not None and signee.status == SigneeStatus.APPROVED else None


# --- The organization --------------------------------------------------------------------


def org_community(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The organization's community status and its conference registrations."""
    organization = request.organization
    membership = selectors.membership_of(organization)
    conference = conference_selectors.published_conference()
    context: dict[str, Any] = {
        "organization": organization,
        "is_admin": request.membership.is_admin,
        "membership": membership,
        "signee": _approved_signee(organization),
        "is_member": selectors.is_community_member(organization),
        "days_left": membership.lapse_warning() if membership else None,
        "warning_days": LAPSE_WARNING_DAYS,
        "conference": conference,
    }
    if conference is not None:
        context.update(registration_context(organization, conference))
        context["form"] = RegistrationForm()
    return render(request, "community/membership/org_community.html", context)


@org_admin_required
def org_membership(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Declare or correct the prostep ivip membership (owners and admins)."""
    organization = request.organization
    membership = selectors.membership_of(organization)
    signee = _approved_signee(organization)
    initial = (
        {"number": membership.number, "member_since": membership.member_since}
        if membership
        else None
    )
    form = MembershipForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and signee is not None and form.is_valid():
        try:
            services.membership_declare(
                organization=organization,
                number=form.cleaned_data["number"],
                member_since=form.cleaned_data["member_since"],
                by=request.user,
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("Your membership has been declared: the CPO office will verify it.")
            )
            return redirect("community:org_community", org_slug=organization.slug)
    return render(
        request,
        "community/membership/org_declare.html",
        {"organization": organization, "membership": membership, "signee": signee, "form": form},
    )


# --- The CPO office ----------------------------------------------------------------------


@office_required
def office_queue(request: AuthenticatedRequest) -> HttpResponse:
    """Declarations waiting for verification, oldest first."""
    page = paginate(
        request, selectors.memberships_for_office(status=MembershipStatus.DECLARED), per_page=25
    )
    return render(request, "community/membership/office_queue.html", {"page": page})


@office_required
def office_list(request: AuthenticatedRequest) -> HttpResponse:
    form = MembershipFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate(request, selectors.memberships_for_office(**filters), per_page=50)
    return render(
        request,
        "community/membership/office_list.html",
        {"page": page, "form": form},
    )


def _membership_or_404(pk: int) -> AssociationMembership:
    membership = selectors.membership_for_office(pk)
    if membership is None:
        raise Http404
    return membership


def _office_detail(
    request: AuthenticatedRequest,
    membership: AssociationMembership,
    verify_form: VerifyForm | None = None,
    reject_form: RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {"valid_until": membership.valid_until} if membership.valid_until else None
    context = {
        "membership": membership,
        "signee": getattr(membership.organization, "signee", None),
        "verify_form": verify_form or VerifyForm(initial=initial),
        "reject_form": reject_form or RejectForm(),
        "may_decide": membership.status in (MembershipStatus.DECLARED, MembershipStatus.VERIFIED),
        "days_left": membership.lapse_warning(),
        "is_member": selectors.is_community_member(membership.organization),
    }
    return render(request, "community/membership/office_detail.html", context, status=status)


@office_required
def office_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _office_detail(request, _membership_or_404(pk))


@office_required
@require_POST
def office_verify(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.membership_verify(
                membership=membership, valid_until=form.cleaned_data["valid_until"], by=request.user
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("The membership of %(org)s is verified.")
                % {"org": membership.organization.display_name},
            )
            return redirect("community:office_memberships")
    return _office_detail(request, membership, verify_form=form)


@office_required
@require_POST
def office_reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.membership_reject(
                membership=membership, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("The membership of %(org)s is not confirmed.")
                % {"org": membership.organization.display_name},
            )
            return redirect("community:office_memberships")
    return _office_detail(request, membership, reject_form=form)
