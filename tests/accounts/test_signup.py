"""Sign-up asks for the person's name and language; allauth's own mails speak that language."""

import re

import pytest
from django.core import mail

from cpo_portal.accounts.models import User

pytestmark = pytest.mark.django_db

STRONG = "Tulip-Harbour-Sextant-41"


def _signup(client, **fields):
    data = {
        "email": "new@example.org",
        "full_name": "Nora Neu",
        "language": "en",
        "password1": STRONG,
        "password2": STRONG,
        **fields,
    }
    return client.post("/accounts/signup/", data)


def test_signup_form_asks_for_name_and_language(client):
    page = client.get("/accounts/signup/").content.decode()

    assert re.search(r'<input[^>]*name="full_name"[^>]*required', page)
    # (The footer's language switcher has a select of the same name: look for the form's.)
    language = re.search(r'<select[^>]*id="id_language".*?</select>', page, re.S)
    assert language, page
    assert re.findall(r'<option value="(\w+)"', language.group(0)) == ["en", "de"]
    # Labelled, so the form reads in a screen reader.
    assert 'for="id_full_name"' in page
    assert 'for="id_language"' in page


def test_signup_language_defaults_to_the_language_of_the_page(client):
    client.cookies["django_language"] = "de"
    page = client.get("/accounts/signup/").content.decode()
    language = re.search(r'<select[^>]*id="id_language".*?</select>', page, re.S)
    assert language, page
    assert re.search(r'<option value="de"[^>]*selected', language.group(0))


def test_signup_stores_name_and_language(client):
    response = _signup(client, full_name="  Nora Neu ", language="de")

    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.full_name == "Nora Neu"
    assert user.language == "de"


def test_signup_without_a_name_is_refused(client):
    response = _signup(client, full_name="   ")

    assert response.status_code == 200
    assert response.context["form"].errors["full_name"]
    assert not User.objects.filter(email="new@example.org").exists()


def test_signup_with_an_unknown_language_is_refused(client):
    response = _signup(client, language="xx")

    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not User.objects.filter(email="new@example.org").exists()


def test_confirmation_mail_is_in_the_language_chosen_at_signup(client):
    # The page is English, the person chose German: the mail follows the person.
    _signup(client, language="de")

    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert message.subject == "[CPO Portal] Bitte bestätigen Sie Ihre E-Mail-Adresse"


def test_password_reset_mail_is_in_the_users_language(client, bob):
    bob.language = "de"
    bob.save(update_fields=["language"])

    client.post("/accounts/password/reset/", {"email": bob.email})

    [message] = mail.outbox
    assert message.to == [bob.email]
    assert "Passwort" in message.subject, message.subject


def test_allauth_mails_name_the_portal_not_the_host(client, settings):
    """They greeted "Hello from 127.0.0.1:8102!" (the request's host, no sites framework)."""
    settings.SITE_URL = "http://127.0.0.1:8102"
    _signup(client)

    [message] = mail.outbox
    assert "Hello from CPO Portal!" in message.body
    assert "Hello from testserver" not in message.body and "from 127.0.0.1" not in message.body
