"""The CPO office's people pages: find a person, export or erase their data on request (GDPR
Art. 15 and 17). Every office member reads them; an office administrator exports and erases."""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cpo_portal.errors import DomainError
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.selectors import memberships_for_user

from ..decorators import office_required, office_role_required
from ..forms import PersonEraseForm
from ..models import OfficeRole
from ..roles import is_auditor, is_office
from ..selectors.people import (
    erasure_blockers,
    erasure_preview,
    people_for_office,
    person_activity_for_office,
    person_for_office,
)
from ..services.people import person_erase, person_export


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


@office_role_required(OfficeRole.ADMINISTRATOR)
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


@office_role_required(OfficeRole.ADMINISTRATOR)
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
