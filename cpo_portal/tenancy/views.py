"""Organization workspace: create, profile, members, invitations."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest, PortalRequest

from . import services
from .decorators import org_admin_required, org_owner_required
from .forms import InvitationForm, OrganizationForm, RoleForm
from .models import Invitation, Membership
from .selectors import (
    invitation_by_token,
    invitation_is_for,
    members_of,
    open_invitations_of,
    organizations_for_user,
)
from .signals import invitation_forget, invitation_remember


def _error(request: PortalRequest, exc: DomainError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _act_on_members(
    request: OrganizationRequest, action: Callable[[], object], done: str
) -> HttpResponse:
    """Run a members-page action: its refusal becomes a message, never an error page."""
    try:
        action()
        messages.success(request, done)
    except DomainError as exc:
        _error(request, exc)
    return redirect("tenancy:members", org_slug=request.organization.slug)


def _member(request: OrganizationRequest, pk: int) -> Membership:
    org = request.organization
    return get_object_or_404(Membership.objects.filter(organization=org), pk=pk)


@login_required
def organization_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "tenancy/organization_list.html",
        {
            "organizations": organizations_for_user(request.user),
        },
    )


@login_required
def organization_create(request: AuthenticatedRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Organization created. You are its owner."))
            return redirect("tenancy:home", org_slug=org.slug)
    return render(request, "tenancy/organization_form.html", {"form": form, "creating": True})


def organization_home(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    return render(
        request,
        "tenancy/organization_home.html",
        {
            "organization": request.organization,
        },
    )


@org_admin_required
def organization_edit(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=org,
                by=request.user,
                **{f: form.cleaned_data[f] for f in form.changed_data},
            )
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Organization details saved."))
            return redirect("tenancy:home", org_slug=org.slug)
    return render(
        request,
        "tenancy/organization_form.html",
        {"form": form, "creating": False, "organization": org},
    )


def member_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    membership = request.membership
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.invitation_create(
                    organization=org,
                    by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except DomainError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("tenancy:members", org_slug=org.slug)
    return render(
        request,
        "tenancy/member_list.html",
        {
            "organization": org,
            "members": members_of(org),
            "invitations": open_invitations_of(org) if membership.is_admin else [],
            "form": form,
            "role_form": RoleForm(),
        },
    )


@require_POST
@org_owner_required
def member_role(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    target = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("tenancy:members", org_slug=org_slug)
    return _act_on_members(
        request,
        lambda: services.membership_change_role(
            membership=target, role=form.cleaned_data["role"], by=request.user
        ),
        _("Role changed."),
    )


@require_POST
@org_owner_required
def member_remove(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    target = _member(request, pk)
    return _act_on_members(
        request,
        lambda: services.membership_remove(membership=target, by=request.user),
        _("Member removed."),
    )


@require_POST
@org_owner_required
def ownership_transfer(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    org = request.organization
    target = _member(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm the transfer of ownership."))
        return redirect("tenancy:members", org_slug=org.slug)
    return _act_on_members(
        request,
        lambda: services.organization_transfer_ownership(
            organization=org, to=target, by=request.user
        ),
        _("Ownership transferred to %(user)s.") % {"user": target.user},
    )


@require_POST
def organization_leave(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    try:
        services.membership_leave(membership=request.membership)
    except DomainError as exc:
        _error(request, exc)
        return redirect("tenancy:members", org_slug=org_slug)
    messages.success(request, _("You have left the organization."))
    return redirect("dashboard")


@require_POST
@org_admin_required
def invitation_revoke(request: OrganizationRequest, org_slug: str, pk: int) -> HttpResponse:
    org = request.organization
    invitation: Invitation = get_object_or_404(Invitation.objects.filter(organization=org), pk=pk)
    return _act_on_members(
        request,
        lambda: services.invitation_revoke(invitation=invitation, by=request.user),
        _("Invitation revoked."),
    )


def _dead_invitation(invitation: Invitation | None) -> str | None:
    """Why the link leads nowhere, in the words of the accepting service; None if open."""
    if invitation is None or invitation.revoked_at is not None:
        return _("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if not invitation.is_open:
        return _("This invitation has expired. Ask for a new one.")
    return None


def invitation_accept(request: PortalRequest, token: str) -> HttpResponse:
    """The invitation link: it names the organization and who invited, to anyone holding the
    link (the token is the secret). A visitor signs up or in and comes back here; a signed-in
    user accepts."""
    invitation = invitation_by_token(token)  # None for a token longer than any we make
    dead = _dead_invitation(invitation)
    if len(token) > 100:  # nothing to accept either
        return render(request, "tenancy/invitation_invalid.html", {"reason": dead}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except DomainError as exc:
            return render(
                request, "tenancy/invitation_invalid.html", {"reason": exc.messages[0]}, status=400
            )
        invitation_forget(request)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization})
        return redirect("tenancy:home", org_slug=membership.organization.slug)
    if dead or invitation is None:
        invitation_forget(request)
        return render(request, "tenancy/invitation_invalid.html", {"reason": dead}, status=404)
    invitation_remember(request, token)
    inviter = invitation.invited_by
    context = {
        "token": token,
        "invitation": invitation,
        "organization": invitation.organization,
        # By name only: the link may reach someone who is not (yet) a member.
        "inviter_name": inviter.full_name if inviter else "",
        "next_path": request.path,
        # Said before any click, and without the invited address: the link may have reached
        # someone else, or the invitee signed in with another account.
        "for_another_address": (
            request.user.is_authenticated and not invitation_is_for(invitation, request.user)
        ),
    }
    return render(request, "tenancy/invitation_accept.html", context)
