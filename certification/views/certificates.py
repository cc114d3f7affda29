"""The CPO office's certificate lifecycle pages, and the company's recertification.

Every step goes through the services, which check the lifecycle edge, keep the public
event and write the activity log; a refusal (another office user was quicker, the validity
has ended) becomes a message on the record page, never an error page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cpo_portal.accounts.decorators import office_required
from cpo_portal.errors import DomainError
from cpo_portal.exports import Column, country_name, export_response, filter_query
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required
from criteria.groups import group_label

from ..badge import LOOKS, UNKNOWN
from ..forms.certificates import (
    CertificateFilterForm,
    ReasonForm,
    RecertifyForm,
    SurveillanceForm,
)
from ..models import LIVE, Certificate, CertificateStatus
from ..selectors.certificates import (
    attention_for_office,
    certificate_for_office,
    certificate_record_for_office,
    certificates_for_office,
    recertifications_of_organization,
    today,
)
from ..selectors.seal import certificate_of_organization, effective_status, status_label
from ..services import applications as application_services
from ..services import certificates as services

C = CertificateStatus
PAGE_SIZE = 50


@dataclass(frozen=True)
class StatusView:
    """A status in words, colour and icon shape (as on the public seal)."""

    status: str
    word: str
    icon: str


def status_view(status: str) -> StatusView:
    word = str(C(status).label) if status in C.values else status
    return StatusView(status, word, LOOKS.get(status, UNKNOWN).icon)


@dataclass(frozen=True)
class Row:
    certificate: Certificate
    status: StatusView
    past_validity: bool


def _row(certificate: Certificate) -> Row:
    effective = effective_status(certificate.status, certificate.valid_until)
    return Row(certificate, status_view(effective), effective != certificate.status)


@dataclass(frozen=True)
class Action:
    """One lifecycle step the office takes on the record page.

    The service is the authority on what is allowed; `offered_from` only decides which
    forms the pages show.
    """

    name: str
    label: Promise
    help: Promise
    offered_from: tuple[str, ...]
    service: Callable[..., Certificate]
    needs_reason: bool
    success: Promise
    danger: bool = False
    # An irreversible step (deadlines): the pages link to a confirmation page saying what
    # will happen, whose form does it; a POST to the step's URL still does it at once.
    confirm: bool = False

    def offered(self, certificate: Certificate) -> bool:
        if certificate.status not in self.offered_from:
            return False
        # A certificate past its validity is expired in effect: it can only end.
        return self.name == "withdraw" or certificate.valid_until >= today()


ACTIONS = {
    a.name: a
    for a in (
        Action(
            "suspend",
            gettext_lazy("Suspend"),
            gettext_lazy(
                "The certificate is not valid while suspended; the verification page and "
                "the badge say so at once."
            ),
            (C.ACTIVE,),
            services.certificate_suspend,
            needs_reason=True,
            success=gettext_lazy("%(number)s is suspended; the holder has been e-mailed."),
            confirm=True,
        ),
        Action(
            "reinstate",
            gettext_lazy("Reinstate"),
            gettext_lazy("The certificate is valid again until the end of its validity."),
            (C.SUSPENDED,),
            services.certificate_reinstate,
            needs_reason=False,
            success=gettext_lazy("%(number)s is valid again; the holder has been e-mailed."),
        ),
        Action(
            "withdraw",
            gettext_lazy("Withdraw"),
            gettext_lazy("The certificate ends for good. This cannot be undone."),
            (C.ACTIVE, C.SUSPENDED),
            services.certificate_withdraw,
            needs_reason=True,
            success=gettext_lazy("%(number)s is withdrawn; the holder has been e-mailed."),
            danger=True,
            confirm=True,
        ),
    )
}
RETURN_TO = {"attention": "certification:office_certificates_attention"}


def _certificate_or_404(pk: Any) -> Certificate:
    certificate = certificate_for_office(pk)
    if certificate is None:
        raise Http404
    return certificate


def _record_url(certificate: Certificate) -> str:
    return reverse("certification:office_certificate", kwargs={"pk": certificate.pk})


def _back_url(request: AuthenticatedRequest, certificate: Certificate) -> str:
    # Only fixed places, never a URL from the request: no open redirect.
    name = RETURN_TO.get(request.POST.get("return_to", ""))
    return reverse(name) if name else _record_url(certificate)


def _refuse(request: AuthenticatedRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- The list -----------------------------------------------------------------------------


@office_required
def office_certificates(request: AuthenticatedRequest) -> HttpResponse:
    form = CertificateFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate(request, certificates_for_office(filters), per_page=PAGE_SIZE)
    return render(
        request,
        "certification/certificates/list.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(c) for c in page.object_list],
            "filtering": filters.active,
            "export_query": filter_query(request),
        },
    )


# --- The office's export of the certificates (exports) -----------------------------------------

CERTIFICATE_COLUMNS = (
    Column("number", gettext_lazy("Certificate number"), 18),
    Column("certificate", gettext_lazy("Certificate"), 16),
    Column("status", gettext_lazy("Status"), 14),
    Column("status_code", gettext_lazy("Status code"), 12),
    Column("holder", gettext_lazy("Holder"), 30),
    Column("country", gettext_lazy("Country"), 18),
    Column("country_code", gettext_lazy("Country code"), 8),
    Column("group", gettext_lazy("Group"), 22),
    Column("group_code", gettext_lazy("Group code"), 14),
    Column("product_name", gettext_lazy("Product"), 24),
    Column("product_version", gettext_lazy("Product version"), 12),
    Column("issued_on", gettext_lazy("Issued"), 12),
    Column("valid_until", gettext_lazy("Valid until"), 12),
    Column("next_surveillance_due", gettext_lazy("Next surveillance due"), 12),
    Column("status_changed_at", gettext_lazy("Status changed (UTC)"), 20),
    Column("record_url", pgettext_lazy("export column", "Record"), 40),
)


def _certificate_rows(request: AuthenticatedRequest, certificates: Any) -> Any:
    for certificate in certificates:
        status = effective_status(certificate.status, certificate.valid_until)
        country = certificate.holder_country or ""
        group = certificate.holder_group or ""
        yield [
            certificate.number,
            certificate.get_kind_display(),
            status_label(status),
            status,
            certificate.holder_name,
            country_name(country),
            country,
            group_label(group),
            group,
            certificate.product_name,
            certificate.product_version,
            certificate.issued_on,
            certificate.valid_until,
            certificate.next_surveillance_due,
            certificate.status_changed_at,
            request.build_absolute_uri(
                reverse("certification:office_certificate", args=[certificate.pk])
            ),
        ]


@office_required
def office_certificate_export(request: AuthenticatedRequest, kind: str) -> HttpResponseBase:
    """The certificates with the filters of the list, as CSV or .xlsx (fetched in chunks)."""
    filters = CertificateFilterForm(request.GET or None).filters()
    certificates = certificates_for_office(filters).iterator(chunk_size=2000)
    return export_response(
        kind,
        "cpo-office-certificates",
        CERTIFICATE_COLUMNS,
        _certificate_rows(request, certificates),
        labels=True,
        title=_("Certificates"),
    )


@office_required
def office_attention(request: AuthenticatedRequest) -> HttpResponse:
    attention = attention_for_office()
    sections = [
        (
            "overdue",
            _("Surveillance audit overdue"),
            _("Valid certificates whose surveillance audit was due and has not been held."),
            attention.overdue,
        ),
        (
            "flagged",
            _("Organizational certificate ended"),
            _(
                "Product certificates whose holder's organizational certificate was suspended "
                "or ended. Decide whether they stay valid."
            ),
            attention.flagged,
        ),
        (
            "expiring",
            _("Validity ends within 90 days"),
            _("Recertification is due before the validity ends."),
            attention.expiring,
        ),
    ]
    return render(
        request,
        "certification/certificates/attention.html",
        {
            "sections": [
                (key, title, text, [_row_with_actions(c) for c in items])
                for key, title, text, items in sections
            ],
            "count": attention.count,
            "policy": services.certification_policy(),
        },
    )


@dataclass(frozen=True)
class ActionRow:
    row: Row
    actions: list[tuple[Action, ReasonForm]]


def _row_with_actions(certificate: Certificate) -> ActionRow:
    offered = [
        (
            a,
            ReasonForm(action=f"{a.name}_{certificate.pk}", required=a.needs_reason),
        )
        for a in ACTIONS.values()
        if a.offered(certificate)
    ]
    return ActionRow(_row(certificate), offered)


# --- One certificate ----------------------------------------------------------------------


def _render_record(
    request: AuthenticatedRequest,
    certificate: Certificate,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    record = certificate_record_for_office(certificate)
    offered = [
        (a, forms.get(a.name) or ReasonForm(action=a.name, required=a.needs_reason))
        for a in ACTIONS.values()
        if a.offered(certificate)
    ]
    can_open = certificate.status in LIVE and record.open_surveillance is None
    return render(
        request,
        "certification/certificates/detail.html",
        {
            "certificate": certificate,
            "row": _row(certificate),
            "record": record,
            "events": [(e, status_view(e.status_after)) for e in record.events],
            "actions": offered,
            "surveillance_form": forms.get("surveillance") or SurveillanceForm(),
            "can_open_surveillance": can_open,
            "has_errors": any(f.errors for f in forms.values()),
        },
        status=status,
    )


@office_required
def office_certificate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_record(request, _certificate_or_404(pk))


@office_required
@require_http_methods(["GET", "POST"])
def office_certificate_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    certificate = _certificate_or_404(pk)
    if request.method != "POST":
        return _confirmation(request, certificate, spec)
    form = ReasonForm(request.POST, action=spec.name, required=spec.needs_reason)
    if not form.is_valid() and spec.offered(certificate):
        if spec.confirm:  # its form lives on the confirmation page: back to it
            return _confirmation(request, certificate, spec, form)
        return _render_record(request, certificate, {spec.name: form})
    # A form no longer on the page (the status changed meanwhile) is left to the service,
    # which refuses the step with a message.
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        certificate = spec.service(certificate=certificate, reason=reason, by=request.user)
    except ValidationError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, str(spec.success) % {"number": certificate.number})
    return redirect(_back_url(request, certificate))


def _confirmation(
    request: AuthenticatedRequest,
    certificate: Certificate,
    spec: Action,
    form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation page of a lifecycle step (deadlines): what it changes, for whom,
    whether it can be undone, with the reason and the one button that does it."""
    return render(
        request,
        "certification/certificates/confirm.html",
        {
            "certificate": certificate,
            "row": _row(certificate),
            "action": spec,
            "form": form or ReasonForm(action=spec.name, required=spec.needs_reason),
            "has_errors": bool(form and form.errors),
            "offered": spec.offered(certificate),
            "policy": services.certification_policy(),
            "return_to": request.GET.get("return_to", "")
            if request.GET.get("return_to", "") in RETURN_TO
            else "",
        },
        status=status,
    )


@office_required
@require_POST
def office_open_surveillance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = _certificate_or_404(pk)
    form = SurveillanceForm(request.POST)
    if not form.is_valid():
        return _render_record(request, certificate, {"surveillance": form})
    try:
        application = services.surveillance_open(
            certificate=certificate,
            by=request.user,
            window_start=form.cleaned_data["window_start"],
            window_end=form.cleaned_data["window_end"],
        )
    except ValidationError as exc:
        _refuse(request, exc)
        return redirect(_record_url(certificate))
    messages.success(
        request,
        _("The surveillance audit of %(number)s is open: assign the auditors.")
        % {"number": certificate.number},
    )
    return redirect(reverse("certification:office_application", kwargs={"pk": application.pk}))


# --- The company's recertification --------------------------------------------------------


@org_admin_required
def recertify(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    organization = request.organization
    certificate = certificate_of_organization(organization, pk)
    if certificate is None:
        raise Http404
    form = RecertifyForm(
        request.POST if request.method == "POST" else None, certificate=certificate
    )
    if form.is_valid():
        try:
            application = application_services.application_create(
                organization=organization,
                kind=certificate.kind,
                by=request.user,
                certificate=certificate,
                **form.values(),
            )
        except DomainError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "Your recertification application is saved as a draft. "
                    "Check it, then submit it."
                ),
            )
            return redirect(
                reverse(
                    "certification:application",
                    kwargs={"org_slug": organization.slug, "pk": application.pk},
                )
            )
    effective = effective_status(certificate.status, certificate.valid_until)
    option = next(
        iter(recertifications_of_organization(organization, certificate=certificate)), None
    )
    return render(
        request,
        "certification/certificates/recertify.html",
        {
            "organization": organization,
            "certificate": certificate,
            "form": form,
            "status": status_view(effective),
            # A recertification under way is linked instead of a form the service refuses.
            "under_way": option.open_application if option else None,
            "recertifiable": effective in LIVE and not (option and option.open_application),
        },
    )
