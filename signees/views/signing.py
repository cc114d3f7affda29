"""A company signs the CPO, follows its review and manages its signature.

/sign/ starts it: the user picks one of their organizations or registers a new one. The
steps under /o/<org>/sign/ are plain GET pages (group → declaration → sign) that carry the
chosen group in the query, so the back button and a page without JavaScript both work;
only the signature itself is a POST. The tenant middleware has already answered 404 to
outsiders on every /o/<org>/ URL.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cpo_portal.clients import client_ip
from cpo_portal.documents.models import Document
from cpo_portal.documents.selectors import documents_of_organization
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.decorators import org_admin_required
from cpo_portal.tenancy.forms import OrganizationForm
from cpo_portal.tenancy.models import Organization, Role
from cpo_portal.tenancy.services import organization_create
from criteria.models import CatalogueVersion
from criteria.selectors import current_published_version

from ..declaration import declaration_text
from ..forms import GroupForm, SignForm
from ..logo import logo_pack, logo_pack_filename, logo_svg
from ..models import Signature, Signee, SigneeGroup, SigneeReview, SigneeStatus
from ..services import (
    CatalogueChanged,
    signee_change_group,
    signee_resubmit,
    signee_sign,
    signee_withdraw,
)
from ..statement_selectors import open_statement_due

S = SigneeStatus
# A signee in one of these states may sign again (a new signature, a new review).
SIGN_AGAIN = frozenset({S.REJECTED, S.WITHDRAWN})
# States with a signature in force: it can be withdrawn and its group changed.
ACTIVE = frozenset({S.PENDING, S.CHANGES_REQUESTED, S.APPROVED, S.UNPUBLISHED})
STEPS = ("organization", "group", "declaration", "sign")
# Stand-ins for the signatory in the preview only; the signed text is rendered afresh.
_NAME_MARK = "@@signatory-name@@"
_POSITION_MARK = "@@signatory-position@@"


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


def _signee_or_404(request: HttpRequest) -> Signee:
    signee = _signee(request.organization)  # type: ignore[attr-defined]
    if signee is None:
        raise Http404("This organization has not signed the CPO.")
    return signee


def _may_sign(signee: Signee | None) -> bool:
    return signee is None or signee.status in SIGN_AGAIN


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


def _client_ip(request: HttpRequest) -> str | None:
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
        return self.is_admin and (self.status is None or self.status in SIGN_AGAIN)

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


def sign_start(request: HttpRequest) -> HttpResponse:
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
    request: HttpRequest,
    step: str,
    *,
    version: CatalogueVersion,
    signee: Signee | None,
    **context: Any,
) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
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
def sign(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
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
    request: HttpRequest, *, version: CatalogueVersion, signee: Signee | None
) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
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


def _read_again(request: HttpRequest, errors: Any, group: str) -> HttpResponse:
    """Back to the declaration: what was read is not what would be signed; nothing written."""
    for error in errors:
        messages.error(request, str(error))
    organization = request.organization  # type: ignore[attr-defined]
    return redirect(_step_url(organization, "declaration", group))


# --- The organization's signing status and what admins do with it ------------------------


# What the company reads in its review history; the office's own actions are signed
# "CPO office", not with a staff member's name.
_REVIEW_ACTIONS = {
    "sign": (_lazy("Signed again"), False),
    "approve": (_lazy("Approved"), True),
    "reject": (_lazy("Rejected"), True),
    "return": (_lazy("Returned for changes"), True),
    "resubmit": (_lazy("Resubmitted for review"), False),
    "unpublish": (_lazy("Removed from the public list"), True),
    "rereview": (_lazy("Back to review after a change"), False),
    "withdraw": (_lazy("Withdrawn"), False),
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


def status(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Where the signature stands: status and reasons, the record, the PDF, the actions."""
    organization = request.organization  # type: ignore[attr-defined]
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
            may_sign=signee.status in SIGN_AGAIN,
            is_active=signee.status in ACTIVE,
            is_approved=is_approved,
            # Only while the statement is owed: once one is published, no deadline is pending.
            statement_due=open_statement_due(signee) if signee.status in ACTIVE else None,
        )
    else:
        context["may_sign"] = True
    return render(request, "signees/signing/status.html", context)


def _act(request: HttpRequest, action: Any, done: str) -> HttpResponse:
    """Run an admin action on the signature; a refusal becomes a message, never a 500."""
    try:
        action()
    except DomainError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("signees:status", org_slug=request.organization.slug)  # type: ignore[attr-defined]


@require_POST
@org_admin_required
def resubmit(request: HttpRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    return _act(
        request,
        lambda: signee_resubmit(signee=signee, by=request.user),
        _("Submitted for review again. The CPO office has been notified."),
    )


@org_admin_required
def change_group(request: HttpRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    if signee.status not in ACTIVE:
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
        {"organization": request.organization, "signee": signee, "form": form},  # type: ignore[attr-defined]
    )


@org_admin_required
def withdraw(request: HttpRequest, org_slug: str) -> HttpResponse:
    signee = _signee_or_404(request)
    if signee.status not in ACTIVE:
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
        {"organization": request.organization, "signee": signee},  # type: ignore[attr-defined]
    )


def logo_pack_download(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The logo pack, for members of an approved signee only (everyone else: 404)."""
    signee = _signee(request.organization)  # type: ignore[attr-defined]
    if signee is None or signee.status != S.APPROVED:
        raise Http404("No logo pack: the organization is not a listed signee.")
    response = HttpResponse(logo_pack(signee), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{logo_pack_filename(signee)}"'
    response["Cache-Control"] = "private, no-store"
    return response
