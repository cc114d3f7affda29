"""The certification agreement: the company's page (the version in force, whether the
organization accepted it, its acceptances) and its acceptance by an owner or admin; the CPO
office's versions, their drafting and publication by the office administrator, and who
accepted which version.

Company pages live under /o/<org_slug>/certification/agreement/, where the tenant
middleware has already answered 404 to non-members; members read, owners and admins accept
(plain members get 403). Office pages are @office_required (404 for everyone else); every
office member reads them, the forms show for the office administrator, and the services
refuse anyone else whatever the page showed.
"""

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.clients import client_ip
from cpo_portal.errors import DomainError
from cpo_portal.forms import Conflict, error_text
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required

from ..forms.agreements import AcceptForm, AgreementForm, PublishForm
from ..models import AgreementStatus, AgreementVersion
from ..selectors import agreements as selectors
from ..services import agreements as services

PER_PAGE = 50


def _codes(exc: ValidationError) -> set[str]:
    return {e.code for e in getattr(exc, "error_list", []) if e.code}


# --- The company ---------------------------------------------------------------------------


def _agreement_url(request: OrganizationRequest) -> str:
    return reverse("certification:agreement", kwargs={"org_slug": request.organization.slug})


def agreement_detail(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The version in force, whether the organization accepted it, and its history."""
    organization = request.organization
    agreement = selectors.agreement_in_force()
    context = {
        "organization": organization,
        "agreement": agreement,
        "acceptance": selectors.agreement_accepted_by(organization, agreement),
        "deadline": selectors.agreement_deadline_of(organization, agreement),
        "page": paginate(
            request, selectors.acceptances_of_organization(organization), per_page=PER_PAGE
        ),
        "is_admin": request.membership.is_admin,
    }
    return render(request, "certification/agreements/detail.html", context)


@org_admin_required
@require_http_methods(["GET", "POST"])
def agreement_accept(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Read the version in force and accept it for the organization (owners and admins)."""
    organization = request.organization
    agreement = selectors.agreement_in_force()
    if agreement is None:
        messages.info(request, _("There is no certification agreement in force to accept yet."))
        return redirect(_agreement_url(request))
    if selectors.agreement_accepted_by(organization, agreement) is not None:
        messages.info(
            request,
            _("The organization has already accepted version %(number)s.")
            % {"number": agreement.number},
        )
        return redirect(_agreement_url(request))
    user: User = request.user
    form = AcceptForm(
        request.POST if request.method == "POST" else None,
        organization=organization,
        initial={"agreement": agreement.number, "signatory_name": user.full_name},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_accept(
                organization=organization,
                by=user,
                signatory_name=data["signatory_name"],
                signatory_position=data["signatory_position"],
                authority_confirmed=data["authority_confirmed"],
                agreement_number=data["agreement"],
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as exc:
            codes = _codes(exc)
            if codes & {"agreement_changed", "agreement_already_accepted"}:
                messages.error(request, error_text(exc))
                target = "agreement_accept" if "agreement_changed" in codes else "agreement"
                return redirect("certification:" + target, org_slug=organization.slug)
            form.refuse(exc)
        else:
            messages.success(
                request,
                _(
                    "The organization has accepted version %(number)s of the certification "
                    "agreement. A receipt is on its way to you by e-mail."
                )
                % {"number": agreement.number},
            )
            return redirect(_agreement_url(request))
    context = {"organization": organization, "agreement": agreement, "form": form}
    return render(request, "certification/agreements/accept.html", context)


def agreement_acceptance(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    """One acceptance as recorded: the exact text accepted and its SHA-256."""
    acceptance = selectors.acceptance_of_organization(request.organization, pk)
    if acceptance is None:
        raise Http404
    context = {"organization": request.organization, "acceptance": acceptance}
    return render(request, "certification/agreements/acceptance.html", context)


# --- The office ----------------------------------------------------------------------------


def _is_administrator(request: AuthenticatedRequest) -> bool:
    return has_office_role(request.user, OfficeRole.ADMINISTRATOR)


def _version_or_404(number: int) -> AgreementVersion:
    agreement = selectors.agreement_by_number(number)
    if agreement is None:
        raise Http404
    return agreement


def _office_url(agreement: AgreementVersion) -> str:
    return reverse("certification:office_agreement", kwargs={"number": agreement.number})


def _paginate_rows(request: AuthenticatedRequest, rows: list[Any], *, param: str) -> Page:
    """A second list on the page, paged with its own query parameter."""
    return Paginator(rows, PER_PAGE).get_page(request.GET.get(param))


@office_required
def office_agreements(request: AuthenticatedRequest) -> HttpResponse:
    """Every version with its count of acceptances, and who still has to accept."""
    awaiting = selectors.organizations_awaiting_acceptance()
    context = {
        "page": paginate(request, selectors.agreements_for_office(), per_page=PER_PAGE),
        "in_force": selectors.agreement_in_force(),
        "draft": selectors.agreement_draft_open(),
        "awaiting": awaiting,
        "awaiting_page": _paginate_rows(request, awaiting.organizations, param="awaiting"),
        "is_administrator": _is_administrator(request),
    }
    return render(request, "certification/agreements/office_list.html", context)


@office_required
@require_http_methods(["GET", "POST"])
def office_agreement_new(request: AuthenticatedRequest) -> HttpResponse:
    """Draft the next version; it starts from the text in force, if there is one."""
    draft = selectors.agreement_draft_open()
    if draft is not None:
        messages.info(
            request,
            _("Version %(number)s is already a draft: continue it.") % {"number": draft.number},
        )
        return redirect("certification:office_agreement_edit", number=draft.number)
    in_force = selectors.agreement_in_force()
    initial = {"title": in_force.title, "text": in_force.text} if in_force else {}
    form = AgreementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_draft(by=request.user, **form.values())
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("Version %(number)s is saved as a draft. Publish it when it is ready.")
                % {"number": agreement.number},
            )
            return redirect(_office_url(agreement))
    context = {
        "form": form,
        "in_force": in_force,
        "is_administrator": _is_administrator(request),
    }
    return render(request, "certification/agreements/office_form.html", context)


@office_required
def office_agreement(request: AuthenticatedRequest, number: int) -> HttpResponse:
    """One version: its text and who accepted it."""
    agreement = _version_or_404(number)
    context = {
        "agreement": agreement,
        "page": paginate(
            request, selectors.acceptances_of_agreement_for_office(agreement), per_page=PER_PAGE
        ),
        "is_administrator": _is_administrator(request),
        "in_force": selectors.agreement_in_force(),
    }
    return render(request, "certification/agreements/office_detail.html", context)


def _conflict(form: AgreementForm, exc: services.AgreementConflict) -> Conflict:
    yours = form.values()
    fields = [
        name for name in services.AGREEMENT_FIELDS if yours[name] != getattr(exc.current, name)
    ]
    return replace(form.conflict_with(exc.current, fields), who="")


@office_required
@require_http_methods(["GET", "POST"])
def office_agreement_edit(request: AuthenticatedRequest, number: int) -> HttpResponse:
    """Edit the draft. A save based on an older version is refused with both texts (409);
    a published version is refused by the service (it never changes)."""
    agreement = _version_or_404(number)
    if request.method == "GET" and agreement.status == AgreementStatus.PUBLISHED:
        messages.info(
            request,
            _("Version %(number)s is published and can no longer be changed.")
            % {"number": agreement.number},
        )
        return redirect(_office_url(agreement))
    form = AgreementForm(request.POST if request.method == "POST" else None, agreement=agreement)
    conflict: Conflict | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(
                agreement=agreement,
                by=request.user,
                expected_version=form.expected_version(),
                **form.values(),
            )
        except services.AgreementConflict as exc:
            conflict = _conflict(form, exc)
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect(_office_url(agreement))
    context = {
        "form": form,
        "agreement": agreement,
        "conflict": conflict,
        "is_administrator": _is_administrator(request),
    }
    return render(
        request,
        "certification/agreements/office_form.html",
        context,
        status=409 if conflict else 200,
    )


@office_required
@require_http_methods(["GET", "POST"])
def office_agreement_publish(request: AuthenticatedRequest, number: int) -> HttpResponse:
    """Confirm, then publish: the version becomes the one in force, immutable, and the
    organizations that must hold it are asked to accept it."""
    agreement = _version_or_404(number)
    if agreement.status == AgreementStatus.PUBLISHED:
        messages.info(
            request,
            _("Version %(number)s is already published.") % {"number": agreement.number},
        )
        return redirect(_office_url(agreement))
    form = PublishForm(
        request.POST if request.method == "POST" else None,
        initial={"version": agreement.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_publish(
                agreement=agreement, by=request.user, expected_version=form.expected_version()
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _(
                    "Version %(number)s is published and in force. The organizations that "
                    "must accept it are asked by e-mail."
                )
                % {"number": agreement.number},
            )
            return redirect(_office_url(agreement))
    context = {
        "agreement": agreement,
        "form": form,
        "in_force": selectors.agreement_in_force(),
        "asked": selectors.organizations_asked().count(),
        "is_administrator": _is_administrator(request),
    }
    return render(request, "certification/agreements/office_publish.html", context)


@office_required
def office_agreement_acceptance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One acceptance as recorded, for the office: the exact text and its SHA-256."""
    acceptance = selectors.acceptance_for_office(pk)
    if acceptance is None:
        raise Http404
    context = {"acceptance": acceptance, "organization": acceptance.organization}
    return render(request, "certification/agreements/office_acceptance.html", context)
