"""Receivers of the accounts app: the CPO office's role groups and their explicit
permissions after every migrate; the API token ends when allauth changes, resets or sets a
password; a staff invitation survives sign-up.

A staff invitation survives sign-up as an organization's does (tenancy.signals): the
invitation page remembers its token in the visitor's session; when that person signs in
later to the default page (after confirming the address, say, whose link allauth's e-mail
carries without a `next`), `resume_staff_invitation` sends them to the invitation instead.
"""

from typing import Any

from allauth.account import signals
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse

from .models import OFFICE_ROLE_GROUPS, OFFICE_ROLE_PERMISSIONS
from .roles import office_permissions
from .selectors.personnel import staff_invitation_by_token, staff_invitation_refusal
from .services.profile import api_token_revoke

PENDING_STAFF_INVITATION = "accounts.staff_invitation"


def _permissions(codes: set[str]) -> Any:
    wanted = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".", 1)
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


def ensure_office_groups(**_: Any) -> None:
    """Each role's group holds the office's shared permissions and the role's own."""
    for role, name in OFFICE_ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions({*office_permissions(), OFFICE_ROLE_PERMISSIONS[role]}))


def _api_token_ends_with_password(reason: str) -> Any:
    def receiver(sender: Any, request: Any, user: Any, **_: Any) -> None:
        # A token is a second way in: whoever learnt the old password may have made one.
        # (allauth's flows are the person's own: they changed, reset or set it.)
        api_token_revoke(user=user, by=user, reason=reason)

    return receiver


def connect_password_receivers() -> None:
    for signal, reason in (
        (signals.password_changed, "password_changed"),
        (signals.password_reset, "password_reset"),
        (signals.password_set, "password_set"),
    ):
        signal.connect(
            _api_token_ends_with_password(reason), weak=False, dispatch_uid=f"cpo_token_{reason}"
        )


def staff_invitation_remember(request: HttpRequest, token: str) -> None:
    request.session[PENDING_STAFF_INVITATION] = token


def staff_invitation_forget(request: HttpRequest) -> None:
    request.session.pop(PENDING_STAFF_INVITATION, None)


def resume_staff_invitation(
    sender: Any, request: HttpRequest, response: Any = None, **kwargs: Any
) -> None:
    """Signed in to the default page while an open staff invitation waits: go to it."""
    token = request.session.get(PENDING_STAFF_INVITATION)
    if not token or response is None or not response.has_header("Location"):
        return
    if staff_invitation_refusal(staff_invitation_by_token(token)):
        staff_invitation_forget(request)
        return
    if response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL):
        response["Location"] = reverse("accounts:staff_invitation_accept", args=[token])


def connect_staff_invitation_receivers() -> None:
    signals.user_logged_in.connect(
        resume_staff_invitation, dispatch_uid="accounts.resume_staff_invitation"
    )
