import pytest

from cpo_portal.activity.selectors import activity_for_office, activity_for_organization
from cpo_portal.activity.services import activity_record

pytestmark = pytest.mark.django_db


def test_organization_activity_holds_only_its_own_entries(alpha, beta, alice, charlie):
    activity_record(actor=alice, organization=alpha, verb="alpha.only")
    activity_record(actor=charlie, organization=beta, verb="beta.only")

    verbs = set(activity_for_organization(alpha).values_list("verb", flat=True))

    assert "alpha.only" in verbs
    assert "beta.only" not in verbs
    assert {e.organization_id for e in activity_for_organization(alpha)} == {alpha.pk}


def test_organization_activity_is_newest_first(alpha, alice):
    for i in range(3):
        activity_record(actor=alice, organization=alpha, verb=f"step.{i}")
    verbs = list(activity_for_organization(alpha).values_list("verb", flat=True)[:3])
    assert verbs == ["step.2", "step.1", "step.0"]


def test_office_sees_every_organization_and_portal_wide_entries(alpha, beta, alice):
    activity_record(actor=alice, verb="portal.wide")
    organizations = {e.organization_id for e in activity_for_office()}
    assert organizations >= {alpha.pk, beta.pk, None}
    assert {e.organization_id for e in activity_for_office(organization=beta)} == {beta.pk}


def test_organization_activity_reads_in_one_query(alpha, alice, bob, django_assert_num_queries):
    for i in range(20):
        activity_record(actor=bob if i % 2 else alice, organization=alpha, verb="x", target=alpha)
    with django_assert_num_queries(1):
        rows = [
            (e.actor and e.actor.email, e.target_type and e.target_type.model)
            for e in activity_for_organization(alpha)
        ]
    assert len(rows) >= 20
