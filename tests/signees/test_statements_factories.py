"""StatementFactory writes what the statement services write: each state against them.

At one frozen instant the services build Alpha's statement, its rows are read and deleted,
and the factory builds it again; every column of the statement, its answers and its PDF's
document row must match (ids aside). The activity log is the services' alone.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document
from signees.models import Statement, StatementAnswer
from signees.services.statements import statement_publish, statement_start_draft

from .factories import StatementFactory
from .helpers import ANSWERS, answer_all

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
IDS = {"id", "statement_id", "owner_id"}
EVERY_ONE_FULFILLED = dict.fromkeys(ANSWERS, ("fulfilled", "", ""))


def _columns(row):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }


def _state(signee):
    with scopes_disabled():
        return {
            "statements": [
                _columns(s) for s in Statement.objects.filter(signee=signee).order_by("number")
            ],
            "answers": [
                _columns(a)
                for a in StatementAnswer.objects.filter(statement__signee=signee).order_by(
                    "criterion__position"
                )
            ],
            "documents": [
                _columns(d)
                for d in Document.objects.filter(
                    organization=signee.organization, kind="cpo_statement"
                )
            ],
        }


def _forget(signee):
    with scopes_disabled():
        Document.objects.filter(organization=signee.organization, kind="cpo_statement").delete()
        Statement.objects.filter(signee=signee).delete()


def test_a_draft_is_what_statement_start_draft_leaves(approved, alice):
    with time_machine.travel(INSTANT, tick=False):
        statement_start_draft(signee=approved, by=alice)
        expected = _state(approved)
        _forget(approved)
        StatementFactory(signee=approved)
        built = _state(approved)

    assert built == expected
    assert built["statements"][0]["status"] == "draft"
    assert built["answers"] == []


@pytest.mark.parametrize(
    ("answers", "given"),
    [(ANSWERS, {"answers": ANSWERS}), (EVERY_ONE_FULFILLED, {})],
    ids=["the answers given", "every one fulfilled by default"],
)
def test_published_is_what_answering_and_statement_publish_leave(approved, alice, answers, given):
    with time_machine.travel(INSTANT, tick=False):
        draft = statement_start_draft(signee=approved, by=alice)
        answer_all(draft, alice, answers)
        statement_publish(statement=draft, by=alice)  # the PDF is rendered after the commit
        expected = _state(approved)
        _forget(approved)
        StatementFactory(
            published=True, signee=approved, published_by=alice, answers__by=alice, **given
        )
        built = _state(approved)

    assert built == expected
    assert built["statements"][0]["status"] == "published"
    assert len(built["answers"]) == 3
    assert [d["status"] for d in built["documents"]] == ["pending"]


def test_the_signee_is_approved_unless_given(mini_catalogue):
    statement = StatementFactory(published=True)
    assert statement.signee.status == "approved"
    assert statement.catalogue_version == mini_catalogue
    assert statement.number == 1
    assert StatementFactory(signee=statement.signee).number == 2
