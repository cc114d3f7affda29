"""Sign-up, sign-in and password reset as configured for allauth in the settings."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from cpo_portal.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "Tulip-Harbour-Sextant-41"


def _signup(client, email="new@example.org", password=STRONG):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "full_name": "Nora Neu",
            "language": "en",
            "password1": password,
            "password2": password,
        },
    )


def test_signup_requires_email_verification(client):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    # not signed in until the address is confirmed
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert message.subject.startswith("[CPO Portal] ")

    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert client.get(confirm.group(1)).status_code == 200  # GET does not confirm
    assert not EmailAddress.objects.get(user=user).verified
    client.post(confirm.group(1))
    assert EmailAddress.objects.get(user=user).verified


def test_unverified_user_cannot_sign_in(client):
    _signup(client)
    client.logout()
    mail.outbox.clear()

    response = client.post("/accounts/login/", {"login": "new@example.org", "password": STRONG})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/dashboard/").status_code == 302
    assert len(mail.outbox) <= 1  # at most a fresh confirmation mail


def test_verified_user_signs_in_with_email_and_password(client, bob):
    response = client.post("/accounts/login/", {"login": "BOB@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "12345678901234", "new@example.org"],
    ids=["too-short", "common", "numeric", "like-the-email"],
)
def test_weak_password_is_refused(client, password):
    response = _signup(client, password=password)

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="new@example.org").exists()
    assert mail.outbox == []


def test_signup_with_a_taken_email_creates_no_second_account(client, bob):
    _signup(client, email="Bob@Example.org")
    assert User.objects.filter(email__iexact="bob@example.org").count() == 1


def test_failed_logins_are_throttled(client, bob):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": bob.email, "password": "wrong-one"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    # Even the right password is refused now.
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()


def test_login_attempts_from_one_ip_are_rate_limited_with_429(client, bob):
    statuses = [
        client.post("/accounts/login/", {"login": f"u{i}@example.org", "password": "x"}).status_code
        for i in range(31)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:30]


def test_password_reset_does_not_reveal_which_addresses_exist(client, bob):
    known = client.post("/accounts/password/reset/", {"email": bob.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    # both addresses get a mail, so the mailbox does not tell either
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, "nobody@example.org"])


def test_password_reset_link_sets_a_new_password(client, bob):
    client.post("/accounts/password/reset/", {"email": bob.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)

    response = client.post(action, {"password1": STRONG, "password2": STRONG})

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(STRONG)
