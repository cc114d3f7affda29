"""Public pages for visitors: browser caching, and a whole-page cache on the server.

The public pages (home, signee list and pages, CPO Statements, the seal registry, the
catalogue) are the same for every visitor who is not signed in, and they are what the
crowds ask for on the days that matter. A visitor's request without a session, without
credentials and without messages waiting is answered from the cache (one generation read
and one page read) instead of rendering the page again.

Invalidation: every entry is stamped with a generation number, read together with the
page, and `public_pages_changed()` moves it on. The activity log calls it for every entry,
and every state change writes one (DESIGN §6), so any change is visible on the next
request; it moves once more after the commit, so a page rendered by a concurrent request
from the data before the commit does not survive it. Entries also expire after
PUBLIC_PAGE_CACHE_SECONDS and carry the date in their key, which bounds how long a state
that changes by the calendar (a certificate's validity ending at midnight) can show its
old value.
"""

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe

GENERATION_KEY = "pagecache:generation"
# Headers that belong to one response only, not to the page. Vary is kept: a shared cache
# in front of the portal must not hand a visitor's page to a signed-in user.
_NOT_STORED = {"set-cookie", "content-length", "date"}

View = Callable[..., HttpResponseBase]


def public_pages_changed() -> None:
    """Make every cached public page stale, now and again after the current commit."""
    generation_bump()
    transaction.on_commit(generation_bump)


def generation_bump() -> None:
    """Move the generation on (also the on-commit callback of public_pages_changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet, or evicted
        cache.set(GENERATION_KEY, 1, timeout=None)


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request: HttpRequest) -> str:
    page = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    htmx = "hx" if request.headers.get("HX-Request") else "page"
    day = timezone.localdate().isoformat()
    return f"pagecache:{day}:{translation.get_language()}:{htmx}:{page}"


def _lookup(key: str) -> tuple[int, dict[str, Any] | None]:
    """The current generation and the page stored under `key` if it is of that generation:
    both in one round trip (MGET), the hot path of every visitor's request."""
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY) or 0
    stored = found.get(key)
    if stored is None or stored.get("generation") != generation:
        return generation, None
    return generation, stored


def _stored(response: HttpResponseBase) -> dict[str, Any] | None:
    """What the cache keeps of a response, or None when it must not be shared."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or not isinstance(response, HttpResponse)
    ):
        return None
    headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_STORED]
    return {"content": response.content, "headers": headers}


def _replayed(request: HttpRequest, stored: dict[str, Any]) -> HttpResponseBase:
    response = HttpResponse(stored["content"])
    for name, value in stored["headers"]:
        response[name] = value
    # A client that holds this version (its ETag or date) gets 304, as from the view.
    modified = parse_http_date_safe(response.get("Last-Modified", ""))
    conditional = get_conditional_response(
        request, etag=response.get("ETag"), last_modified=modified, response=response
    )
    return conditional if conditional is not None else response


def public_page(view: View) -> View:
    """A public page or export: visitors' browsers and shared caches may keep it for a few
    minutes, and a visitor's request is served from the server's page cache."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = _key(request) if _cacheable_request(request) else None
        generation = 0
        if key is not None:
            generation, stored = _lookup(key)
            if stored is not None:
                return _replayed(request, stored)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # a TemplateResponse or DRF Response
        # Only for visitors: a signed-in user's page names them in the header.
        if response.status_code == 200 and not request.user.is_authenticated:
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE)
            if key is not None and (page := _stored(response)) is not None:
                # Stamped with the generation read before rendering: if a change came in
                # meanwhile, the page is stale on arrival and the next request renders again.
                page["generation"] = generation
                cache.set(key, page, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        return response

    return wrapped
