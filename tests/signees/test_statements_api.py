"""The CPO Statement API: an organization's own statement."""

import pytest
from django.urls import reverse

from signees.selectors.statements import statement_progress
from signees.services.statements import (
    statement_answer_save,
    statement_set_link,
    statement_start_draft,
)
from tests.signees.helpers import ANSWERS, criterion, reload

pytestmark = pytest.mark.django_db


def api_url(org):
    return reverse("api:organization-statement", args=[org.slug])


def test_api_gives_members_the_published_statement_and_the_draft_progress(
    client, published, bob, alpha, alice, mini_catalogue
):
    draft = statement_start_draft(signee=published.signee, by=alice)
    statement_answer_save(
        statement=draft,
        criterion=criterion(mini_catalogue, "2.1.3"),
        fulfilment="fulfilled",
        by=alice,
    )
    client.force_login(bob)
    response = client.get(api_url(alpha))
    assert response.status_code == 200
    data = response.json()
    assert data["signed"] is True
    assert data["mandatory"] is True
    assert data["published"]["number"] == 1
    assert data["published"]["catalogue_version"] == "t-1"
    assert [a["criterion"] for a in data["published"]["answers"]] == list(ANSWERS)
    assert data["published"]["public_url"].endswith(f"/signees/{alpha.slug}/statement/")
    assert data["draft"]["number"] == 2
    assert data["draft"]["progress"]["answered"] == 3
    assert data["draft"]["progress"]["total"] == 3
    assert [v["number"] for v in data["versions"]] == [1]


def test_api_for_an_organization_that_has_not_signed(client, beta, charlie):
    client.force_login(charlie)
    data = client.get(api_url(beta)).json()
    assert data["signed"] is False
    assert data["published"] is None
    assert data["draft"] is None


def test_api_outsider_gets_404_and_visitor_is_refused(client, published, alpha, charlie, beta):
    client.force_login(charlie)
    assert client.get(api_url(alpha)).status_code == 404
    client.logout()
    assert client.get(api_url(alpha)).status_code in (401, 403)


def test_api_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/organizations/{org_slug}/statement/" in schema


def test_answers_come_from_the_last_online_version_even_after_a_linked_one(
    published, alice, alpha, publish
):
    linked = statement_start_draft(signee=published.signee, by=alice)
    statement_set_link(statement=linked, url="https://acme.example/statement", by=alice)
    publish(linked, alice)
    third = statement_start_draft(signee=published.signee, by=alice)
    assert third.number == 3
    assert statement_progress(reload(third)).answered == 3
