"""The profile page (name, language), the one-time request for a missing name, and the
language of the pages following the person's preference."""

import re

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _lang(response):
    return re.search(r'<html lang="([\w-]+)"', response.content.decode()).group(1)


@pytest.fixture
def nameless(make_user):
    return make_user(email="nameless@example.org", full_name="")


# --- The profile page ---------------------------------------------------------------------


def test_profile_page_needs_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_is_linked_from_the_account_menu(client, bob):
    client.force_login(bob)
    page = client.get("/accounts/api-token/").content.decode()
    assert f'href="{PROFILE}"' in page


def test_profile_shows_the_name_and_language(client, bob):
    client.force_login(bob)
    response = client.get(PROFILE)
    page = response.content.decode()

    assert response.status_code == 200
    assert 'value="Bob Member"' in page
    assert re.search(r'<option value="en"[^>]*selected', page)


def test_user_changes_name_and_language(client, bob):
    client.force_login(bob)

    response = client.post(PROFILE, {"full_name": " Robert Member ", "language": "de"})

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    bob.refresh_from_db()
    assert (bob.full_name, bob.language) == ("Robert Member", "de")
    # The pages follow at once.
    assert response.cookies[COOKIE].value == "de"
    assert _lang(client.get(PROFILE)) == "de"
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="profile.updated")
    assert entry.actor == bob
    assert entry.data == {
        "before": {"full_name": "Bob Member", "language": "en"},
        "after": {"full_name": "Robert Member", "language": "de"},
    }


def test_profile_refuses_an_empty_name_and_an_unknown_language(client, bob):
    client.force_login(bob)

    response = client.post(PROFILE, {"full_name": "  ", "language": "xx"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "language"}
    bob.refresh_from_db()
    assert (bob.full_name, bob.language) == ("Bob Member", "en")


def test_saving_an_unchanged_profile_records_nothing(bob):
    from cpo_portal.accounts.services.profile import profile_update

    profile_update(user=bob, full_name="Bob Member", language="en")
    with scopes_disabled():
        assert not ActivityEntry.objects.filter(verb="profile.updated").exists()


def test_profile_update_refuses_an_unknown_language(bob):
    from django.core.exceptions import ValidationError

    from cpo_portal.accounts.services.profile import profile_update

    with pytest.raises(ValidationError):
        profile_update(user=bob, full_name="Bob", language="xx")
    bob.refresh_from_db()
    assert bob.full_name == "Bob Member"


# --- A user without a name is asked once ------------------------------------------------------


def test_user_without_a_name_is_asked_for_it_once_and_then_goes_on(client, nameless):
    client.force_login(nameless)

    asked = client.get("/dashboard/?tab=mine")
    assert asked.status_code == 302
    assert asked["Location"] == f"{PROFILE}?next=/dashboard/%3Ftab%3Dmine"

    form = client.get(asked["Location"])
    assert form.status_code == 200
    assert "Please tell us your name" in form.content.decode()

    saved = client.post(asked["Location"], {"full_name": "Nadia Named", "language": "en"})
    assert saved.status_code == 302
    assert saved["Location"] == "/dashboard/?tab=mine"
    nameless.refresh_from_db()
    assert nameless.full_name == "Nadia Named"
    assert client.get("/dashboard/").status_code == 200


def test_the_name_request_never_sends_elsewhere(client, nameless):
    client.force_login(nameless)
    response = client.post(
        f"{PROFILE}?next=https://evil.example/", {"full_name": "Nadia", "language": "en"}
    )
    assert response["Location"] == PROFILE


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/v1/me/", "/accounts/2fa/", "/static/css/portal.css", "/accounts/email/"],
)
def test_the_name_request_does_not_block_api_static_mfa_and_account_pages(client, nameless, path):
    client.force_login(nameless)
    response = client.get(path)
    assert not (response.status_code == 302 and response["Location"].startswith(PROFILE))


def test_the_name_request_lets_a_user_sign_out(client, nameless):
    client.force_login(nameless)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_name_request_never_swallows_a_form_being_sent(client, alpha, nameless):
    # A POST redirected to the profile page would lose what was typed: only page views ask.
    client.force_login(nameless)
    response = client.post("/o/", {"legal_name": "Gamma", "country": "DE"})
    assert not response.get("Location", "").startswith(PROFILE)


def test_mfa_setup_comes_before_the_name(client, office_user_without_mfa):
    office_user_without_mfa.full_name = ""
    office_user_without_mfa.save(update_fields=["full_name"])
    client.force_login(office_user_without_mfa)

    assert client.get("/dashboard/")["Location"] == "/accounts/2fa/totp/activate/"
    setup = client.get("/accounts/2fa/totp/activate/")
    assert not setup.get("Location", "").startswith(PROFILE)


# --- The language of the pages ------------------------------------------------------------


def test_after_sign_in_the_pages_are_in_the_users_language(client, bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    client.cookies[COOKIE] = "en"  # what the visitor had chosen before signing in

    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "de"
    assert _lang(client.get("/dashboard/")) == "de"


def test_the_language_switcher_still_works_after_sign_in(client, bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})

    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})

    assert _lang(client.get("/dashboard/")) == "en"
    bob.refresh_from_db()
    assert bob.language == "de"  # the preference (and the mails) stay until changed


def test_a_signed_in_user_without_a_language_cookie_gets_their_language(client, bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    client.force_login(bob)

    assert _lang(client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")) == "de"


def test_visitors_still_get_the_language_of_their_browser(client):
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="de")) == "de"


def test_the_signed_in_message_speaks_the_users_language_and_names_them(client, bob, nameless):
    """allauth's "Successfully signed in as …" came in the browser's language, and as
    "Anonymous member" for a person without a name."""
    bob.language = "de"
    bob.save(update_fields=["language"])
    client.cookies[COOKIE] = "en"
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    page = client.get("/dashboard/").content.decode()
    assert f"Erfolgreich als {bob.full_name} angemeldet." in page
    assert "Successfully signed in" not in page

    client.logout()
    client.cookies[COOKIE] = "en"
    client.post("/accounts/login/", {"login": nameless.email, "password": PASSWORD})
    page = client.get(PROFILE).content.decode()
    assert f"Successfully signed in as {nameless.email}" in page
    assert "Anonymous member" not in page
