"""The pass rule as a pure function: a table of cases, each a small audit."""

from decimal import Decimal

import pytest

from certification.pass_rule import ScoredCriterion, evaluate
from certification.selectors.applications import application_for_office
from certification.selectors.audits import pass_result_of
from tests.certification.helpers import answer_fields, criteria_of, score

F, P, N, NA, UNSCORED = "fulfilled", "partially", "not_fulfilled", "not_applicable", ""
THRESHOLD = Decimal("0.75")


def c(obligation, rating, *, na=False, group="a", code=None):
    return ScoredCriterion(
        code=code or f"{obligation}-{rating or 'unscored'}",
        obligation=obligation,
        rating=rating,
        na_allowed=na,
        group=group,
    )


def shall(rating, **kw):
    return c("shall", rating, **kw)


def should(rating, **kw):
    return c("should", rating, **kw)


def may(rating, **kw):
    return c("may", rating, **kw)


# (id, criteria, open majors, passed, should share)
CASES = [
    ("all fulfilled", [shall(F), shall(F), should(F), may(F)], 0, True, Decimal(1)),
    ("one shall not fulfilled", [shall(F), shall(N), should(F)], 0, False, Decimal(1)),
    ("shall n/a where allowed", [shall(NA, na=True), shall(F), should(F)], 0, True, Decimal(1)),
    ("shall n/a where not allowed", [shall(NA), shall(F), should(F)], 0, False, Decimal(1)),
    ("shall partially", [shall(P), should(F)], 0, False, Decimal(1)),
    ("shall unscored", [shall(UNSCORED), should(F)], 0, False, Decimal(1)),
    (
        "should share exactly at the threshold",
        [shall(F), should(F), should(F), should(F), should(N)],
        0,
        True,
        Decimal("0.75"),
    ),
    (
        "should share just below the threshold",
        [shall(F)] + [should(F)] * 11 + [should(N)] * 4,
        0,
        False,
        Decimal(11) / 15,
    ),
    (
        "partially counts half (3.5 of 4 passes)",
        [shall(F), should(F), should(F), should(F), should(P)],
        0,
        True,
        Decimal("0.875"),
    ),
    (
        "partially counts half (1 + 2 halves of 3 fails)",
        [shall(F), should(F), should(P), should(P)],
        0,
        False,
        Decimal(2) / 3,
    ),
    (
        "should n/a left out of the denominator",
        [shall(F), should(F), should(F), should(F), should(NA, na=True), should(N)],
        0,
        True,
        Decimal("0.75"),
    ),
    (
        "should n/a where not allowed counts as not fulfilled",
        [shall(F), should(F), should(F), should(F), should(NA), should(N)],
        0,
        False,
        Decimal("0.6"),
    ),
    ("no should criteria", [shall(F), may(N)], 0, True, None),
    ("all should criteria n/a", [shall(F), should(NA, na=True)], 0, True, None),
    ("may criteria never block", [shall(F), should(F), may(N), may(UNSCORED), may(P)], 0, True, 1),
    ("unscored should counts as not fulfilled", [shall(F), should(F), should(UNSCORED)], 0, False),
    ("open major blocks", [shall(F), should(F)], 1, False, Decimal(1)),
    ("two open majors block", [shall(F), should(F)], 2, False, Decimal(1)),
    ("nothing to assess", [], 0, True, None),
]


@pytest.mark.parametrize(
    ("criteria", "open_majors", "passed", "share"),
    [pytest.param(*case[1:4], case[4] if len(case) > 4 else "any", id=case[0]) for case in CASES],
)
def test_pass_rule(criteria, open_majors, passed, share):
    result = evaluate(criteria, threshold=THRESHOLD, open_majors=open_majors)

    assert result.passed is passed
    assert bool(result.reasons) is not passed
    if share != "any":
        assert result.should_share == (None if share is None else Decimal(share))
    assert result.open_majors == open_majors
    assert result.threshold == THRESHOLD


@pytest.mark.parametrize(
    ("criteria", "failed"),
    [
        ([shall(F, code="S1"), shall(N, code="S2"), shall(P, code="S3")], ["S2", "S3"]),
        ([shall(UNSCORED, code="S1"), shall(NA, code="S2")], ["S1", "S2"]),
        ([shall(NA, na=True, code="S1"), shall(F, code="S2")], []),
    ],
)
def test_failed_shall_criteria_are_named(criteria, failed):
    result = evaluate(criteria, threshold=THRESHOLD)

    assert result.shall_failed == failed
    if failed:
        assert all(code in result.reasons[0] for code in failed)


def test_reasons_name_each_failing_part():
    criteria = [shall(N, code="S1"), should(N), should(F)]

    result = evaluate(criteria, threshold=THRESHOLD, open_majors=1)

    assert len(result.reasons) == 3
    assert "S1" in result.reasons[0]
    assert "1 major nonconformity" in result.reasons[1]
    assert "50.0%" in result.reasons[2] and "75.0%" in result.reasons[2]


def test_reasons_write_the_percentages_in_the_language_of_the_reader():
    from django.utils import translation

    criteria = [shall(F), should(N), should(N)]
    with translation.override("de"):
        [reason] = evaluate(criteria, threshold=THRESHOLD).reasons
    assert "0,0 %" in reason and "75,0 %" in reason
    assert "0.0" not in reason and "75.0" not in reason


@pytest.mark.parametrize(
    ("threshold", "passed"),
    [(Decimal("0.5"), True), (Decimal("0.6"), True), (Decimal("0.61"), False), (Decimal(1), False)],
)
def test_threshold_comes_from_the_scheme(threshold, passed):
    # 3 of 5 should criteria: 60 %.
    criteria = [shall(F)] + [should(F)] * 3 + [should(N)] * 2

    assert evaluate(criteria, threshold=threshold).passed is passed


def test_groups_tally_per_area():
    criteria = [
        shall(F, group="1"),
        shall(N, group="1"),
        should(P, group="1"),
        should(F, group="2"),
        should(NA, na=True, group="2"),
        may(UNSCORED, group="2"),
        may(F, group="3"),
    ]

    result = evaluate(criteria, threshold=THRESHOLD)

    assert set(result.groups) == {"1", "2", "3"}
    one, two, three = result.groups["1"], result.groups["2"], result.groups["3"]
    assert (one.shall.total, one.shall.fulfilled, one.shall.not_fulfilled) == (2, 1, 1)
    assert (one.should.partially, one.should.share) == (1, Decimal("0.5"))
    assert (two.should.fulfilled, two.should.not_applicable, two.should.share) == (1, 1, 1)
    assert (two.may.total, two.may.unscored) == (1, 1)
    assert (three.total, three.scored, three.may.fulfilled) == (1, 1, 1)
    assert (one.total, two.total, two.scored) == (3, 3, 2)
    # The overall tally is the sum of the groups.
    assert result.overall.total == 7
    assert result.overall.scored == 6
    assert result.overall.should.share == Decimal("1.5") / 2
    assert not result.complete


def test_not_applicable_where_not_allowed_is_tallied_as_not_fulfilled():
    result = evaluate([shall(NA), should(NA)], threshold=THRESHOLD)

    assert result.overall.shall.not_fulfilled == 1
    assert result.overall.should.not_fulfilled == 1
    assert result.overall.should.not_applicable == 0


def test_complete_only_when_every_criterion_is_scored():
    assert evaluate([shall(F), may(N)], threshold=THRESHOLD).complete
    assert not evaluate([shall(F), may(UNSCORED)], threshold=THRESHOLD).complete


# --- The rule applied to a real audit (selectors.pass_result_of) ----------------------------


def test_open_major_blocks_closed_major_does_not_open_minor_does_not(
    in_audit, auditor_user, alice, django_assert_max_num_queries
):
    from certification.services.findings import finding_answer, finding_raise, finding_verify
    from tests.certification.helpers import score_all

    score_all(in_audit, auditor_user)
    criterion = criteria_of(in_audit, "shall")[0]
    loaded = application_for_office(in_audit.pk)  # organization and scheme joined
    with django_assert_max_num_queries(3):
        assert pass_result_of(loaded).passed

    minor = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="minor",
        criterion_ids=[criterion.pk],
        description="Minor gap.",
        by=auditor_user,
    )
    assert pass_result_of(in_audit).passed

    major = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="major",
        criterion_ids=[criterion.pk],
        description="Major gap.",
        by=auditor_user,
    )
    result = pass_result_of(in_audit)
    assert not result.passed
    assert result.open_majors == 1

    finding_answer(**answer_fields(), finding=major, corrective_action="Fixed it.", by=alice)
    assert not pass_result_of(in_audit).passed  # answered is still open
    finding_verify(finding=major, note="Verified the fix.", by=auditor_user)
    result = pass_result_of(in_audit)
    assert result.passed
    assert result.open_majors == 0
    assert minor.status == "open"


def test_real_audit_unscored_criteria_fail_and_groups_are_subject_areas(in_audit, auditor_user):
    result = pass_result_of(in_audit)

    assert not result.passed
    assert not result.complete
    assert len(result.shall_failed) == len(criteria_of(in_audit, "shall"))
    areas = {str(c.area_id) for c in criteria_of(in_audit)}
    assert set(result.groups) == areas

    shall_one = criteria_of(in_audit, "shall")[0]
    score(in_audit, shall_one, "fulfilled", auditor_user)
    assert shall_one.code not in pass_result_of(in_audit).shall_failed
