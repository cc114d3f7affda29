"""Request hygiene that holds for every app."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse


class RejectNulMiddleware:
    """A NUL in the path can never name anything; PostgreSQL refuses it in queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("Not found.")  # the portal's 404 page
        return self.get_response(request)
