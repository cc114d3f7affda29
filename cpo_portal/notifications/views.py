from django.http import Http404, HttpRequest, HttpResponse


def settings_page(request: HttpRequest) -> HttpResponse:
    raise Http404  # written by the notifications part


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404  # written by the notifications part


def office_notices(request: HttpRequest) -> HttpResponse:
    raise Http404  # written by the notifications part
