"""A Redis cache that degrades to a cache miss while Redis is unreachable.

Nothing the portal keeps in the cache is the truth (that is the database): pages, rate-limit
counters, copies of sessions. An outage of Redis must therefore cost speed, never a request.
/healthz still reports the cache as down: its check stores a value and does not read it back.
"""

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ResilientRedisCache(RedisCache):
    def _unreachable(self, operation: str, exc: Exception) -> None:
        log.warning("cache %s skipped, Redis is unreachable: %r", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # False, as for a key that exists: whoever relies on add() as a lock or a
        # once-only marker (a used TOTP code) stays on the safe side.
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            return False

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            self._unreachable("incr", exc)
            # What incr() raises for a missing key, which callers already handle.
            raise ValueError(f"Key '{key}' not found") from exc

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("delete_many", exc)

    def clear(self) -> None:
        try:
            super().clear()
        except UNREACHABLE as exc:
            self._unreachable("clear", exc)


def count_in_window(key: str, *, seconds: int) -> int:
    """Add one to a counter that lives `seconds` from its first count; the new count.

    One round trip on Redis (SET NX with expiry and INCR in a pipeline) instead of add()
    and incr(): rate limits sit on the hottest public paths. When Redis is unreachable
    the count is 0: a limit is not worth a failed request (the cache's rule above).
    """
    from django.core.cache import cache

    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        try:
            pipe = cache._cache.get_client(full_key, write=True).pipeline()
            pipe.set(full_key, 0, ex=seconds, nx=True)
            pipe.incr(full_key)
            return int(pipe.execute()[-1])
        except UNREACHABLE as exc:
            log.warning("rate count skipped, Redis is unreachable: %r", exc)
            return 0
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
