"""A person's notification settings, the one-click unsubscribe link, the office's record."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cpo_portal.accounts.decorators import office_required
from cpo_portal.accounts.roles import is_office
from cpo_portal.http import AuthenticatedRequest
from cpo_portal.mail import fallback_language
from cpo_portal.pagination import paginate

from .forms import NoticeFilterForm, NotificationPreferencesForm
from .kinds import DIGEST
from .selectors import (
    kind_label,
    notices_for_office,
    preferences_for_user,
    unsubscribe_pending,
    unsubscribe_subject,
)
from .services import notification_preferences_save, notification_unsubscribe


@login_required
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    current = preferences_for_user(request.user)
    form = NotificationPreferencesForm(
        request.POST or None, current=current, office=is_office(request.user)
    )
    if request.method == "POST" and form.is_valid():
        notification_preferences_save(user=request.user, choices=form.choices(), by=request.user)
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without cookies or a CSRF
# token; the signed token is the credential. A GET (a mail scanner following the link, or the
# person) only asks, never changes anything.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_subject(token)
    if found is None:
        raise Http404
    user, kind = found
    # The person's language, signed in or not: they came from one of their mails.
    language = fallback_language(getattr(user, "language", None))
    with translation.override(language):
        if request.method == "POST":
            turned_off = notification_unsubscribe(user=user, kind=kind)
            response = _unsubscribe_page(
                request, "notifications/unsubscribed.html", kind, turned_off
            )
        elif not unsubscribe_pending(user=user, kind=kind):
            # Already off (a second visit, or after the one-click POST): say so, ask nothing.
            response = _unsubscribe_page(request, "notifications/unsubscribed.html", kind, [])
        else:
            response = _unsubscribe_page(request, "notifications/unsubscribe.html", kind, [])
    response.headers["Content-Language"] = language
    return response


def _unsubscribe_page(
    request: HttpRequest, template: str, kind: str, turned_off: list[str]
) -> HttpResponse:
    context: dict[str, Any] = {
        "is_digest": kind == DIGEST,
        "label": kind_label(kind) if kind != DIGEST else "",
        "turned_off": [kind_label(key) for key in turned_off],
    }
    # render() renders at once: in the person's language, in force around this call.
    return render(request, template, context)


@office_required
def office_notices(request: AuthenticatedRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET)
    page = paginate(request, notices_for_office(**form.filters()))
    page.object_list = list(page.object_list)
    for notice in page.object_list:
        notice.kind_label = kind_label(notice.kind)
    return render(request, "notifications/office_list.html", {"form": form, "page": page})
