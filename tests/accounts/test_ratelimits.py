"""Failed sign-ins are limited per address and account, and (more loosely) per address,
counted by the real client address behind the portal's proxies: one visitor's failures
never lock another visitor, or an account's owner, out."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
PROXY = "10.0.0.1"


def _login(client, email, password, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _via_proxy(address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


def test_a_strangers_failed_logins_do_not_lock_the_owner_out(client, django_user_model, bob):
    stranger = client.__class__()
    for _ in range(6):
        response = _login(stranger, bob.email, "guessing", REMOTE_ADDR="198.51.100.66")
    assert LOCKED in response.content.decode()
    # The stranger is stopped, even with the right password now...
    _login(stranger, bob.email, PASSWORD, REMOTE_ADDR="198.51.100.66")
    assert not _signed_in(stranger)

    # ...while bob, elsewhere, signs in.
    response = _login(client, bob.email, PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    assert _signed_in(client)


def test_behind_the_proxy_one_visitors_failures_do_not_lock_out_the_others(client, settings, bob):
    settings.TRUSTED_PROXY_COUNT = 1
    careless = client.__class__()
    for n in range(21):  # past the per-address limit
        response = _login(careless, f"typo{n}@example.org", "wrong", **_via_proxy("198.51.100.1"))
    assert LOCKED in response.content.decode()

    response = _login(client, bob.email, PASSWORD, **_via_proxy("198.51.100.2"))

    assert response.status_code == 302
    assert _signed_in(client)


def test_one_address_trying_many_accounts_is_stopped(client, make_user):
    statuses = []
    for n in range(21):
        response = _login(client, f"user{n}@example.org", "wrong", REMOTE_ADDR="198.51.100.9")
        statuses.append(LOCKED in response.content.decode())

    assert statuses[:20] == [False] * 20
    assert statuses[20] is True
    other = client.__class__()
    assert LOCKED not in _login(other, "user0@example.org", "wrong").content.decode()


def test_the_owners_own_failures_still_lock_their_account_at_that_address(client, bob):
    for _ in range(5):
        _login(client, bob.email, "wrong-one")

    response = _login(client, bob.email, PASSWORD)

    assert not _signed_in(client)
    assert LOCKED in response.content.decode()
