"""The community's landing page, association membership in the browser, and the
organization's community page.

/community/ says what the CPO Community is, who may join (community members per group) and
where everything is. The organization sees its status (with the office's reason), the
validity and a warning ahead of the lapse; owners and admins declare or correct the
membership. The office works a queue of declarations and verifies (valid until) or rejects
(with a reason). Every write goes through community.services; a refusal becomes a form
error, never a 500.
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.exports import Column, country_name, export_response, filter_query
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.models import Organization
from criteria.groups import SigneeGroup, group_label
from signees.models import Signee, SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..forms.conference import RegistrationForm
from ..forms.membership import (
    MemberListFilterForm,
    MemberListForm,
    MembershipFilterForm,
    MembershipForm,
    RejectForm,
    VerifyForm,
)
from ..models import LAPSE_WARNING_DAYS, AssociationMembership, MembershipImport, MembershipStatus
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
        {"page": page, "form": form, "export_query": filter_query(request)},
    )


# --- The office's export of the memberships (exports) ------------------------------------------

MEMBERSHIP_COLUMNS = (
    Column("organization", gettext_lazy("Organization"), 28),
    Column("legal_name", gettext_lazy("Legal name"), 30),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("number", gettext_lazy("Membership number"), 16),
    Column("member_since", gettext_lazy("Member since"), 12),
    Column("status", gettext_lazy("Status"), 14),
    Column("valid_until", gettext_lazy("Valid until"), 12),
    Column("declared_at", gettext_lazy("Declared (UTC)"), 20),
    Column("verified_at", gettext_lazy("Verified (UTC)"), 20),
)


def _membership_rows(memberships: Any) -> Any:
    for membership in memberships:
        organization = membership.organization
        signee = getattr(organization, "signee", None)
        group = signee.group if signee else ""
        country = str(organization.country or "")
        yield [
            organization.display_name,
            organization.legal_name,
            group_label(group),
            group,
            country_name(country),
            country,
            membership.number,
            membership.member_since,
            membership.get_status_display(),
            membership.valid_until,
            membership.declared_at,
            membership.verified_at,
        ]


@office_required
def office_export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """Every membership with the filters of the list, as CSV or .xlsx (fetched in chunks)."""
    filters = MembershipFilterForm(request.GET or None).filters()
    memberships = selectors.memberships_for_office(**filters).iterator(chunk_size=2000)
    return export_response(
        kind,
        "cpo-memberships",
        MEMBERSHIP_COLUMNS,
        _membership_rows(memberships),
        labels=True,
        title=_("Memberships"),
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


# --- The prostep ivip member list: upload, dry run, apply ---------------------------------


def _import_or_404(pk: int) -> MembershipImport:
    membership_import = selectors.member_list_import_for_office(pk)
    if membership_import is None:
        raise Http404
    return membership_import


@office_required
def office_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload the member list (its dry run follows) and the history of imports."""
    form = MemberListForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            membership_import = services.membership_import_create(
                file_name=upload.name, content=upload.read(), by=request.user
            )
        except ValidationError as exc:
            form.refuse(exc)
        else:
            return redirect("community:office_member_list", pk=membership_import.pk)
    page = paginate(request, selectors.member_list_imports_for_office(), per_page=20)
    return render(
        request,
        "community/membership/office_import.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


# A column the file did not name is called by its documented name.
COLUMN_LABELS = {
    "number": gettext_lazy("Member number"),
    "name": gettext_lazy("Company name"),
    "member_since": gettext_lazy("Member since"),
    "valid_until": gettext_lazy("Valid until"),
}


def _on_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _row_shown(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """One row of the dry run as the page shows it: dates as dates, columns by their name."""
    membership = row.get("membership") or {}
    errors = [
        {**error, "label": columns.get(error["column"]) or COLUMN_LABELS[error["column"]]}
        for error in row.get("errors", [])
    ]
    return {
        **row,
        "errors": errors,
        "valid_until_date": _on_date(row.get("valid_until")),
        "member_since_date": _on_date(row.get("member_since")),
        "membership_valid_until": _on_date(membership.get("valid_until")),
    }


def _rows_shown(rows: list[dict[str, Any]], outcome: str) -> list[dict[str, Any]]:
    if outcome == "changes":
        return [row for row in rows if row.get("action") in selectors.CHANGES]
    return [row for row in rows if not outcome or row["outcome"] == outcome]


@office_required
def office_member_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The dry run of one import, row by row, with the button that applies it."""
    membership_import = _import_or_404(pk)
    report = membership_import.report
    form = MemberListFilterForm(request.GET or None)
    rows = _rows_shown(report.get("rows", []), form.outcome_value())
    # Applying refuses a dry run the memberships have moved away from: say so before.
    stale = membership_import.applied_at is None and (
        selectors.member_list_dry_run(rows=membership_import.rows)["rows"] != report.get("rows")
        or report.get("today") != timezone.localdate().isoformat()
    )
    columns = report.get("columns", {})
    page = paginate(request, rows, per_page=100)
    page.object_list = [_row_shown(row, columns) for row in page.object_list]
    missing = Paginator(report.get("missing", []), 100).get_page(request.GET.get("missing"))
    missing.object_list = [
        {**item, "valid_until_date": _on_date(item["membership"].get("valid_until"))}
        for item in missing.object_list
    ]
    return render(
        request,
        "community/membership/office_member_list.html",
        {
            "import": membership_import,
            "columns": columns,
            "counts": report.get("counts", {}),
            "form": form,
            "page": page,
            "changes": selectors.CHANGES,
            "missing": missing,
            "stale": stale,
            "earlier": selectors.member_list_imports_of_file(
                membership_import.sha256, exclude=membership_import.pk
            )[:5],
        },
    )


@office_required
@require_POST
def office_member_list_apply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership_import = _import_or_404(pk)
    if membership_import.applied_at is not None:
        messages.info(request, _("This import was applied before: nothing changed."))
        return redirect("community:office_member_list", pk=pk)
    started = timezone.now()
    try:
        applied = services.membership_import_apply(
            membership_import=membership_import, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        # A second tab or a double click applied it a moment before, while this request
        # waited for the lock: the service changed nothing, and the page says so.
        if applied.applied_at is not None and applied.applied_at < started:
            messages.info(request, _("This import was applied before: nothing changed."))
            return redirect("community:office_member_list", pk=pk)
        changes = membership_import.report.get("counts", {}).get("changes", 0)
        messages.success(
            request,
            ngettext(
                "The member list is applied: %(n)s membership verified, created or extended.",
                "The member list is applied: %(n)s memberships verified, created or extended.",
                changes,
            )
            % {"n": changes},
        )
    return redirect("community:office_member_list", pk=pk)


@office_required
@require_POST
def office_member_list_rerun(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership_import = _import_or_404(pk)
    try:
        fresh = services.membership_import_rerun(
            membership_import=membership_import, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("community:office_member_list", pk=pk)
    messages.success(request, _("The dry run was run again on the memberships as they are now."))
    return redirect("community:office_member_list", pk=fresh.pk)
