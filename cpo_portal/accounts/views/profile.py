"""A person's own pages beside allauth's under /accounts/: the profile and the API token."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from cpo_portal.http import AuthenticatedRequest

from ..forms import ProfileForm
from ..languages import set_language_cookie
from ..reauthentication import ask_for_second_factor, has_recent_second_factor
from ..roles import requires_mfa
from ..services.profile import (
    api_token_create,
    api_token_expires_at,
    api_token_revoke,
    profile_update,
)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user = profile_update(user=user, **form.cleaned_data)
            # The pages follow the new preference at once, this message included.
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            messages.success(request, _("Your profile has been saved."))
            response = redirect(next_url or "accounts:profile")
            set_language_cookie(response, user.language)
            return response
    else:
        form = ProfileForm(initial={"full_name": user.full_name, "language": user.language})
    action = reverse("accounts:profile")
    if next_url:
        action += "?" + urlencode({"next": next_url}, safe="/")
    return render(
        request, "account/profile.html", {"form": form, "next": next_url, "action": action}
    )


@login_required
def api_token(request: AuthenticatedRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user):
                messages.success(request, _("Your API token has been revoked."))
            return redirect("accounts:api_token")
        if requires_mfa(request.user) and not has_recent_second_factor(request):
            messages.info(
                request, _("Confirm it is you with your authenticator code to create a token.")
            )
            return ask_for_second_factor(request)
        new_key = api_token_create(user=request.user).key
        messages.success(request, _("A new API token was created. Copy it now: it is shown once."))
    token = Token.objects.filter(user=request.user).first()
    expires_at = api_token_expires_at(token) if token else None
    context = {
        "new_key": new_key,
        "has_token": token is not None,
        "expires_at": expires_at,
        "expired": expires_at is not None and expires_at <= timezone.now(),
    }
    return render(request, "account/api_token.html", context)
