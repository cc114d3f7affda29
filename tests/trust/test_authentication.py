"""Authentication across the whole portal: MFA on every route, throttles, tokens, reset.

Routes are enumerated from the URL resolver, so a new office, audit or API route is
covered the day it is added. What tests/accounts already proves is referenced, not
repeated:
- failed logins are throttled per account and IP: test_auth.py::test_failed_logins_are_throttled
- sign-in attempts per IP get 429:
  test_auth.py::test_login_attempts_from_one_ip_are_rate_limited_with_429
- reset answers with the same redirect for any address:
  test_auth.py::test_password_reset_does_not_reveal_which_addresses_exist
- MFA roles (office, auditor, staff) and the pages they may still reach: test_middleware.py
- a token is shown once and a new one replaces the old: test_views.py
"""

import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

MFA_SETUP = "/accounts/2fa/totp/activate/"
# Sample values for path converters; the MFA gate answers before any object is looked up.
SAMPLES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": "0" * 8 + "-0000" * 3 + "-" + "0" * 12,
}
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
GUARDED = ("office/", "audit/", "api/")


def _routes(patterns=None, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Every URL pattern as (route, whether it is made of path() routes only)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, isinstance(pattern.pattern, RoutePattern) and "^" not in route


def _path(route: str) -> str:
    return "/" + CONVERTER.sub(lambda m: SAMPLES[m.group("kind") or "str"], route)


def guarded_paths() -> list[str]:
    paths = []
    for route, plain in _routes():
        if route.startswith(GUARDED):
            assert plain, f"{route}: teach this test to build a path for a regex route"
            paths.append(_path(route))
    return sorted(set(paths))


def api_paths() -> list[str]:
    return [path for path in guarded_paths() if path.startswith("/api/")]


def _row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def staff_user_without_mfa(make_user):
    return make_user(email="staff@example.org", is_staff=True)


ROLES_WITHOUT_MFA = [
    "office_user_without_mfa",
    "auditor_user_without_mfa",
    "staff_user_without_mfa",
]


def test_the_enumeration_finds_the_office_audit_and_api_routes():
    paths = guarded_paths()
    for path in paths:
        resolve(path)  # each sample path names a real view
    assert sum(p.startswith("/office/") for p in paths) > 20
    assert sum(p.startswith("/audit/") for p in paths) > 5
    assert sum(p.startswith("/api/v1/") for p in paths) > 30


# --- MFA on every office, audit and API route ---------------------------------------------


# The gate is one middleware that answers before the URL is resolved; what the walk over
# the routes proves is that no route is exempt. Each route is asked once with GET and once
# with POST, by different roles in turn, which keeps the walk fast and still sends every
# role through every kind of route.


def _in_turn(clients: list[Client], paths: list[str]) -> Iterator[tuple[str, str, Client]]:
    for index, path in enumerate(paths):
        yield "get", path, clients[index % len(clients)]
        yield "post", path, clients[(index + 1) % len(clients)]


def test_roles_without_mfa_reach_no_office_audit_or_api_page(request):
    clients = []
    for who in ROLES_WITHOUT_MFA:
        clients.append(Client())
        clients[-1].force_login(request.getfixturevalue(who))
    before = _row_counts()

    wrong = []
    for method, path, client in _in_turn(clients, guarded_paths()):
        response = getattr(client, method)(path)
        if path.startswith("/api/"):
            ok = response.status_code == 403 and response.json()["code"] == "mfa_required"
        else:
            ok = response.status_code == 302 and response["Location"] == MFA_SETUP
        if not ok:
            wrong.append(f"{method.upper()} {path}: {response.status_code}")

    assert wrong == []
    assert _row_counts() == before, "a refused request wrote nothing"


def test_tokens_of_roles_without_mfa_get_401_on_every_api_route(request):
    users = [request.getfixturevalue(who) for who in ROLES_WITHOUT_MFA[:2]]
    clients = [
        Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}") for user in users
    ]
    before = _row_counts()

    wrong = []
    for method, path, client in _in_turn(clients, api_paths()):
        response = getattr(client, method)(path)
        if response.status_code != 401 or not response.has_header("WWW-Authenticate"):
            wrong.append(f"{method.upper()} {path}: {response.status_code}")

    assert wrong == []
    assert _row_counts() == before


def test_with_mfa_the_same_roles_get_through(client, office_user, auditor_user):
    client.force_login(office_user)
    assert client.get("/office/certification/").status_code == 200
    client.force_login(auditor_user)
    assert client.get("/audit/").status_code == 200
    token = Token.objects.create(user=auditor_user)
    assert (
        Client().get("/api/v1/audits/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    )


# --- Throttles ------------------------------------------------------------------------------


NEW_PASSWORD = "Tulip-Harbour-Sextant-41"


def _signup(client: Client, email: str, password: str = NEW_PASSWORD) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": email,
            "full_name": "Nora Neu",
            "language": "en",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    client.logout()


def test_verification_mail_is_throttled_per_address(client):
    _signup(client, "new@example.org")
    assert len(mail.outbox) == 1

    for _ in range(3):  # every sign-in attempt of the unverified account asks for a mail
        response = client.post(
            "/accounts/login/", {"login": "new@example.org", "password": NEW_PASSWORD}
        )
        assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1, "one verification mail per address and window"

    cache.clear()  # the window has passed
    client.post("/accounts/login/", {"login": "new@example.org", "password": NEW_PASSWORD})
    assert len(mail.outbox) == 2


def test_resending_the_verification_mail_is_throttled(client, bob):
    client.force_login(bob)
    other = "bob.other@example.org"
    client.post("/accounts/email/", {"action_add": "", "email": other})
    sent = len(mail.outbox)
    assert sent == 1

    for _ in range(3):
        client.post("/accounts/email/", {"action_send": "", "email": other})

    assert len(mail.outbox) == sent


def test_password_reset_mails_to_one_address_are_throttled(client, bob):
    statuses = [
        client.post("/accounts/password/reset/", {"email": bob.email}).status_code for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert len(mail.outbox) == 5


def test_anonymous_api_calls_are_throttled(client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # The rates are read when DRF is imported; a low one shows the throttle is wired in.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": None})
    statuses = [client.get("/api/v1/signees/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# --- API tokens -----------------------------------------------------------------------------


def test_a_revoked_token_gets_401(client, bob):
    client.force_login(bob)
    key = client.post("/accounts/api-token/").context["new_key"]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200

    client.post("/accounts/api-token/", {"action": "revoke"})

    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert api.get("/api/v1/organizations/").status_code == 401


def test_a_deactivated_users_token_gets_401(bob):
    token = Token.objects.create(user=bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def _organization_routes() -> list[str]:
    """API routes that name nothing but an organization: its own data, by slug."""
    return [
        route
        for route, _plain in _routes()
        if route.startswith("api/v1/")
        and [m.group("name") for m in CONVERTER.finditer(route)] == ["org_slug"]
    ]


def test_a_token_carries_only_its_users_rights(alpha, beta, bob, charlie):
    routes = _organization_routes()
    assert len(routes) >= 5
    bobs = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob).key}")
    charlies = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=charlie).key}")

    for route in routes:
        path = "/" + route.replace("<slug:org_slug>", "beta")
        # Some of these routes only take a POST; an empty one is refused by validation.
        method = "get" if charlies.get(path).status_code != 405 else "post"
        assert getattr(charlies, method)(path).status_code != 404, f"{path} answers beta's owner"
        assert getattr(bobs, method)(path).status_code == 404, f"{path} hides beta from bob"
        own = "/" + route.replace("<slug:org_slug>", "alpha")
        assert getattr(bobs, method)(own).status_code != 404, f"{own} answers bob"


def test_a_members_token_finds_no_office_or_audit_api(alpha, bob):
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob).key}")
    for path in api_paths():
        if path.startswith(("/api/v1/office/", "/api/v1/audits/")):
            assert api.get(path).status_code == 404, path


# --- Password reset ---------------------------------------------------------------------------

KEY_LINK = re.compile(r"/accounts/password/reset/key/\S+/")


def _csrf_free(html: str) -> str:
    """The page without its per-session CSRF tokens (form fields and htmx headers)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_password_reset_reads_the_same_for_known_and_unknown_addresses(bob):
    known, unknown = Client(), Client()
    known_answer = known.post("/accounts/password/reset/", {"email": bob.email}, follow=True)
    unknown_answer = unknown.post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True
    )

    assert known_answer.redirect_chain == unknown_answer.redirect_chain
    assert known_answer.status_code == unknown_answer.status_code == 200
    assert _csrf_free(known_answer.content.decode()) == _csrf_free(unknown_answer.content.decode())


def test_only_the_existing_account_gets_a_reset_link(client, bob):
    client.post("/accounts/password/reset/", {"email": bob.email})
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    links = {message.to[0]: bool(KEY_LINK.search(message.body)) for message in mail.outbox}
    # The unknown address may be told that it has no account, never given a link.
    assert links.get(bob.email) is True
    assert links.get("nobody@example.org", False) is False
