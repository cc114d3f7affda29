import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.selectors import memberships_for_user

from .decorators import office_required
from .forms import PersonEraseForm, ProfileForm
from .languages import set_language_cookie
from .reauthentication import ask_for_second_factor, has_recent_second_factor
from .roles import is_auditor, is_office, requires_mfa
from .selectors import (
    erasure_blockers,
    erasure_preview,
    people_for_office,
    person_activity_for_office,
    person_for_office,
)
from .services import (
    api_token_create,
    api_token_expires_at,
    api_token_revoke,
    person_erase,
    person_export,
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


# --- The office: people and their data on request (GDPR Art. 15 and 17) ---------------------


@office_required
def office_people(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "accounts/people/office_list.html",
        {"query": query, "page": paginate(request, people_for_office(query=query))},
    )


@office_required
def office_person(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_for_office(pk)
    return render(
        request,
        "accounts/people/office_detail.html",
        {
            "person": person,
            "memberships": memberships_for_user(person),
            "is_office": is_office(person),
            "is_auditor": is_auditor(person),
            "blockers": erasure_blockers(person=person, by=request.user),
            "activity": person_activity_for_office(person)[:20],
        },
    )


@office_required
@require_POST
def office_person_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_for_office(pk)
    data = person_export(person=person, by=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    name = f"cpo-portal-personal-data-{person.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@office_required
def office_person_erase(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_for_office(pk)
    form = PersonEraseForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(person=person, by=request.user)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The person's data has been erased. What the records must keep is kept."),
            )
            return redirect("accounts:office_person", pk=person.pk)
    return render(
        request,
        "accounts/people/office_erase.html",
        {
            "person": person,
            "form": form,
            "blockers": erasure_blockers(person=person, by=request.user),
            "preview": erasure_preview(person),
        },
    )
