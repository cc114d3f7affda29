from django.http import HttpResponse
from django.shortcuts import render

from cpo_portal.accounts.decorators import office_required
from cpo_portal.http import AuthenticatedRequest, OrganizationRequest
from cpo_portal.pagination import paginate
from cpo_portal.tenancy.decorators import org_admin_required

from .selectors import activity_for_office, activity_for_organization


@org_admin_required
def organization_activity(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    return render(
        request,
        "activity/organization_activity.html",
        {
            "organization": org,
            "page": paginate(request, activity_for_organization(org)),
        },
    )


@office_required
def office_activity(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "activity/office_activity.html",
        {
            "page": paginate(request, activity_for_office()),
        },
    )
