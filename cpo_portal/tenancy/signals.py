"""Extension points of the tenancy floor for the feature apps (which it must not import),
and what tenancy itself listens to.

`organization_updated` is sent by `organization_update` after a profile change has been
saved, with `organization`, `by` and `changed` (field names). Receivers call their own
services; they hold no rules themselves.

An invitation survives sign-up: the invitation page remembers its token in the visitor's
session (and sends sign-up and sign-in back to it with `next`); when that person signs in
later without a `next` of their own — after confirming the address, say, whose link
allauth's e-mail carries without one — `resume_invitation` sends them to the invitation
instead of the dashboard.
"""

from typing import Any

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import Signal, receiver
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse

from .selectors import invitation_by_token

organization_updated = Signal()

PENDING_INVITATION = "tenancy.invitation"


def invitation_remember(request: HttpRequest, token: str) -> None:
    request.session[PENDING_INVITATION] = token


def invitation_forget(request: HttpRequest) -> None:
    request.session.pop(PENDING_INVITATION, None)


@receiver(user_logged_in, dispatch_uid="tenancy.resume_invitation")
def resume_invitation(
    sender: Any, request: HttpRequest, response: Any = None, **kwargs: Any
) -> None:
    """Signed in to the default page while an open invitation waits: go to it instead."""

    token = request.session.get(PENDING_INVITATION)
    if not token or response is None or not response.has_header("Location"):
        return
    invitation = invitation_by_token(token)
    if invitation is None or not invitation.is_open:
        invitation_forget(request)
        return
    if response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL):
        response["Location"] = reverse("tenancy:invitation_accept", args=[token])
