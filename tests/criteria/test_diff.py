"""The difference between two catalogue versions, criterion by criterion."""

from collections.abc import Callable
from typing import Any

import pytest

from criteria.diff import WordDiff, catalogue_diff, word_diff
from criteria.models import CatalogueVersion
from criteria.services.catalogue import catalogue_create_draft, catalogue_import, criterion_save
from tests.criteria.factories import build_version
from tests.criteria.helpers import two_category_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office_user_without_mfa):
    return office_user_without_mfa


@pytest.fixture
def old(office) -> CatalogueVersion:
    version, _outcome = catalogue_import(
        data=two_category_payload("old-1"), by=office, publish=True
    )
    return version


@pytest.fixture
def successor(office) -> Callable[[Callable[[dict[str, Any]], None]], CatalogueVersion]:
    """Import "new-1": the old payload changed by `mutate`."""

    def make(mutate: Callable[[dict[str, Any]], None]) -> CatalogueVersion:
        payload = two_category_payload("new-1")
        mutate(payload)
        version, _outcome = catalogue_import(data=payload, by=office)
        return version

    return make


def criterion(payload: dict[str, Any], code: str) -> dict[str, Any]:
    return next(
        c for category in payload["categories"] for c in category["criteria"] if c["code"] == code
    )


def old_text(diff: WordDiff) -> str:
    return "".join(text for op, text in diff.runs if op != "insert")


def new_text(diff: WordDiff) -> str:
    return "".join(text for op, text in diff.runs if op != "delete")


# --- Word-level runs ---------------------------------------------------------------------

SENTENCE_PAIRS = [
    ("The vendor documents interfaces.", "The vendor documents all interfaces."),
    (
        "Offered interfaces are documented.",
        "Offered interfaces are documented understandably and maintained regularly.",
    ),
    ("Customers can export all data.", "Customers can export data."),
    ("The vendor shall provide X.", "The service provider should provide Y, Z."),
    ("Identical text.", "Identical text."),
    ("", "A completely new text."),
    ("An old text that is gone.", ""),
    ("Schnittstellen sind dokumentiert.", "Schnittstellen sind verständlich dokumentiert."),
    ("a  b\tc\nd", "a b c d"),
    ("(2.4.1) Interfaces; see §3 — also 2.4.2!", "(2.4.1) Interfaces: see §4 – also 2.4.3?"),
    ("word " * 50, "word " * 49 + "sentence "),
    ("One. Two. Three.", "Three. Two. One."),
]


@pytest.mark.parametrize(("old", "new"), SENTENCE_PAIRS)
def test_word_diff_runs_reconstruct_the_old_and_the_new_text_exactly(old, new):
    diff = word_diff(old, new)

    assert old_text(diff) == old
    assert new_text(diff) == new
    assert all(op in ("equal", "insert", "delete") for op, _text in diff.runs)
    assert all(text for _op, text in diff.runs)  # no empty runs


def test_word_diff_marks_only_the_inserted_word():
    diff = word_diff("The vendor documents interfaces.", "The vendor documents all interfaces.")

    assert diff.runs == [
        ("equal", "The vendor documents "),
        ("insert", "all "),
        ("equal", "interfaces."),
    ]


def test_word_diff_replaces_whole_words_not_letters():
    diff = word_diff("The vendor shall comply.", "The vendor should comply.")

    assert ("delete", "shall") in diff.runs
    assert ("insert", "should") in diff.runs


def test_word_diff_of_identical_texts_is_one_equal_run():
    assert word_diff("Same words.", "Same words.").runs == [("equal", "Same words.")]


# --- Catalogue diff ----------------------------------------------------------------------


def test_identical_versions_have_no_changes(old, office):
    clone = catalogue_create_draft(source=old, code="same-1", by=office)

    diff = catalogue_diff(old, clone)

    assert (diff.added, diff.removed, diff.changed) == ([], [], [])
    assert diff.unchanged == 4
    assert diff.summary() == {
        "added": 0,
        "removed": 0,
        "changed": 0,
        "reworded": 0,
        "obligation_changed": 0,
        "unchanged": 4,
    }


def test_added_and_removed_criteria_are_listed_by_code(old, successor):
    def mutate(payload):
        interfaces = payload["categories"][1]["criteria"]
        removed = interfaces.pop()  # 2.4.2
        interfaces.append({**removed, "code": "2.4.3"})
        payload["categories"][0]["criteria"].append({**removed, "code": "2.1.3"})

    new = successor(mutate)

    diff = catalogue_diff(old, new)

    assert [c.code for c in diff.added] == ["2.1.3", "2.4.3"]  # in display order
    assert [c.code for c in diff.removed] == ["2.4.2"]
    assert diff.added[0].version == new
    assert diff.removed[0].version == old
    assert diff.changed == []
    assert diff.unchanged == 3


def test_diff_in_the_other_direction_swaps_added_and_removed(old, successor):
    new = successor(lambda p: p["categories"][1]["criteria"].pop())

    forward, backward = catalogue_diff(old, new), catalogue_diff(new, old)

    assert [c.code for c in forward.removed] == [c.code for c in backward.added] == ["2.4.2"]
    assert forward.added == backward.removed == []


def test_reworded_criterion_has_word_runs_per_field_and_language(old, successor):
    def mutate(payload):
        criterion(payload, "2.1.1")["text"]["en"] = (
            "The system exports all its data in an open, neutral format."
        )
        criterion(payload, "2.4.1")["title"]["de"] = "Gut dokumentierte Schnittstellen"

    new = successor(mutate)

    diff = catalogue_diff(old, new)

    by_code = {c.code: c for c in diff.changed}
    assert set(by_code) == {"2.1.1", "2.4.1"}
    text_change = by_code["2.1.1"]
    assert text_change.reworded
    assert not (
        text_change.obligation_changed
        or text_change.category_changed
        or text_change.applies_to_changed
    )
    assert set(text_change.texts) == {"text"}
    assert set(text_change.texts["text"]) == {"en"}
    runs = text_change.texts["text"]["en"]
    assert old_text(runs) == text_change.old.text_en
    assert new_text(runs) == "The system exports all its data in an open, neutral format."
    inserted = [text.strip() for op, text in runs.runs if op == "insert"]
    assert "all" in inserted
    assert set(by_code["2.4.1"].texts) == {"title"}
    assert set(by_code["2.4.1"].texts["title"]) == {"de"}


def test_obligation_change_is_flagged(old, successor):
    def mutate(payload):
        criterion(payload, "2.1.2")["obligation"] = "shall"

    diff = catalogue_diff(old, successor(mutate))

    [change] = diff.changed
    assert change.code == "2.1.2"
    assert change.obligation_changed
    assert (change.old.obligation, change.new.obligation) == ("should", "shall")
    assert not change.reworded
    assert diff.obligation_changes == [change]


def test_category_move_is_flagged(old, successor):
    def mutate(payload):
        moved = payload["categories"][0]["criteria"].pop()  # 2.1.2
        payload["categories"][1]["criteria"].append(moved)

    diff = catalogue_diff(old, successor(mutate))

    [change] = diff.changed
    assert change.code == "2.1.2"
    assert change.category_changed
    assert (change.old.category.number, change.new.category.number) == ("2.1", "2.4")
    assert not (change.obligation_changed or change.reworded or change.applies_to_changed)


def test_applies_to_change_is_flagged(old, successor):
    def mutate(payload):
        criterion(payload, "2.1.1")["applies_to"] = ["it_vendor", "it_service_provider"]

    [change] = catalogue_diff(old, successor(mutate)).changed

    assert change.code == "2.1.1"
    assert change.applies_to_changed
    assert not (change.obligation_changed or change.reworded or change.category_changed)


def test_applies_to_in_another_order_is_not_a_change(old, office):
    draft = catalogue_create_draft(source=old, code="reordered-1", by=office)
    criterion_save(
        version=draft,
        by=office,
        criterion=draft.criteria.get(code="2.1.2"),
        applies_to=["it_service_provider", "it_vendor"],
    )

    assert catalogue_diff(old, draft).changed == []


def test_summary_counts_every_kind_of_change(old, successor):
    def mutate(payload):
        criterion(payload, "2.1.1")["text"]["de"] = "Neu formuliert."
        criterion(payload, "2.1.2")["obligation"] = "may"
        criterion(payload, "2.1.2")["title"]["en"] = "Full export"
        interfaces = payload["categories"][1]["criteria"]
        removed = interfaces.pop()  # 2.4.2
        interfaces.append({**removed, "code": "2.4.5"})
        interfaces.append({**removed, "code": "2.4.6"})

    diff = catalogue_diff(old, successor(mutate))

    assert diff.summary() == {
        "added": 2,
        "removed": 1,
        "changed": 2,
        "reworded": 2,
        "obligation_changed": 1,
        "unchanged": 1,
    }


def test_diff_reads_each_version_in_one_query(django_assert_num_queries):
    old = build_version("big-old", 300, with_schemes=False)
    new = build_version("big-new", 300, with_schemes=False)

    with django_assert_num_queries(2):
        diff = catalogue_diff(old, new)
        summary = diff.summary()
        [(c.old.category.number, c.new.category.number) for c in diff.changed]

    assert summary["unchanged"] == 300


def test_a_flag_change_alone_is_a_change(db):
    from criteria.diff import catalogue_diff
    from criteria.services.catalogue import catalogue_create_draft, criterion_save

    old = build_version("flags-1", 7)
    new = catalogue_create_draft(source=old, code="flags-2", by=None)
    criterion = new.criteria.order_by("position").first()
    criterion_save(
        version=new,
        by=None,
        criterion=criterion,
        evidence_required=not criterion.evidence_required,
    )
    diff = catalogue_diff(old, new)
    assert [c.code for c in diff.changed] == [criterion.code]
    assert diff.changed[0].flags_changed == ["evidence_required"]
    assert not diff.changed[0].reworded
