import pytest

from cpo_portal import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_cache_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "mode": "eager"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def down():
        raise ConnectionError("database is gone")

    monkeypatch.setattr(health, "_database", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert "database is gone" not in response.content.decode()  # no internals leak


def test_healthz_is_503_when_the_cache_fails(client, monkeypatch):
    monkeypatch.setattr(health, "_cache", lambda: (_ for _ in ()).throw(RuntimeError("x")))
    assert client.get("/healthz").status_code == 503


def test_healthz_checks_the_broker_when_tasks_are_not_eager(client, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls = []
    monkeypatch.setattr(health, "_broker", lambda: calls.append(1))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert calls == [1]
    assert response.json()["checks"]["broker"]["ok"] is True


def test_healthz_needs_no_mfa_or_sign_in(client, office_user_without_mfa):
    client.force_login(office_user_without_mfa)
    assert client.get("/healthz").status_code == 200
