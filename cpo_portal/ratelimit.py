"""The one rate limiter: a fixed one-minute window per client and bucket, counted in the cache.

Every per-client limit of the portal's own views (certificate verification, badges, ballot
receipts) goes through `rate_limited`; allauth's sign-in limits and DRF's throttles count
the same client (cpo_portal.clients) with their own machinery.
"""

import hashlib
import ipaddress
import logging
import time

from django.core.cache import caches
from django.http import HttpRequest
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .clients import client_ip

log = logging.getLogger(__name__)

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


def count_in_window(key: str, *, seconds: int) -> int:
    """Add one to a counter that lives `seconds` from its first count; the new count.

    One round trip on Redis (SET NX with expiry and INCR in a pipeline) instead of add()
    and incr(): rate limits sit on the hottest public paths. When Redis is unreachable
    the count is 0: a limit is not worth a failed request (nothing in the cache is the
    truth, so an outage costs speed, never a request; see CACHES in the settings).
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        try:
            pipe = get_redis_connection("default").pipeline()
            pipe.set(full_key, 0, ex=seconds, nx=True)
            pipe.incr(full_key)
            return int(pipe.execute()[-1])
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("rate count skipped, Redis is unreachable: %r", exc)
            return 0
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
