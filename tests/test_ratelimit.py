"""The one rate limiter's counter, on the local-memory cache and on a Redis of our own that
stops: an outage costs the limit, never the request (cpo_portal/ratelimit.py)."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from cpo_portal.ratelimit import count_in_window, rate_limited
from tests.integration.own_services import OwnRedis, redis_unavailable_reason


def test_counts_in_the_local_memory_cache():
    assert [count_in_window("rate:test", seconds=60) for _ in range(3)] == [1, 2, 3]


def test_rate_limited_after_the_limit_with_the_seconds_to_wait():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    assert [rate_limited(request, "test", 2) for _ in range(2)] == [None, None]
    wait = rate_limited(request, "test", 2)
    assert wait is not None and 1 <= wait <= 60


@pytest.fixture
def own_redis(settings, tmp_path):
    """Our own redis-server as the cache (the settings of production: django-redis that
    skips what an outage makes fail)."""
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    redis = OwnRedis(directory=tmp_path)
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis.url(1),
            "KEY_PREFIX": "test",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    try:
        yield redis
    finally:
        redis.stop()


@pytest.mark.redis
def test_counts_in_redis_and_the_cache_reads_the_count(own_redis):
    assert [count_in_window("rate:test", seconds=60) for _ in range(3)] == [1, 2, 3]
    # The counter is the cache's own key (prefix, version), with an expiry.
    assert cache.get("rate:test") == 3
    assert 0 < cache.ttl("rate:test") <= 60


@pytest.mark.redis
def test_redis_down_costs_the_limit_and_the_cache_never_a_request(own_redis, caplog):
    cache.set("kept", "value")
    own_redis.stop()
    assert not own_redis.answers()

    assert count_in_window("rate:test", seconds=60) == 0
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    assert rate_limited(request, "test", 0) is None
    # The cache answers as if empty; add() says "not added" (a once-only marker stays used).
    assert cache.get("kept", "default") == "default"
    assert cache.get_many(["kept"]) == {}
    assert not cache.add("marker", 1)
    cache.set("kept", "new")
    cache.delete("kept")
    assert "Redis is unreachable" in caplog.text

    own_redis.start()
    assert count_in_window("rate:test", seconds=60) == 1
    cache.set("kept", "again")
    assert cache.get("kept") == "again"
