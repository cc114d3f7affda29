"""/healthz: liveness and readiness of the database, the cache and the broker."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from cpo_portal.celery import app


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _probe(check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        return {
            "ok": False,
            "error": type(exc).__name__,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {"database": _probe(_database), "cache": _probe(_cache)}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = {"ok": True, "mode": "eager"}  # tasks run in-process
    else:
        checks["broker"] = _probe(_broker)
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
