"""The client's address (cpo_portal/clients.py) and every rate limit that counts by it.

Behind the README's reverse proxy every request comes from the proxy's address; only the
entries the portal's own proxies appended to X-Forwarded-For can be believed. One setting,
TRUSTED_PROXY_COUNT, says how many there are, for allauth, DRF and the portal's limits.
"""

import json
import uuid

import pytest
from django.test import Client, RequestFactory
from rest_framework.throttling import SimpleRateThrottle

from community.views.elections import receipt_rate_limited
from cpo_portal.clients import client_ip
from cpo_portal.ratelimit import rate_limited
from tests.test_settings import _run

PROXY = "10.0.0.1"


@pytest.fixture
def behind_proxy(settings):
    """The portal behind one proxy of its own (nginx), as in the README: the one setting
    alone (allauth's and DRF's copies are read once at start-up)."""
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def _request(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _via_proxy(client_address: str) -> dict[str, str]:
    """What a request from `client_address` looks like after the proxy (a client may send
    an X-Forwarded-For of its own; the proxy appends the address it saw)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"203.0.113.99, {client_address}"}


# --- client_ip -----------------------------------------------------------------------------


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("192.0.2.10", "198.51.100.1")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),  # fewer entries than proxies: the leftmost
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "198.51.100.1:5123", "198.51.100.1"),
    ],
)
def test_behind_trusted_proxies_the_nth_entry_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(PROXY, forwarded)) == expected


@pytest.mark.parametrize("forwarded", ["", " , ", "not-an-address", "6.6.6.6, unknown"])
def test_an_unusable_forwarded_entry_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(PROXY, forwarded)) == PROXY


def test_no_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("")) is None


def test_one_setting_configures_allauth_and_drf_too():
    code = (
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT,"
        " s.REST_FRAMEWORK['NUM_PROXIES'], s.COMMUNITY_RECEIPT_RATE_LIMIT]))"
    )
    default = _run(["-c", code], CPO_TESTING="true")
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout) == [0, 0, 0, 20]
    configured = _run(
        ["-c", code], CPO_TESTING="true", TRUSTED_PROXY_COUNT="2", COMMUNITY_RECEIPT_RATE_LIMIT="7"
    )
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout) == [2, 2, 2, 7]


# --- The anonymous API throttle ------------------------------------------------------------


@pytest.mark.django_db
def test_a_random_x_forwarded_for_does_not_escape_the_anonymous_api_throttle(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    statuses = [
        client.get(
            "/api/v1/signees/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n % 250}, {uuid.uuid4()}"
        ).status_code
        for n in range(130)
    ]
    assert statuses[:120] == [200] * 120  # API_THROTTLE_ANON: 120/min
    assert set(statuses[120:]) == {429}


@pytest.mark.django_db
def test_behind_the_proxy_anonymous_api_clients_are_throttled_apart(behind_proxy, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": None})
    client = Client()
    first = [client.get("/api/v1/signees/", **_via_proxy("198.51.100.1")) for _ in range(4)]
    assert [r.status_code for r in first] == [200, 200, 200, 429]

    assert client.get("/api/v1/signees/", **_via_proxy("198.51.100.2")).status_code == 200


# --- The portal's own limits ---------------------------------------------------------------


@pytest.mark.django_db
def test_behind_the_proxy_the_portals_limits_count_each_client(behind_proxy):
    behind_proxy.COMMUNITY_RECEIPT_RATE_LIMIT = 2
    factory = RequestFactory()
    one = factory.post("/", **_via_proxy("198.51.100.1"))
    other = factory.post("/", **_via_proxy("198.51.100.2"))

    assert [rate_limited(one, "verify", 2) for _ in range(2)] == [None, None]
    assert rate_limited(one, "verify", 2) is not None
    assert rate_limited(other, "verify", 2) is None

    assert [receipt_rate_limited(one) for _ in range(2)] == [None, None]
    assert receipt_rate_limited(one) is not None
    assert receipt_rate_limited(other) is None


@pytest.mark.django_db
def test_without_trusted_proxies_the_portals_limits_ignore_x_forwarded_for(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    factory = RequestFactory()
    results = [
        rate_limited(
            factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"),
            "verify",
            2,
        )
        for n in range(3)
    ]
    assert results[:2] == [None, None]
    assert results[2] is not None
