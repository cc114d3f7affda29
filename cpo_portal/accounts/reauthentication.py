"""A recent second factor, for the few actions that hand out a lasting way in (API tokens).

Those who must have MFA (staff, the CPO office, auditors) prove it again before such an
action unless they gave a code within allauth's reauthentication window
(ACCOUNT_REAUTHENTICATION_TIMEOUT, 5 minutes): a session left open on a shared machine then
cannot mint a token that outlives it.
"""

import time

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def has_recent_second_factor(request: HttpRequest) -> bool:
    """Whether this session gave a second factor (at sign-in or since) within the window."""
    window = account_settings.REAUTHENTICATION_TIMEOUT
    now = time.time()
    return any(
        record.get("method") == "mfa" and now - float(record.get("at", 0)) < window
        for record in get_authentication_records(request, request.user)
    )


def ask_for_second_factor(request: HttpRequest) -> HttpResponse:
    """Send the person to allauth's MFA reauthentication; their request (a POST too) is
    kept and carried out once the code is given, as allauth does for its own pages."""
    # allauth's own mechanism behind its reauthentication_required decorator, pointed at
    # the second factor rather than the password.
    from allauth.account.internal.flows.reauthentication import suspend_request

    return suspend_request(request, reverse("mfa_reauthenticate"))
