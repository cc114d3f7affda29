"""Who the client is: the address every rate limit and record of the portal counts by.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, shared by every visitor, and
X-Forwarded-For is partly written by the client: only the entries the portal's own proxies
appended can be believed. TRUSTED_PROXY_COUNT says how many proxies are the portal's
(0: none, X-Forwarded-For is ignored entirely). Each trusted proxy appends the address it
was connected from, so the client is the N-th entry from the right; whatever a client put
further left is ignored. allauth (ALLAUTH_TRUSTED_PROXY_COUNT) and DRF (NUM_PROXIES) are set
from the same setting and count the same way.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, as the outermost trusted proxy saw it; None if there is none."""
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if trusted > 0:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if forwarded:
            # Fewer entries than proxies: the request skipped the outer ones, and the
            # leftmost entry is what the first proxy it did pass saw.
            address = _valid(forwarded[-min(trusted, len(forwarded))])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", ""))


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
