"""The page cache of public pages (cpo_portal/pagecache.py), on the pages it serves most."""

import pytest
from django.test import Client

from signees.services.signing import signee_approve
from tests.signees.helpers import sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


def test_a_visitors_repeated_request_is_served_without_a_query(
    client, approved, django_assert_num_queries
):
    first = client.get("/signees/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get("/signees/")
    assert again.status_code == 200
    assert again.content == first.content
    assert "public" in again["Cache-Control"]
    assert "Cookie" in again["Vary"] and "Accept-Language" in again["Vary"]
    assert "Content-Security-Policy" in again


def test_a_change_through_a_service_shows_on_the_next_request(
    client, approved, beta, charlie, office_user
):
    assert b"Beta" not in client.get("/signees/").content
    signee = sign(beta, charlie, group="it_customer").signee
    signee_approve(signee=signee, by=office_user)

    assert b"Beta" in client.get("/signees/").content


def test_each_page_and_query_is_its_own_entry(client, approved):
    assert b"Alpha" in client.get("/signees/").content
    assert b"Alpha" not in client.get("/signees/?q=nothing-like-it").content
    assert client.get(f"/signees/{approved.organization.slug}/").status_code == 200


def test_languages_are_kept_apart(client, approved):
    english = client.get("/signees/", HTTP_ACCEPT_LANGUAGE="en").content
    german = client.get("/signees/", HTTP_ACCEPT_LANGUAGE="de").content
    assert english != german
    assert client.get("/signees/", HTTP_ACCEPT_LANGUAGE="de").content == german


def test_signed_in_users_get_their_own_page(client, approved, alice):
    Client().get("/signees/")  # a visitor fills the cache
    client.force_login(alice)
    page = client.get("/signees/")
    assert alice.email.encode() in page.content
    assert "public" not in page.get("Cache-Control", "")


def test_a_visitors_page_holds_no_csrf_token_and_sets_no_cookie(client, approved):
    page = client.get("/signees/")
    assert b"csrfmiddlewaretoken" not in page.content
    assert b"X-CSRFToken" not in page.content
    assert not page.cookies


def test_the_language_can_be_changed_without_a_token(approved):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/i18n/setlang/", {"language": "de", "next": "/signees/"})
    assert response.status_code == 302
    assert "Unterzeichner" in browser.get("/signees/").content.decode()


def test_not_found_and_streamed_exports_are_not_stored(client, approved):
    assert client.get("/signees/no-such-company/").status_code == 404
    assert client.get("/signees/no-such-company/").status_code == 404
    export = client.get("/signees.csv")
    assert export.streaming
    assert client.get("/signees.csv").streaming


def test_the_public_api_list_is_cached_and_credentials_bypass_it(
    client, approved, django_assert_num_queries, django_assert_max_num_queries
):
    first = client.get("/api/v1/signees/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/api/v1/signees/").content == first.content
    # A request with credentials is answered by the API itself (here: refused).
    refused = client.get("/api/v1/signees/", HTTP_AUTHORIZATION="Token not-a-token")
    assert refused.status_code == 401
