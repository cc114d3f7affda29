"""No lost updates in the CPO Statement editor: two admins of Alpha (alice, the owner, and
bob, made an admin) answer the same criterion; the one whose save is based on an older version
is told, with both values, and nothing of the other's is overwritten."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.tenancy.models import Membership, Role
from cpo_portal.tenancy.services import membership_change_role
from criteria.models import Criterion
from signees.models import StatementAnswer
from signees.services.statements import (
    StatementAnswerConflict,
    statement_answer_save,
    statement_start_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(alpha, alice, bob):
    """bob, now an admin of Alpha: a second person who may answer."""
    with scopes_disabled():
        membership = Membership.objects.get(organization=alpha, user=bob)
    membership_change_role(membership=membership, role=Role.ADMIN, by=alice)
    return bob


@pytest.fixture
def draft(approved, alice):
    return statement_start_draft(signee=approved, by=alice)


@pytest.fixture
def criterion(mini_catalogue):
    return Criterion.objects.get(version=mini_catalogue, code="2.1.2")


def save(draft, criterion, user, version, fulfilment="partially", explanation="REST only."):
    return statement_answer_save(
        statement=draft,
        criterion=criterion,
        fulfilment=fulfilment,
        explanation=explanation,
        expected_version=version,
        by=user,
    )


def stored(alpha, criterion):
    with scope(organization=alpha):
        return StatementAnswer.objects.select_related("updated_by").get(criterion=criterion)


def logged(alpha):
    with scope(organization=alpha):
        return ActivityEntry.objects.filter(verb="statement.answer_saved").count()


# --- the service --------------------------------------------------------------------------


def test_each_save_counts_the_version_up_and_names_who_saved(draft, alice, alpha, criterion):
    first = save(draft, criterion, alice, 0)
    second = save(draft, criterion, alice, 1, fulfilment="fulfilled", explanation="")
    assert (first.version, second.version) == (1, 2)
    assert (stored(alpha, criterion).version, stored(alpha, criterion).updated_by) == (2, alice)


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_answer(
    draft, alice, colleague, alpha, criterion
):
    save(draft, criterion, alice, 0, explanation="Alice's text.")
    before = logged(alpha)

    with pytest.raises(StatementAnswerConflict) as refused:
        save(draft, criterion, colleague, 0, fulfilment="not_fulfilled", explanation="Bob's.")

    assert refused.value.code == "stale_version"
    assert "Alice Owner" in refused.value.messages[0]
    assert refused.value.current.explanation == "Alice's text."
    answer = stored(alpha, criterion)
    assert (answer.fulfilment, answer.explanation, answer.version) == (
        "partially",
        "Alice's text.",
        1,
    )
    assert logged(alpha) == before


def test_keeping_mine_saves_on_top_of_the_newer_version(draft, alice, colleague, alpha, criterion):
    save(draft, criterion, alice, 0, explanation="Alice's.")
    saved = save(draft, criterion, colleague, 1, explanation="Bob's.")
    assert (saved.version, saved.updated_by) == (2, colleague)


def test_the_same_values_again_are_no_conflict_and_write_nothing(draft, alice, alpha, criterion):
    save(draft, criterion, alice, 0)
    before = logged(alpha)
    assert save(draft, criterion, alice, 0).version == 1
    assert logged(alpha) == before


def test_answers_carried_into_the_next_draft_start_at_version_one(
    draft, alice, alpha, criterion, mini_catalogue, django_capture_on_commit_callbacks
):
    from signees.services.statements import statement_publish

    for code in ("2.1.1", "2.1.2", "2.1.3"):
        c = Criterion.objects.get(version=mini_catalogue, code=code)
        save(draft, c, alice, 0, fulfilment="fulfilled", explanation="")
        save(draft, c, alice, 1, fulfilment="partially", explanation="Now partly.")
    with django_capture_on_commit_callbacks(execute=True):
        statement_publish(statement=draft, by=alice)
    second = statement_start_draft(signee=draft.signee, by=alice)
    with scope(organization=alpha):
        copied = StatementAnswer.objects.get(statement=second, criterion=criterion)
    assert copied.version == 1
    assert save(second, criterion, alice, 1, explanation="Changed.").version == 2


# --- the page -----------------------------------------------------------------------------


def answer_url(alpha, criterion):
    return reverse("signees:statement_answer", args=[alpha.slug, criterion.pk])


def draft_url(alpha):
    return reverse("signees:statement_draft", args=[alpha.slug])


def form_data(criterion, version, fulfilment="partially", explanation="REST only.", **extra):
    data = {
        f"c{criterion.pk}-fulfilment": fulfilment,
        f"c{criterion.pk}-explanation": explanation,
        f"c{criterion.pk}-version": str(version),
    }
    return data | {f"c{criterion.pk}-{key}": value for key, value in extra.items()}


def version_on(html, criterion):
    found = re.search(rf'name="c{criterion.pk}-version" value="(\d+)"', html)
    assert found, "the row carries its version"
    return int(found.group(1))


def test_the_page_and_every_saved_row_carry_the_current_version(
    client, alice, alpha, draft, criterion
):
    client.force_login(alice)
    assert version_on(client.get(draft_url(alpha)).content.decode(), criterion) == 0
    first = client.post(
        answer_url(alpha, criterion), form_data(criterion, 0), HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200
    body = first.content.decode().split(f'id="fb-{criterion.pk}-body"', 1)[1]
    assert version_on(body, criterion) == 1
    second = client.post(
        answer_url(alpha, criterion),
        form_data(criterion, 1, explanation="REST and GraphQL."),
        HTTP_HX_REQUEST="true",
    )
    assert second.status_code == 200
    assert version_on(second.content.decode(), criterion) == 2
    assert stored(alpha, criterion).explanation == "REST and GraphQL."


def test_htmx_stale_save_is_409_with_both_values_and_writes_nothing(
    client, alice, colleague, alpha, draft, criterion
):
    # Both open the editor (version 0); alice saves first, then bob saves the same answer.
    alices = Client()
    alices.force_login(alice)
    client.force_login(colleague)
    seen = version_on(client.get(draft_url(alpha)).content.decode(), criterion)
    first = alices.post(
        answer_url(alpha, criterion),
        form_data(criterion, seen, explanation="Alice's saved text."),
        HTTP_HX_REQUEST="true",
    )
    assert first.status_code == 200

    response = client.post(
        answer_url(alpha, criterion),
        form_data(criterion, seen, fulfilment="not_fulfilled", explanation="Bob's unsaved text."),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    body = response.content.decode().split(f'id="fb-{criterion.pk}-body"', 1)[1]
    assert "data-autosave-refused" in body
    assert "Bob&#x27;s unsaved text." in body
    assert "Alice&#x27;s saved text." in body
    assert "Saved by Alice Owner" in body
    assert "Not fulfilled" in body  # yours, by its label
    assert f'name="c{criterion.pk}-keep_version" value="1"' in body
    assert f'hx-select="#c-{criterion.pk}"' in body  # take the saved one
    assert version_on(body, criterion) == seen
    answer = stored(alpha, criterion)
    assert (answer.explanation, answer.version, answer.updated_by) == (
        "Alice's saved text.",
        1,
        alice,
    )

    kept = client.post(
        answer_url(alpha, criterion),
        form_data(
            criterion,
            seen,
            fulfilment="not_fulfilled",
            explanation="Bob's unsaved text.",
            keep_version=1,
        ),
        HTTP_HX_REQUEST="true",
    )
    assert kept.status_code == 200
    answer = stored(alpha, criterion)
    assert (answer.explanation, answer.version, answer.updated_by) == (
        "Bob's unsaved text.",
        2,
        colleague,
    )
    assert version_on(kept.content.decode(), criterion) == 2


def test_stale_save_without_javascript_shows_both_values_on_the_page(
    client, alice, colleague, alpha, draft, criterion
):
    save(draft, criterion, alice, 0, explanation="Alice's saved text.")
    client.force_login(colleague)
    response = client.post(
        answer_url(alpha, criterion), form_data(criterion, 0, explanation="Bob's unsaved text.")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html
    assert "Not saved: this answer was changed in the meantime." in html
    assert "Bob&#x27;s unsaved text." in html
    assert "Alice&#x27;s saved text." in html
    assert f'href="{draft_url(alpha)}#c-{criterion.pk}"' in html
    assert stored(alpha, criterion).explanation == "Alice's saved text."
