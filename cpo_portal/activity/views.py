from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cpo_portal.accounts.decorators import office_required
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required

from .selectors import activity_for_office, activity_for_organization


@org_admin_required
def organization_activity(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = request.organization  # type: ignore[attr-defined]
    return render(
        request,
        "activity/organization_activity.html",
        {
            "organization": org,
            "page": paginate(request, activity_for_organization(org)),
        },
    )


@office_required
def office_activity(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "activity/office_activity.html",
        {
            "page": paginate(request, activity_for_office()),
        },
    )
