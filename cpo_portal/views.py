"""Portal-wide pages: a signed-in user's dashboard and the office start page.

The home page shows signees, so it lives in the signees app (the floor imports no feature app);
the feature apps' cards and links on these pages come from cpo_portal/navigation.py.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.roles import is_auditor, is_office
from cpo_portal.activity.selectors import activity_for_office
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.navigation import Audience, todo_items
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import memberships_for_user, open_invitations_for_user

# The dashboard shows what this many of a person's organizations must do next; the others
# show it on their own home pages (the queries stay bounded however many they are).
DASHBOARD_TODO_ORGANIZATIONS = 5


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    # The apps' cards for the person's roles come from the navigation (auditors: their audits).
    memberships = memberships_for_user(request.user)
    todo_organizations = []
    for organization, _role in list(memberships)[:DASHBOARD_TODO_ORGANIZATIONS]:
        items = todo_items(request, Audience.MEMBER, organization)
        if items:
            todo_organizations.append((organization, items))
    return render(
        request,
        "dashboard.html",
        {
            "memberships": memberships,
            "invitations": open_invitations_for_user(request.user),
            "is_office": is_office(request.user),
            "todo_auditor": todo_items(request, Audience.AUDITOR)
            if is_auditor(request.user)
            else [],
            "todo_organizations": todo_organizations,
        },
    )


@office_required
def office_home(request: AuthenticatedRequest) -> HttpResponse:
    # The office's to-do list (every queue with its count and its oldest row) is drawn from
    # the navigation: `navigation.todo.office` in the template.
    return render(
        request,
        "office/home.html",
        {
            "organization_count": Organization.objects.count(),
            "recent": activity_for_office()[:20],
        },
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and crawlers ask for on their own: the static icon.

    A temporary redirect, kept for a day: the static file's (hashed) name changes with it.
    """
    response = HttpResponseRedirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response
