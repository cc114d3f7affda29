"""The ceiling of the stack: the cheapest response Django can give through the full
middleware chain. Mounted only when CPO_BENCH is on (see the root URLconf)."""

from django.http import HttpRequest, HttpResponse

CEILING_BODY = b"ok\n"


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(CEILING_BODY, content_type="text/plain")
