"""The floor's REST API: who am I, my organizations, their members; schema and docs."""

import re

import pytest
import yaml
from rest_framework.test import APIClient

from cpo_portal.tenancy.services import organization_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.parametrize(
    "path", ["/api/v1/me/", "/api/v1/organizations/", "/api/v1/organizations/alpha/members/"]
)
def test_anonymous_is_refused(api, alpha, path):
    response = api.get(path)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_me_describes_the_caller(api, bob):
    api.force_authenticate(bob)
    assert api.get("/api/v1/me/").json() == {
        "email": "bob@example.org",
        "name": "Bob Member",
        "is_office": False,
        "is_auditor": False,
    }


def test_organizations_lists_only_own_organizations_paginated(api, alpha, beta, bob):
    api.force_authenticate(bob)
    body = api.get("/api/v1/organizations/").json()
    assert body["count"] == 1
    assert body["next"] is None
    assert [o["slug"] for o in body["results"]] == ["alpha"]
    assert body["results"][0]["country"] == "DE"


def test_organizations_pagination_links(api, alice, alpha):
    for i in range(3):
        organization_create(by=alice, legal_name=f"Extra {i}", country="DE")
    api.force_authenticate(alice)
    body = api.get("/api/v1/organizations/?page_size=2").json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]


def test_members_for_a_member(api, alpha, bob):
    api.force_authenticate(bob)
    response = api.get("/api/v1/organizations/alpha/members/")
    assert response.status_code == 200
    assert {(m["email"], m["role"]) for m in response.json()["results"]} == {
        ("alice@example.org", "owner"),
        ("bob@example.org", "member"),
    }


@pytest.mark.parametrize("slug", ["alpha", "no-such-org"])
def test_members_is_404_for_outsiders_and_unknown_organizations(api, alpha, beta, charlie, slug):
    api.force_authenticate(charlie)
    assert api.get(f"/api/v1/organizations/{slug}/members/").status_code == 404


def test_members_query_count_does_not_grow(api, alpha, bob, django_assert_max_num_queries):
    api.force_authenticate(bob)
    with django_assert_max_num_queries(10) as few:
        api.get("/api/v1/organizations/alpha/members/")
    for _ in range(30):
        MembershipFactory(organization=alpha)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get("/api/v1/organizations/alpha/members/")
    assert response.json()["count"] == 32


def test_token_authentication(api, bob):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=bob)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").json()["email"] == bob.email


def test_a_bad_token_gets_401_with_a_challenge(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_office_token_without_mfa_is_refused(api, office_user_without_mfa, activate_totp):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=office_user_without_mfa)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 401
    activate_totp(office_user_without_mfa)
    assert api.get("/api/v1/me/").json()["is_office"] is True


def test_write_methods_are_not_allowed(api, alpha, alice):
    api.force_authenticate(alice)
    assert api.post("/api/v1/organizations/", {"legal_name": "X"}).status_code == 405
    assert api.delete("/api/v1/organizations/alpha/members/").status_code == 405


def test_schema_is_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "/api/v1/organizations/{org_slug}/members/" in schema["paths"]


def test_schema_as_json(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_api_docs_load_no_external_scripts(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html)
    assert sources, "the docs page references its assets"
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "cdn" not in html.lower()
    from django.contrib.staticfiles import finders

    for asset in sources:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset
