"""Signing the CPO: the home page, the public list with its exports and one signee's page;
a company signs, follows its review and manages its signature; the CPO office reviews.

The public pages read through `signees.selectors.signing`, which only ever returns approved
signees. Visitors get cacheable pages; signed-in users never do (the header names them).

/sign/ starts the signing: the user picks one of their organizations or registers a new one.
The steps under /o/<org>/sign/ are plain GET pages (group → declaration → sign) that carry the
chosen group in the query, so the back button and a page without JavaScript both work; only
the signature itself is a POST. The tenant middleware has already answered 404 to outsiders
on every /o/<org>/ URL.

The office's decisions go through the services, which check the lifecycle edge, log and
e-mail the company; a refusal becomes a message on the record page, never an error page.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.activity.selectors import activity_for_office
from cpo_portal.clients import client_ip
from cpo_portal.documents.models import Document
from cpo_portal.documents.selectors import documents_of_organization
from cpo_portal.errors import DomainError
from cpo_portal.exports import Column, country_name, export_response, in_pieces
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest
from cpo_portal.pagecache import public_page
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.forms import OrganizationForm
from cpo_portal.tenancy.models import Organization, Role
from cpo_portal.tenancy.services import organization_create
from criteria.groups import group_label
from criteria.models import CatalogueVersion
from criteria.selectors.catalogue import current_published_version

from .. import extensions
from ..declaration import declaration_text
from ..forms.signing import GroupForm, QueueFilterForm, ReasonForm, SigneeFilterForm, SignForm
from ..logo import logo_pack, logo_pack_filename, logo_svg
from ..models import (
    ACTIVE_STATUSES,
    SIGN_AGAIN_STATUSES,
    Signature,
    Signee,
    SigneeGroup,
    SigneeReview,
    SigneeStatus,
    StatementKind,
)
from ..selectors import signing as selectors
from ..selectors.statements import open_statement_due
from ..services.signing import (
    CatalogueChanged,
    signee_approve,
    signee_change_group,
    signee_reject,
    signee_resubmit,
    signee_return,
    signee_sign,
    signee_unpublish,
    signee_withdraw,
)

S = SigneeStatus
PAGE_SIZE = 50
LATEST_ON_HOME = 5
# The columns of the CSV, JSON and .xlsx exports alike; group, country and seal statuses
# in the language of the request, with the codes beside them for scripts.
EXPORT_COLUMNS = (
    Column("name", gettext_lazy("Company"), 30),
    Column("legal_name", gettext_lazy("Legal name"), 30),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("website", gettext_lazy("Website"), 30),
    Column("signee_since", gettext_lazy("Signee since"), 12),
    Column("profile_url", gettext_lazy("Signee page"), 40),
    Column("statement_url", gettext_lazy("CPO Statement"), 40),
    Column("valid_seal", gettext_lazy("Holds a valid seal"), 10),
    Column("organizational_seals", gettext_lazy("Organizational seals"), 30),
    Column("product_seals", gettext_lazy("Product seals"), 40),
)
EXPORT_STEM = "cpo-signees"
EXPORT_FORMATS = ("csv", "json", "xlsx")
FILTER_KEYS = ("q", "group", "country", "sort", "seal")

# The groups as the public signee page explains them.
PUBLIC_GROUP_DEFINITIONS: dict[str, Any] = {
    SigneeGroup.IT_CUSTOMER: gettext_lazy("Uses and buys IT systems and services."),
    SigneeGroup.IT_VENDOR: gettext_lazy("Develops software as its dominant business."),
    SigneeGroup.IT_SERVICE_PROVIDER: gettext_lazy(
        "Provides services, such as integration, as its dominant business and may ship "
        "related tools."
    ),
}


STEPS = ("organization", "group", "declaration", "sign")
# Stand-ins for the signatory in the preview only; the signed text is rendered afresh.
_NAME_MARK = "@@signatory-name@@"
_POSITION_MARK = "@@signatory-position@@"


# --- The home page ---------------------------------------------------------------------


@public_page
def home(request: PortalRequest) -> HttpResponse:
    """What the CPO is, how to sign, how many have signed and who signed last."""
    counts = selectors.published_group_counts()
    return render(
        request,
        "signees/signing/home.html",
        {
            "signee_counts": [
                (label, counts[value], value) for value, label in SigneeGroup.choices
            ],
            "signee_total": sum(counts.values()),
            "latest_signees": selectors.latest_published_signees(LATEST_ON_HOME),
            # Filled by the certification app: the most recently issued certificates.
            "latest_certificates": extensions.latest_certificates(LATEST_ON_HOME),
        },
    )


def _filter_form(request: PortalRequest, *, countries: list[tuple[str, str]]) -> SigneeFilterForm:
    data = request.GET if any(k in request.GET for k in FILTER_KEYS) else None
    return SigneeFilterForm(data, countries=countries)


def _query(request: PortalRequest, **changes: str) -> str:
    """The current query string without page and format, with `changes` applied."""
    params: QueryDict = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    for key, value in changes.items():
        if value:
            params[key] = value
        else:
            params.pop(key, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


# --- The list --------------------------------------------------------------------------


def _group_facets(
    request: PortalRequest, counts: dict[str, int], current: str
) -> list[dict[str, Any]]:
    facets = [
        {
            "value": "",
            "label": _("All groups"),
            "count": sum(counts.values()),
            "url": _query(request, group=""),
            "current": not current,
        }
    ]
    for value, label in SigneeGroup.choices:
        facets.append(
            {
                "value": value,
                "label": label,
                "count": counts[value],
                "url": _query(request, group=value),
                "current": current == value,
            }
        )
    return facets


def _page(request: PortalRequest, filters: selectors.SigneeFilter, counts: dict[str, int]) -> Page:
    paginator = Paginator(selectors.published_signee_list(filters), PAGE_SIZE)
    # The group counts already hold the total: spare the paginator its COUNT query.
    paginator.count = counts[filters.group] if filters.group else sum(counts.values())
    return paginator.get_page(request.GET.get("page"))


@public_page
def signee_list(request: PortalRequest) -> HttpResponseBase:
    export = request.GET.get("format", "")
    if export in EXPORT_FORMATS:
        return _export(request, export)
    form = _filter_form(request, countries=selectors.published_countries())
    filters = form.filters()
    counts = selectors.published_group_counts(filters)
    page = _page(request, filters, counts)
    rows = [
        {
            "signee": signee,
            "statement_url": selectors.statement_path(
                signee.organization.slug,
                getattr(signee, "statement_kind", None),
                getattr(signee, "statement_link", None),
            ),
            "seals": selectors.listed_seals(getattr(signee, "seals", None)),
        }
        for signee in page.object_list
    ]
    export_query = _query(request)
    return render(
        request,
        "signees/signing/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "group_facets": _group_facets(request, counts, filters.group),
            "total": sum(counts.values()),
            "csv_url": reverse("signees:export_csv") + export_query,
            "json_url": reverse("signees:export_json") + export_query,
            "xlsx_url": reverse("signees:export_xlsx") + export_query,
        },
    )


# --- Exports ---------------------------------------------------------------------------


def _seal_cell(seals: list[Any], kind: str) -> str:
    return "; ".join(str(seal) for seal in seals if seal.kind == kind)


def _records(request: PortalRequest, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    base = request.build_absolute_uri(reverse("signees:list"))
    for row in rows:
        slug = row["organization__slug"]
        statement = selectors.statement_path(slug, row["statement_kind"], row["statement_link"])
        country = str(row["organization__country"] or "")
        seals = selectors.listed_seals(row["seals"])
        yield {
            "name": row["listed_name"] or row["organization__display_name"],
            "legal_name": row["organization__legal_name"],
            "group": group_label(row["group"]),
            "group_code": row["group"],
            "country": country_name(country),
            "country_code": country,
            "website": row["organization__website"],
            "signee_since": (
                timezone.localdate(row["approved_at"]) if row["approved_at"] else None
            ),
            "profile_url": f"{base}{slug}/",
            "statement_url": request.build_absolute_uri(statement) if statement else "",
            "valid_seal": any(seal.valid for seal in seals),
            "organizational_seals": _seal_cell(seals, "organizational"),
            "product_seals": _seal_cell(seals, "product"),
        }


def _json_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one object per line, written as the rows arrive."""
    separator = "[\n"
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False, default=str)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def _export(request: PortalRequest, kind: str) -> HttpResponseBase:
    """The filtered list as CSV, JSON or .xlsx; CSV and JSON are streamed, the .xlsx is
    written row by row: the rows are never all in memory."""
    form = _filter_form(request, countries=selectors.published_countries())
    records = _records(request, selectors.published_signee_rows(form.filters()))
    if kind == "json":
        return StreamingHttpResponse(
            in_pieces(_json_lines(records)), content_type="application/json; charset=utf-8"
        )
    rows = ([record[column.key] for column in EXPORT_COLUMNS] for record in records)
    return export_response(kind, EXPORT_STEM, EXPORT_COLUMNS, rows, title=_("Signees"))


@public_page
def export_csv(request: PortalRequest) -> HttpResponseBase:
    return _export(request, "csv")


@public_page
def export_json(request: PortalRequest) -> HttpResponseBase:
    return _export(request, "json")


@public_page
def export_xlsx(request: PortalRequest) -> HttpResponseBase:
    return _export(request, "xlsx")


# --- One signee ------------------------------------------------------------------------


@public_page
def signee_detail(request: PortalRequest, slug: str) -> HttpResponse:
    signee = selectors.published_signee(slug)
    if signee is None:
        former = selectors.former_signee(slug)
        if former is None:
            raise Http404(_("There is no published signee at this address."))
        # An old link (a customer's procurement file, a press release) tells what was true:
        # 410 Gone, with the time the organization was a signee.
        return render(request, "signees/signing/former.html", {"former": former}, status=410)
    statement = selectors.published_statement_of(signee)
    organization = signee.organization
    due = signee.statement_due
    return render(
        request,
        "signees/signing/detail.html",
        {
            "signee": signee,
            "organization": organization,
            "name": signee.listed_name or organization.display_name,
            "group_definition": PUBLIC_GROUP_DEFINITIONS.get(signee.group, ""),
            "website": selectors.safe_link(organization.website),
            "statement": statement,
            "statement_url": selectors.statement_path(
                organization.slug,
                statement.kind if statement else None,
                statement.external_url if statement else None,
            ),
            "statement_external": bool(statement and statement.kind == StatementKind.LINK),
            "is_vendor": signee.group == SigneeGroup.IT_VENDOR,
            "statement_due": due if statement is None else None,
            "statement_overdue": bool(
                statement is None and due is not None and due < timezone.localdate()
            ),
            # The Quick Check helps IT customers choose a supplier; customers supply nothing.
            "show_quick_check": signee.group != SigneeGroup.IT_CUSTOMER,
            "ol1_met": selectors.openness_level_1(signee, statement),
            # Filled by the certification app: the certificates this company holds.
            "seals": extensions.seals_for(organization),
        },
    )


# --- Signing ---------------------------------------------------------------------------


def _steps(current: str) -> list[tuple[str, str]]:
    """(label, done/current/todo) for the step indicator."""
    labels = {
        "organization": _("Organization"),
        "group": _("Group"),
        "declaration": _("Declaration"),
        "sign": _("Sign"),
    }
    at = STEPS.index(current)
    return [
        (labels[name], "done" if i < at else "current" if i == at else "todo")
        for i, name in enumerate(STEPS)
    ]


# --- Lookups ----------------------------------------------------------------------------


def _signee(organization: Organization) -> Signee | None:
    # Inside the organization's scope (the middleware activated it).
    return (
        Signee.objects.filter(organization=organization)
        .select_related("organization", "catalogue_version")
        .first()
    )


def _signee_or_404(request: OrganizationRequest) -> Signee:
    signee = _signee(request.organization)
    if signee is None:
        raise Http404("This organization has not signed the CPO.")
    return signee


def _may_sign(signee: Signee | None) -> bool:
    return signee is None or signee.status in SIGN_AGAIN_STATUSES


def _declaration_document(organization: Organization, signature: Signature) -> Document | None:
    """The rendered PDF of this signature (the newest one, should it have been re-requested)."""
    return (
        documents_of_organization(organization)
        .filter(
            kind="signed_declaration",
            owner_type=ContentType.objects.get_for_model(Signature),
            owner_id=str(signature.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def _client_ip(request: PortalRequest) -> str | None:
    # The signer's address, not the reverse proxy's (TRUSTED_PROXY_COUNT).
    return client_ip(request)


@dataclass(frozen=True)
class OrganizationChoice:
    slug: str
    display_name: str
    legal_name: str
    role: str
    status: str | None

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def may_sign(self) -> bool:
        return self.is_admin and (self.status is None or self.status in SIGN_AGAIN_STATUSES)

    @property
    def status_label(self) -> str:
        return str(S(self.status).label) if self.status else ""


def _organization_choices(user: Any) -> list[OrganizationChoice]:
    """The user's organizations with their role and signing status, in one query."""
    rows = (
        Organization.objects.filter(memberships__user=user)
        .values_list("slug", "display_name", "legal_name", "memberships__role", "signee__status")
        .order_by("display_name", "pk")
    )
    return [OrganizationChoice(*row) for row in rows]


# --- Starting: pick or register the organization ----------------------------------------


def sign_start(request: PortalRequest) -> HttpResponse:
    """The "Sign the CPO" entry: explains the steps, then picks the organization."""
    version = current_published_version()
    if not request.user.is_authenticated:
        return render(request, "signees/signing/start.html", {"version": version})
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Organization registered. You are its owner and can now sign.")
            )
            return redirect("signees:sign", org_slug=organization.slug)
    choices = _organization_choices(request.user)
    return render(
        request,
        "signees/signing/start.html",
        {
            "version": version,
            "choices": choices,
            "can_sign_some": any(c.may_sign for c in choices),
            "form": form,
            "steps": _steps("organization"),
        },
    )


# --- The steps: group → declaration → sign ----------------------------------------------


def _preview(organization: Organization, group: str, version: CatalogueVersion) -> SafeString:
    """The declaration as it will be signed, the signatory's name and position marked."""
    text = declaration_text(
        organization=organization,
        group=group,
        version=version,
        signatory_name=_NAME_MARK,
        signatory_position=_POSITION_MARK,
    )
    html = str(escape(text))
    for mark, label in ((_NAME_MARK, _("name of the signatory")), (_POSITION_MARK, _("position"))):
        html = html.replace(mark, format_html('<mark class="placeholder">[{}]</mark>', label))
    return mark_safe(html)  # noqa: S308  escaped above; only our own markup was added


def _step_url(organization: Organization, step: str, group: str) -> str:
    base = reverse("signees:sign", kwargs={"org_slug": organization.slug})
    return f"{base}?{urlencode({'step': step, 'group': group})}"


def _render_step(
    request: OrganizationRequest,
    step: str,
    *,
    version: CatalogueVersion,
    signee: Signee | None,
    **context: Any,
) -> HttpResponse:
    organization = request.organization
    group = context.get("group")
    if group:
        context["preview"] = _preview(organization, group, version)
        context["group_label"] = SigneeGroup(group).label
        context["back_url"] = _step_url(organization, "group", group)
        context["declaration_url"] = _step_url(organization, "declaration", group)
    return render(
        request,
        f"signees/signing/sign_{step}.html",
        {
            "organization": organization,
            "version": version,
            "signee": signee,
            "steps": _steps(step),
            **context,
        },
    )


@org_admin_required
def sign(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    version = current_published_version()
    if version is None:
        return render(request, "signees/signing/no_catalogue.html", {"organization": organization})
    signee = _signee(organization)
    if not _may_sign(signee):
        messages.info(request, _("This organization has already signed the CPO."))
        return redirect("signees:status", org_slug=organization.slug)

    if request.method == "POST":
        return _sign_post(request, version=version, signee=signee)

    step = request.GET.get("step", "group")
    previous = signee.group if signee else None
    chosen = step in ("declaration", "sign")
    form = GroupForm(request.GET if chosen else None, initial={"group": previous})
    if not chosen or not form.is_valid():
        return _render_step(request, "group", version=version, signee=signee, form=form)
    group = form.cleaned_data["group"]
    if step == "declaration":
        return _render_step(request, "declaration", version=version, signee=signee, group=group)
    name = getattr(request.user, "full_name", "")
    sign_form = SignForm(initial={"group": group, "version": version.code, "signatory_name": name})
    return _render_step(
        request, "sign", version=version, signee=signee, group=group, form=sign_form
    )


def _sign_post(
    request: OrganizationRequest, *, version: CatalogueVersion, signee: Signee | None
) -> HttpResponse:
    organization = request.organization
    form = SignForm(request.POST)
    if not form.is_valid() and "group" in form.errors:
        # The group travels in a hidden field: a tampered one sends the user back to choose.
        for error in form.errors["group"]:
            messages.error(request, str(error))
        return redirect("signees:sign", org_slug=organization.slug)
    if not form.is_valid() and "version" in form.errors:
        return _read_again(request, form.errors["version"], form.cleaned_data["group"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            signee_sign(
                organization=organization,
                by=request.user,
                group=data["group"],
                signatory_name=data["signatory_name"],
                signatory_position=data["signatory_position"],
                authority_confirmed=data["authority_confirmed"],
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                version_code=data["version"],
            )
        except CatalogueChanged as exc:
            return _read_again(request, exc.messages, data["group"])
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you: you have signed the Code of PLM Openness. The CPO office will "
                    "review the signature; we have sent you a confirmation e-mail."
                ),
            )
            return redirect("signees:status", org_slug=organization.slug)
    return _render_step(
        request, "sign", version=version, signee=signee, group=form.data.get("group"), form=form
    )


def _read_again(request: OrganizationRequest, errors: Any, group: str) -> HttpResponse:
    """Back to the declaration: what was read is not what would be signed; nothing written."""
    for error in errors:
        messages.error(request, str(error))
    organization = request.organization
    return redirect(_step_url(organization, "declaration", group))


# --- The organization's signing status and what admins do with it ------------------------


# What the company reads in its review history; the office's own actions are signed
# "CPO office", not with a staff member's name.
_REVIEW_ACTIONS = {
    "sign": (gettext_lazy("Signed again"), False),
    "approve": (gettext_lazy("Approved"), True),
    "reject": (gettext_lazy("Rejected"), True),
    "return": (gettext_lazy("Returned for changes"), True),
    "resubmit": (gettext_lazy("Resubmitted for review"), False),
    "unpublish": (gettext_lazy("Removed from the public list"), True),
    "rereview": (gettext_lazy("Back to review after a change"), False),
    "withdraw": (gettext_lazy("Withdrawn"), False),
}


@dataclass(frozen=True)
class ReviewRow:
    review: SigneeReview
    action: str
    before: str
    after: str
    by_office: bool


def _review_row(review: SigneeReview) -> ReviewRow:
    label, by_office = _REVIEW_ACTIONS.get(review.action, (review.action, False))
    return ReviewRow(
        review=review,
        action=str(label),
        before=str(S(review.status_before).label) if review.status_before in S.values else "",
        after=str(S(review.status_after).label) if review.status_after in S.values else "",
        by_office=by_office,
    )


def status(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Where the signature stands: status and reasons, the record, the PDF, the actions."""
    organization = request.organization
    signee = _signee(organization)
    context: dict[str, Any] = {"organization": organization, "signee": signee}
    if signee is not None:
        is_approved = signee.status == S.APPROVED
        signatures = list(signee.signatures.select_related("catalogue_version", "signed_by"))
        latest = signatures[0] if signatures else None
        context.update(
            signatures=signatures,
            signature=latest,
            document=_declaration_document(organization, latest) if latest else None,
            reviews=[_review_row(r) for r in signee.reviews.select_related("by")],
            logo_preview=logo_svg(signee.group, standalone=False) if is_approved else "",
            may_sign=signee.status in SIGN_AGAIN_STATUSES,
            is_active=signee.status in ACTIVE_STATUSES,
            is_approved=is_approved,
            # Only while the statement is owed: once one is published, no deadline is pending.
            statement_due=open_statement_due(signee) if signee.status in ACTIVE_STATUSES else None,
        )
    else:
        context["may_sign"] = True
    return render(request, "signees/signing/status.html", context)


def _act(request: OrganizationRequest, action: Callable[[], object], done: str) -> HttpResponse:
    """Run an admin action on the signature; a refusal becomes a message, never a 500."""
    try:
        action()
    except DomainError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("signees:status", org_slug=request.organization.slug)


@require_POST
@org_admin_required
def resubmit(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    return _act(
        request,
        lambda: signee_resubmit(signee=signee, by=request.user),
        _("Submitted for review again. The CPO office has been notified."),
    )


@org_admin_required
def change_group(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    if signee.status not in ACTIVE_STATUSES:
        messages.error(
            request, _("Sign again to choose a group: this signature is no longer in force.")
        )
        return redirect("signees:status", org_slug=org_slug)
    form = GroupForm(request.POST or None, initial={"group": signee.group})
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["group"]
        if group == signee.group:
            messages.info(request, _("The group is unchanged."))
            return redirect("signees:status", org_slug=org_slug)
        was_approved = signee.status == S.APPROVED
        done = (
            _("Group changed. The signature goes back to the CPO office for review.")
            if was_approved
            else _("Group changed.")
        )
        return _act(
            request, lambda: signee_change_group(signee=signee, by=request.user, group=group), done
        )
    return render(
        request,
        "signees/signing/change_group.html",
        {"organization": request.organization, "signee": signee, "form": form},
    )


@org_admin_required
def withdraw(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    if signee.status not in ACTIVE_STATUSES:
        messages.error(request, _("There is no signature in force to withdraw."))
        return redirect("signees:status", org_slug=org_slug)
    if request.method == "POST":
        return _act(
            request,
            lambda: signee_withdraw(signee=signee, by=request.user),
            _("The signature has been withdrawn. The company is no longer on the public list."),
        )
    return render(
        request,
        "signees/signing/withdraw_confirm.html",
        {"organization": request.organization, "signee": signee},
    )


def logo_pack_download(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The logo pack, for members of an approved signee only (everyone else: 404)."""
    signee = _signee(request.organization)
    if signee is None or signee.status != S.APPROVED:
        raise Http404("No logo pack: the organization is not a listed signee.")
    response = HttpResponse(logo_pack(signee), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{logo_pack_filename(signee)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The CPO office's review ------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One decision the office can take, and from which statuses it is offered.

    The service is the authority on what is allowed; `offered_from` only decides which
    forms the record page shows (tests keep it in step with the services' lifecycle).
    """

    name: str
    label: Promise
    help: Promise
    offered_from: tuple[str, ...]
    service: Callable[..., Signee]
    needs_reason: bool
    danger: bool = False


DECISIONS = {
    d.name: d
    for d in (
        Decision(
            "approve",
            gettext_lazy("Approve"),
            gettext_lazy("The signee appears on the public list; the company is told by e-mail."),
            (S.PENDING, S.UNPUBLISHED),
            signee_approve,
            needs_reason=False,
        ),
        Decision(
            "return",
            gettext_lazy("Return for changes"),
            gettext_lazy("The company corrects its details and submits again."),
            (S.PENDING,),
            signee_return,
            needs_reason=True,
        ),
        Decision(
            "reject",
            gettext_lazy("Reject"),
            gettext_lazy("The signature is refused; the company may sign again later."),
            (S.PENDING, S.CHANGES_REQUESTED),
            signee_reject,
            needs_reason=True,
            danger=True,
        ),
        Decision(
            "unpublish",
            gettext_lazy("Unpublish"),
            gettext_lazy("The signee is taken off the public list; it can be approved again."),
            (S.APPROVED,),
            signee_unpublish,
            needs_reason=True,
            danger=True,
        ),
    )
}


def _office_signee_or_404(pk: int) -> Signee:
    signee = selectors.signee_for_office(pk)
    if signee is None:
        raise Http404
    return signee


def _office_record_url(signee: Signee) -> str:
    return reverse("signees:office_detail", kwargs={"pk": signee.pk})


OFFICE_REVIEW_ACTIONS = {
    "sign": gettext_lazy("Signed again"),
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
    "return": gettext_lazy("Returned for changes"),
    "resubmit": gettext_lazy("Resubmitted"),
    "unpublish": gettext_lazy("Unpublished"),
    "rereview": gettext_lazy("Back to review after a change"),
    "withdraw": gettext_lazy("Withdrawn"),
}


@dataclass(frozen=True)
class OfficeReviewRow:
    review: SigneeReview
    action: str
    before: str
    after: str


def _status_label(value: str) -> str:
    return str(SigneeStatus(value).label) if value in SigneeStatus.values else value


def _office_review_row(review: SigneeReview) -> OfficeReviewRow:
    return OfficeReviewRow(
        review=review,
        action=str(OFFICE_REVIEW_ACTIONS.get(review.action, review.action)),
        before=_status_label(review.status_before),
        after=_status_label(review.status_after),
    )


@office_required
def office_signee_list(request: AuthenticatedRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET, country_codes=selectors.signee_countries_for_office())
    page = paginate(request, selectors.signees_for_office(form.filters()), per_page=50)
    signees = list(page.object_list)
    warnings = selectors.warnings_for_office(signees)
    return render(
        request,
        "signees/signing/office_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(s, warnings[s.pk]) for s in signees],
            "filtering": not form.is_default,
            "export_query": _query(request),
        },
    )


# The office's export of its review list: the filters of the page, every row.
OFFICE_EXPORT_COLUMNS = (
    Column("name", gettext_lazy("Company"), 30),
    Column("legal_name", gettext_lazy("Legal name"), 30),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("website", gettext_lazy("Website"), 30),
    Column("status", gettext_lazy("Status"), 16),
    Column("signed_at", gettext_lazy("Signed (UTC)"), 20),
    Column("approved_at", gettext_lazy("Signee since (UTC)"), 20),
    Column("statement_due", gettext_lazy("CPO Statement due"), 12),
    Column("statement_published", gettext_lazy("CPO Statement published"), 10),
    Column("statement_overdue", gettext_lazy("CPO Statement overdue"), 10),
    Column("record_url", pgettext_lazy("export column", "Record"), 40),
)


def _office_export_rows(request: AuthenticatedRequest, signees: Any) -> Iterator[list[Any]]:
    for signee in signees:
        organization = signee.organization
        country = str(organization.country or "")
        yield [
            signee.listed_name or organization.display_name,
            organization.legal_name,
            group_label(signee.group),
            signee.group,
            country_name(country),
            country,
            organization.website,
            _status_label(signee.status),
            signee.signed_at,
            signee.approved_at,
            signee.statement_due,
            signee.has_published_statement,
            signee.statement_overdue,
            request.build_absolute_uri(_office_record_url(signee)),
        ]


@office_required
def office_signee_export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """The review list as CSV or .xlsx, with the filters of the page; fetched in chunks."""
    form = QueueFilterForm(request.GET, country_codes=selectors.signee_countries_for_office())
    signees = selectors.signees_for_office(form.filters()).iterator(chunk_size=2000)
    return export_response(
        kind,
        "cpo-signings",
        OFFICE_EXPORT_COLUMNS,
        _office_export_rows(request, signees),
        labels=True,
        title=_("Signings"),
    )


def _render_record(
    request: AuthenticatedRequest, signee: Signee, forms: dict[str, ReasonForm] | None = None
) -> HttpResponse:
    forms = forms or {}
    offered = [
        (d, forms.get(d.name) or (ReasonForm(action=d.name) if d.needs_reason else None))
        for d in DECISIONS.values()
        if signee.status in d.offered_from
    ]
    record = selectors.signee_record_for_office(signee)
    return render(
        request,
        "signees/signing/office_detail.html",
        {
            "record": record,
            "signee": signee,
            "organization": record.organization,
            "reviews": [_office_review_row(r) for r in record.reviews],
            "activity": activity_for_office(organization=record.organization)[:20],
            "decisions": offered,
            "has_errors": any(f.errors for f in forms.values()),
        },
    )


@office_required
def office_signee_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_record(request, _office_signee_or_404(pk))


def _success_message(decision: Decision, signee: Signee) -> str:
    name = signee.organization.legal_name
    if decision.name == "approve":
        approved = signee.approved_at
        since = date_format(timezone.localtime(approved), "SHORT_DATE_FORMAT") if approved else ""
        return _("%(name)s is approved and on the public list (signee since %(since)s).") % {
            "name": name,
            "since": since,
        }
    texts = {
        "return": _("%(name)s has been returned for changes; the company has been e-mailed."),
        "reject": _("%(name)s has been rejected; the company has been e-mailed."),
        "unpublish": _(
            "%(name)s has been taken off the public list; the company has been e-mailed."
        ),
    }
    return texts[decision.name] % {"name": name}


@office_required
@require_POST
def office_signee_decide(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    decision = DECISIONS.get(action)
    if decision is None:
        raise Http404
    signee = _office_signee_or_404(pk)
    kwargs: dict[str, Any] = {"signee": signee, "by": request.user}
    if decision.needs_reason:
        form = ReasonForm(request.POST, action=decision.name)
        # A form no longer on the page (the status changed meanwhile) is left to the
        # service, which refuses the transition with a message.
        if not form.is_valid() and signee.status in decision.offered_from:
            return _render_record(request, signee, {decision.name: form})
        kwargs["reason"] = form.cleaned_data.get("reason", "")
    try:
        signee = decision.service(**kwargs)
    except ValidationError as exc:
        # DomainError and TransitionNotAllowed, e.g. another office user decided first.
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _success_message(decision, signee))
    return redirect(_office_record_url(signee))
