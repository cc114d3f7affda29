"""The one rate limiter: a fixed one-minute window per client and bucket, counted in the cache.

Every per-client limit of the portal's own views (certificate verification, badges, ballot
receipts) goes through `rate_limited`; allauth's sign-in limits and DRF's throttles count
the same client (cpo_portal.clients) with their own machinery.
"""

import hashlib
import ipaddress
import time

from django.http import HttpRequest

from .cache import count_in_window
from .clients import client_ip

WINDOW = 60


def client_key(request: HttpRequest) -> str:
    """The client's address, hashed (no address lands in the cache); IPv6 counts per /64."""
    address = client_ip(request) or "unknown"  # no address at all: one shared bucket
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    except ValueError:
        pass
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def rate_limited(request: HttpRequest, bucket: str, limit: int) -> int | None:
    """Count one hit; the seconds to wait when the client is over `limit` this minute."""
    now = int(time.time())
    key = f"rate:{bucket}:{client_key(request)}:{now // WINDOW}"
    if count_in_window(key, seconds=WINDOW + 5) > limit:
        return WINDOW - now % WINDOW or 1
    return None
