"""API tokens end with the password, expire, and need a recent second factor to be made by
those who must have one (staff, the CPO office, auditors)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from cpo_portal.accounts.services.profile import api_token_create
from cpo_portal.activity.models import ActivityEntry
from tests.factories import PASSWORD
from tests.integration.browser import totp_code, with_totp

pytestmark = pytest.mark.django_db

STRONG = "Tulip-Harbour-Sextant-41"
PAGE = "/accounts/api-token/"


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def _works(key: str) -> bool:
    return _api(key).get("/api/v1/me/").status_code == 200


def _revocations(user) -> list[dict]:
    with scopes_disabled():
        return list(
            ActivityEntry.objects.filter(verb="api_token.revoked", target_id=str(user.pk))
            .order_by("pk")
            .values_list("data", flat=True)
        )


# --- The password changes: the token ends ---------------------------------------------------


def test_changing_the_password_revokes_the_token(client, bob):
    key = api_token_create(user=bob).key
    client.force_login(bob)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": STRONG, "password2": STRONG},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=bob).exists()
    assert not _works(key)
    assert _revocations(bob)[-1] == {"reason": "password_changed"}


def test_a_refused_password_change_keeps_the_token(client, bob):
    key = api_token_create(user=bob).key
    client.force_login(bob)

    client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": STRONG, "password2": STRONG},
    )

    assert _works(key)


def test_resetting_the_password_revokes_the_token(client, bob, mailoutbox):
    key = api_token_create(user=bob).key
    client.post("/accounts/password/reset/", {"email": bob.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)

    response = client.post(action, {"password1": STRONG, "password2": STRONG})

    assert response.status_code == 302
    assert not _works(key)
    assert _revocations(bob)[-1] == {"reason": "password_reset"}


def test_setting_a_password_revokes_the_token(client, bob):
    bob.set_unusable_password()
    bob.save()
    key = api_token_create(user=bob).key
    client.force_login(bob)

    response = client.post("/accounts/password/set/", {"password1": STRONG, "password2": STRONG})

    assert response.status_code == 302
    assert not _works(key)
    assert _revocations(bob)[-1] == {"reason": "password_set"}


def test_the_admin_setting_a_password_revokes_the_token(client, make_user, activate_totp, bob):
    admin = activate_totp(make_user(email="root@example.org", is_staff=True, is_superuser=True))
    key = api_token_create(user=bob).key
    client.force_login(admin)

    response = client.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    bob.refresh_from_db()
    assert bob.check_password(STRONG)
    assert not _works(key)
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="api_token.revoked").get()
    assert (entry.actor, entry.data) == (admin, {"reason": "password_changed"})


def test_a_refused_admin_password_change_keeps_the_token(client, make_user, activate_totp, bob):
    admin = activate_totp(make_user(email="root@example.org", is_staff=True, is_superuser=True))
    key = api_token_create(user=bob).key
    client.force_login(admin)

    response = client.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": STRONG, "password2": "different", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert _works(key)


# --- Expiry ---------------------------------------------------------------------------------


def _age(token: Token, days: int) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days))


def test_a_token_older_than_the_maximum_age_gets_401_with_the_reason(settings, bob):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    token = api_token_create(user=bob)
    _age(token, 89)
    assert _works(token.key)

    _age(token, 91)
    response = _api(token.key).get("/api/v1/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "expired" in response.json()["detail"]


def test_no_maximum_age_means_no_expiry(settings, bob):
    settings.API_TOKEN_MAX_AGE_DAYS = 0
    token = api_token_create(user=bob)
    _age(token, 3650)

    assert _works(token.key)


def test_the_token_page_shows_when_the_token_expires(client, settings, bob):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    client.force_login(bob)

    created = client.post(PAGE, {"action": "create"})
    token = Token.objects.get(user=bob)
    # The page shows the time in the portal's time zone (its date differs near midnight).
    expires = timezone.localtime(token.created + timedelta(days=30)).date().isoformat()
    assert f'datetime="{expires}' in created.content.decode()
    assert f'datetime="{expires}' in client.get(PAGE).content.decode()

    _age(token, 31)
    page = client.get(PAGE).content.decode()
    assert "expired" in page


# --- A recent second factor for those who must have one -------------------------------------


@pytest.fixture
def auditor(auditor_user_without_mfa):
    return with_totp(auditor_user_without_mfa)


def test_an_auditor_is_asked_for_the_second_factor_before_a_token_is_made(client, auditor):
    user, secret = auditor
    client.force_login(user)  # signed in long ago, as far as the session knows

    response = client.post(PAGE, {"action": "create"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert not Token.objects.filter(user=user).exists()

    done = client.post(response["Location"], {"code": totp_code(secret)})

    assert done.status_code == 200
    token = Token.objects.get(user=user)
    assert done.context["new_key"] == token.key
    assert token.key in done.content.decode()


def test_a_wrong_code_makes_no_token(client, auditor):
    user, _secret = auditor
    client.force_login(user)
    location = client.post(PAGE, {"action": "create"})["Location"]

    client.post(location, {"code": "000000"})

    assert not Token.objects.filter(user=user).exists()


def test_a_second_factor_given_at_sign_in_minutes_ago_is_recent_enough(client, auditor):
    user, secret = auditor
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert "_auth_user_id" in client.session

    response = client.post(PAGE, {"action": "create"})

    assert response.status_code == 200
    assert response.context["new_key"] == Token.objects.get(user=user).key


def test_an_old_second_factor_is_not_recent(client, auditor):
    from allauth.account import app_settings as account_settings

    user, secret = auditor
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= account_settings.REAUTHENTICATION_TIMEOUT + 1
    session.save()

    response = client.post(PAGE, {"action": "create"})

    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()


def test_revoking_needs_no_second_factor(client, auditor):
    user, _secret = auditor
    api_token_create(user=user)
    client.force_login(user)

    client.post(PAGE, {"action": "revoke"})

    assert not Token.objects.filter(user=user).exists()


def test_a_member_without_a_required_second_factor_creates_at_once(client, bob):
    client.force_login(bob)

    response = client.post(PAGE, {"action": "create"})

    assert response.status_code == 200
    assert response.context["new_key"] == Token.objects.get(user=bob).key
