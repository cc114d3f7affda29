"""View guards. The tenant middleware has already answered 404 to non-members."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

View = Callable[..., HttpResponseBase]


def org_admin_required(view: View) -> View:
    """Owners and admins only; a plain member of the same organization gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def org_owner_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_owner:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
