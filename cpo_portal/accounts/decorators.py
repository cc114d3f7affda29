"""Guards for the CPO office and auditor areas: outsiders get 404, never a hint.

`office_role_required(role)` guards the office's pages that act in one role (an office
administrator's staff pages, say): everyone outside the office gets 404, like
`office_required`; an office member without the role (who reads every office page anyway)
gets a page that names the role they lack (403), not a puzzle. The services hold the same
rule (`cpo_portal.guards.require_office_role`) whatever calls them.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from .models import OfficeRole
from .roles import has_office_role, is_auditor, is_office

View = Callable[..., HttpResponseBase]


def _guard(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


office_required = _guard(is_office)
auditor_required = _guard(is_auditor)


def office_role_required(role: str) -> Callable[[View], View]:
    """An office page that acts in `role`: 404 outside the office, the role named inside."""
    office_role = OfficeRole(role)

    def decorator(view: View) -> View:
        @office_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_office_role(request.user, office_role):
                return render(
                    request, "accounts/role_required.html", {"role": office_role}, status=403
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
