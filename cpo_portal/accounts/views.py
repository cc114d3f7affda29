from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .services import api_token_create, api_token_revoke


@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user):  # type: ignore[arg-type]
                messages.success(request, _("Your API token has been revoked."))
            return redirect("api_token")
        new_key = api_token_create(user=request.user).key  # type: ignore[arg-type]
        messages.success(request, _("A new API token was created. Copy it now: it is shown once."))
    has_token = Token.objects.filter(user=request.user).exists()  # type: ignore[misc]
    return render(request, "account/api_token.html", {"new_key": new_key, "has_token": has_token})
