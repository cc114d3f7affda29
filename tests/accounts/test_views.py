"""The API token page: create, see once, revoke."""

import pytest
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from cpo_portal.activity.models import ActivityEntry

pytestmark = pytest.mark.django_db


def test_api_token_page_needs_sign_in(client):
    response = client.get("/accounts/api-token/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_api_token_is_shown_once_and_works_until_revoked(client, bob):
    client.force_login(bob)
    assert client.get("/accounts/api-token/").context["has_token"] is False

    created = client.post("/accounts/api-token/")
    key = created.context["new_key"]
    assert created.status_code == 200
    assert key == Token.objects.get(user=bob).key
    assert key in created.content.decode()

    again = client.get("/accounts/api-token/")
    assert again.context["has_token"] is True
    assert key not in again.content.decode()

    api = client.__class__()
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert me.json()["email"] == bob.email

    revoked = client.post("/accounts/api-token/", {"action": "revoke"})
    assert revoked.status_code == 302
    assert not Token.objects.filter(user=bob).exists()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)
    with scopes_disabled():
        verbs = list(ActivityEntry.objects.filter(actor=bob).values_list("verb", flat=True))
    assert sorted(verbs) == ["api_token.created", "api_token.revoked"]


def test_new_api_token_replaces_the_old_one(client, bob):
    client.force_login(bob)
    first = client.post("/accounts/api-token/").context["new_key"]
    second = client.post("/accounts/api-token/").context["new_key"]

    assert first != second
    api = client.__class__()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").status_code in (401, 403)
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 200
