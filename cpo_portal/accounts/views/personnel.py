"""The CPO office's staff and auditors (/office/staff/): every office member reads them; an
office administrator invites, changes roles, deactivates and reactivates. And the invitation
link (/accounts/staff-invitation/<token>/), for the invitee."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.errors import DomainError
from cpo_portal.forms import error_text
from cpo_portal.http import AuthenticatedRequest, PortalRequest
from cpo_portal.pagination import paginate

from ..decorators import office_required, office_role_required
from ..forms import StaffInviteForm, StaffRolesForm
from ..models import OfficeRole, User
from ..roles import has_mfa, is_office
from ..selectors.personnel import (
    deactivation_blockers,
    pending_staff_invitation_count,
    pending_staff_invitations,
    roles_held,
    staff_activity_for_office,
    staff_for_office,
    staff_invitation_by_token,
    staff_invitation_for_office,
    staff_invitation_is_for,
    staff_invitation_refusal,
    staff_member_for_office,
    staff_row,
)
from ..services.personnel import (
    staff_deactivate,
    staff_invitation_accept,
    staff_invitation_resend,
    staff_invitation_revoke,
    staff_invite,
    staff_reactivate,
    staff_roles_change,
)
from ..signals import staff_invitation_forget, staff_invitation_remember

ADMINISTRATOR = OfficeRole.ADMINISTRATOR


@office_required
def office_staff(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    page = paginate(request, staff_for_office(query=query))
    return render(
        request,
        "accounts/personnel/office_list.html",
        {
            "query": query,
            "page": page,
            "rows": [staff_row(person) for person in page.object_list],
            "pending_count": pending_staff_invitation_count(),
        },
    )


@office_role_required(ADMINISTRATOR)
def office_staff_invite(request: AuthenticatedRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = staff_invite(
                email=data["email"],
                full_name=data["full_name"],
                office_roles=data["office_roles"],
                as_auditor=data["as_auditor"],
                auditing_body=data["auditing_body"],
                language=data["language"],
                by=request.user,
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("The invitation to %(name)s has been sent; it is valid for 14 days.")
                % {"name": invitation.full_name},
            )
            return redirect("accounts:office_staff_invitations")
    return render(request, "accounts/personnel/office_invite.html", {"form": form})


@office_required
def office_staff_invitations(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, pending_staff_invitations())
    now = timezone.now()
    return render(
        request,
        "accounts/personnel/office_invitations.html",
        {
            "page": page,
            "rows": [
                (i, [OfficeRole(v) for v in i.office_roles], i.expires_at <= now)
                for i in page.object_list
            ],
        },
    )


def _act(
    request: AuthenticatedRequest, action: Callable[[], object], done: str, to: str
) -> HttpResponse:
    """Run an action of a list's button: its refusal becomes a message, never an error page."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect(to)


@office_role_required(ADMINISTRATOR)
@require_POST
def office_staff_invitation_resend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = staff_invitation_for_office(pk)
    return _act(
        request,
        lambda: staff_invitation_resend(invitation=invitation, by=request.user),
        _("The invitation has been sent again with a new link; the old link no longer works."),
        "accounts:office_staff_invitations",
    )


@office_role_required(ADMINISTRATOR)
@require_POST
def office_staff_invitation_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = staff_invitation_for_office(pk)
    return _act(
        request,
        lambda: staff_invitation_revoke(invitation=invitation, by=request.user),
        _("The invitation has been revoked; its link no longer works."),
        "accounts:office_staff_invitations",
    )


def _member_page(
    request: AuthenticatedRequest, person: User, form: StaffRolesForm | None = None
) -> HttpResponse:
    held = roles_held(person)
    return render(
        request,
        "accounts/personnel/office_member.html",
        {
            "person": person,
            "row": staff_row(person),
            "form": form or StaffRolesForm(initial={"office_roles": [r.value for r in held]}),
            "blockers": deactivation_blockers(person=person, by=request.user),
            "activity": staff_activity_for_office(person)[:20],
        },
    )


@office_required
def office_staff_member(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _member_page(request, staff_member_for_office(pk))


@office_role_required(ADMINISTRATOR)
@require_POST
def office_staff_member_roles(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = staff_member_for_office(pk)
    form = StaffRolesForm(request.POST)
    if form.is_valid():
        try:
            roles = staff_roles_change(
                person=person, office_roles=form.cleaned_data["office_roles"], by=request.user
            )
        except DomainError as exc:
            form.refuse(exc)
        else:
            if roles:
                names = ", ".join(str(role.label) for role in roles)
                messages.success(
                    request,
                    _("%(name)s now holds: %(roles)s.") % {"name": person, "roles": names},
                )
            else:
                messages.success(
                    request, _("%(name)s holds no office role now.") % {"name": person}
                )
            if not staff_for_office().filter(pk=person.pk).exists():
                return redirect("accounts:office_staff")
            return redirect("accounts:office_staff_member", pk=person.pk)
    return _member_page(request, person, form)


def _confirm(request: AuthenticatedRequest, pk: int, *, deactivate: bool) -> HttpResponse:
    person = staff_member_for_office(pk)
    if request.method == "POST":
        try:
            if deactivate:
                staff_deactivate(person=person, by=request.user)
            else:
                staff_reactivate(person=person, by=request.user)
        except DomainError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            done = (
                _("%(name)s has been deactivated and signed out everywhere.")
                if deactivate
                else _("%(name)s can sign in again.")
            )
            messages.success(request, done % {"name": person})
            return redirect("accounts:office_staff_member", pk=person.pk)
    return render(
        request,
        "accounts/personnel/office_deactivate.html"
        if deactivate
        else "accounts/personnel/office_reactivate.html",
        {
            "person": person,
            "row": staff_row(person),
            "blockers": deactivation_blockers(person=person, by=request.user) if deactivate else [],
        },
    )


@office_role_required(ADMINISTRATOR)
def office_staff_member_deactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, deactivate=True)


@office_role_required(ADMINISTRATOR)
def office_staff_member_reactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, deactivate=False)


# --- The invitee ------------------------------------------------------------------------------


def staff_invitation_accept_page(request: PortalRequest, token: str) -> HttpResponse:
    """The invitation link: it says who invited to what, to anyone holding the link (the token
    is the secret). A visitor signs up or in and comes back here; the invitee, signed in with
    the invited address, accepts."""
    invitation = staff_invitation_by_token(token)
    refusal = staff_invitation_refusal(invitation)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            staff_invitation_accept(token=token, user=request.user)
        except DomainError as exc:
            return render(
                request,
                "accounts/personnel/invitation_refused.html",
                {"reason": error_text(exc)},
                status=400,
            )
        staff_invitation_forget(request)
        messages.success(request, _("Welcome to the CPO Portal. Your roles are in place."))
        if not has_mfa(request.user):
            # The roles need a second factor before anything else (RequireMFAMiddleware).
            return redirect("mfa_activate_totp")
        return redirect("office_home" if is_office(request.user) else "dashboard")
    if refusal or invitation is None:
        staff_invitation_forget(request)
        return render(
            request,
            "accounts/personnel/invitation_refused.html",
            {"reason": refusal},
            status=404,
        )
    staff_invitation_remember(request, token)
    user = request.user
    return render(
        request,
        "accounts/personnel/invitation_accept.html",
        {
            "token": token,
            "invitation": invitation,
            "roles": [OfficeRole(value).label for value in invitation.office_roles],
            # By name only: the link may have reached someone else.
            "inviter_name": invitation.invited_by.full_name if invitation.invited_by else "",
            "next_path": request.path,
            "for_another_address": user.is_authenticated
            and not staff_invitation_is_for(invitation, user),
        },
    )
