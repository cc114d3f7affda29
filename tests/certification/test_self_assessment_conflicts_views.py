"""No lost updates in the self-assessment: two admins of Alpha (alice, the owner, and bob, made
an admin) edit the same answer; the one whose save is based on an older version is told, with
both values, and nothing of the other's is overwritten."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from certification.models import SelfAssessmentAnswer
from certification.services.self_assessment import AnswerConflict, self_assessment_answer
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.tenancy.models import Membership, Role
from cpo_portal.tenancy.services import membership_change_role

from .helpers import criteria_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(alpha, alice, bob):
    """bob, now an admin of Alpha: a second person who may answer."""
    with scopes_disabled():
        membership = Membership.objects.get(organization=alpha, user=bob)
    membership_change_role(membership=membership, role=Role.ADMIN, by=alice)
    return bob


@pytest.fixture
def criterion(assigned):
    return criteria_of(assigned)[0]


def save(application, criterion, user, version, status="implemented", explanation="Handbook."):
    return self_assessment_answer(
        application=application,
        criterion_id=criterion.pk,
        status=status,
        explanation=explanation,
        expected_version=version,
        by=user,
    )


def stored(application, criterion):
    with scopes_disabled():
        return SelfAssessmentAnswer.objects.get(application=application, criterion=criterion)


def logged():
    with scopes_disabled():
        return ActivityEntry.objects.filter(verb="certification.answer_saved").count()


# --- the service --------------------------------------------------------------------------


def test_each_save_counts_the_version_up(assigned, alice, criterion):
    first = save(assigned, criterion, alice, 0)
    second = save(assigned, criterion, alice, first.version, status="partially")
    assert (first.version, second.version) == (1, 2)
    assert stored(assigned, criterion).version == 2


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_answer(
    assigned, alice, colleague, criterion
):
    save(assigned, criterion, alice, 0, explanation="Alice's text.")
    # Both open the page at version 1; alice saves first.
    save(assigned, criterion, alice, 1, status="partially", explanation="Alice, later.")
    before = logged()

    with pytest.raises(AnswerConflict) as refused:
        save(assigned, criterion, colleague, 1, status="not_implemented", explanation="Bob's.")

    assert refused.value.code == "stale_version"
    assert "Alice Owner" in refused.value.messages[0]
    current = refused.value.current
    assert (current.status, current.explanation, current.version) == (
        "partially",
        "Alice, later.",
        2,
    )
    answer = stored(assigned, criterion)
    assert (answer.status, answer.explanation, answer.version) == ("partially", "Alice, later.", 2)
    assert answer.updated_by == alice
    assert logged() == before


def test_two_first_answers_at_once_the_second_is_told(assigned, alice, colleague, criterion):
    save(assigned, criterion, alice, 0, explanation="Alice's.")
    with pytest.raises(AnswerConflict):
        save(assigned, criterion, colleague, 0, status="partially", explanation="Bob's.")
    assert stored(assigned, criterion).explanation == "Alice's."


def test_keeping_mine_saves_on_top_of_the_newer_version(assigned, alice, colleague, criterion):
    save(assigned, criterion, alice, 0, explanation="Alice's.")
    saved = save(assigned, criterion, colleague, 1, status="partially", explanation="Bob's.")
    assert (saved.version, saved.updated_by) == (2, colleague)


def test_the_same_values_again_are_no_conflict_and_write_nothing(assigned, alice, criterion):
    save(assigned, criterion, alice, 0, explanation="Same.")
    before = logged()
    again = save(assigned, criterion, alice, 0, explanation="Same.")
    assert again.version == 1
    assert logged() == before


# --- the page -----------------------------------------------------------------------------


def answer_url(alpha, application, criterion):
    return reverse(
        "certification:self_assessment_answer",
        kwargs={"org_slug": alpha.slug, "pk": application.pk, "criterion_id": criterion.pk},
    )


def page_url(alpha, application):
    return reverse(
        "certification:self_assessment", kwargs={"org_slug": alpha.slug, "pk": application.pk}
    )


def form_data(criterion, version, status="implemented", explanation="Handbook.", **extra):
    data = {
        f"c{criterion.pk}-status": status,
        f"c{criterion.pk}-explanation": explanation,
        f"c{criterion.pk}-version": str(version),
    }
    return data | {f"c{criterion.pk}-{key}": value for key, value in extra.items()}


def version_on(html, criterion):
    found = re.search(rf'name="c{criterion.pk}-version" value="(\d+)"', html)
    assert found, "the row carries its version"
    return int(found.group(1))


def test_the_page_and_every_saved_row_carry_the_current_version(
    client, alice, alpha, assigned, criterion
):
    client.force_login(alice)
    assert version_on(client.get(page_url(alpha, assigned)).content.decode(), criterion) == 0
    first = client.post(
        answer_url(alpha, assigned, criterion), form_data(criterion, 0), HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200
    # The version sits in the swapped feedback region: the next autosave is based on it.
    body = first.content.decode().split(f'id="fb-{criterion.pk}-body"', 1)[1]
    assert version_on(body, criterion) == 1
    second = client.post(
        answer_url(alpha, assigned, criterion),
        form_data(criterion, 1, status="partially"),
        HTTP_HX_REQUEST="true",
    )
    assert second.status_code == 200
    assert version_on(second.content.decode(), criterion) == 2
    assert stored(assigned, criterion).status == "partially"


def test_htmx_stale_save_is_409_with_both_values_and_writes_nothing(
    client, alice, colleague, alpha, assigned, criterion
):
    # Both open the page (version 0); alice saves first, then bob saves the same answer.
    alices = Client()
    alices.force_login(alice)
    client.force_login(colleague)
    seen = version_on(client.get(page_url(alpha, assigned)).content.decode(), criterion)
    first = alices.post(
        answer_url(alpha, assigned, criterion),
        form_data(criterion, seen, explanation="Alice's saved text."),
        HTTP_HX_REQUEST="true",
    )
    assert first.status_code == 200

    response = client.post(
        answer_url(alpha, assigned, criterion),
        form_data(criterion, 0, status="partially", explanation="Bob's unsaved text."),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    html = response.content.decode()
    body = html.split(f'id="fb-{criterion.pk}-body"', 1)[1]
    assert "data-autosave-refused" in body
    assert "Bob&#x27;s unsaved text." in body
    assert "Alice&#x27;s saved text." in body
    assert "Saved by Alice Owner" in body
    assert "Partially implemented" in body  # yours, by its label
    assert f'name="c{criterion.pk}-keep_version" value="1"' in body
    assert f'hx-select="#c-{criterion.pk}"' in body  # take the saved one
    assert version_on(body, criterion) == 0  # still based on what bob saw
    answer = stored(assigned, criterion)
    assert (answer.explanation, answer.version, answer.updated_by) == (
        "Alice's saved text.",
        1,
        alice,
    )

    kept = client.post(
        answer_url(alpha, assigned, criterion),
        form_data(
            criterion, 0, status="partially", explanation="Bob's unsaved text.", keep_version=1
        ),
        HTTP_HX_REQUEST="true",
    )
    assert kept.status_code == 200
    answer = stored(assigned, criterion)
    assert (answer.explanation, answer.version, answer.updated_by) == (
        "Bob's unsaved text.",
        2,
        colleague,
    )
    assert version_on(kept.content.decode(), criterion) == 2


def test_stale_save_without_javascript_shows_both_values_on_the_page(
    client, alice, colleague, alpha, assigned, criterion
):
    save(assigned, criterion, alice, 0, explanation="Alice's saved text.")
    client.force_login(colleague)
    response = client.post(
        answer_url(alpha, assigned, criterion),
        form_data(criterion, 0, explanation="Bob's unsaved text."),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html
    assert "Not saved: this answer was changed in the meantime." in html
    assert "Bob&#x27;s unsaved text." in html
    assert "Alice&#x27;s saved text." in html
    assert f'href="{page_url(alpha, assigned)}#c-{criterion.pk}"' in html
    assert stored(assigned, criterion).explanation == "Alice's saved text."


# --- the API ------------------------------------------------------------------------------


def api_url(alpha, application, criterion):
    base = f"/api/v1/organizations/{alpha.slug}/applications/{application.pk}"
    return f"{base}/self-assessment/{criterion.pk}/"


def test_api_stale_save_is_409_with_the_newer_answer(alice, colleague, alpha, assigned, criterion):
    api = APIClient()
    api.force_authenticate(alice)
    first = api.put(
        api_url(alpha, assigned, criterion),
        {"status": "implemented", "explanation": "Alice's.", "version": 0},
        format="json",
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 1

    api.force_authenticate(colleague)
    stale = api.put(
        api_url(alpha, assigned, criterion),
        {"status": "partially", "explanation": "Bob's.", "version": 0},
        format="json",
    )
    assert stale.status_code == 409, stale.content
    assert stale.json()["current"]["explanation"] == "Alice's."
    assert stale.json()["current"]["version"] == 1
    assert stale.json()["current"]["updated_by"] == "Alice Owner"
    assert "@" not in str(stale.json())
    assert stored(assigned, criterion).explanation == "Alice's."

    fresh = api.put(
        api_url(alpha, assigned, criterion),
        {"status": "partially", "explanation": "Bob's.", "version": 1},
        format="json",
    )
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["version"] == 2


def test_api_schema_documents_the_version_and_the_409(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    path = next(p for p in schema["paths"] if p.endswith("/self-assessment/{criterion_id}/"))
    put = schema["paths"][path]["put"]
    assert "409" in put["responses"]
    body = put["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "version" in schema["components"]["schemas"][body]["properties"]
