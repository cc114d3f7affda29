"""The demo community: a published Core Team, an open ballot with one company left to vote,
an open conference with a Markdown agenda, proposals under discussion, and the reports,
taken last so that their figures count the demo's statements and certificates."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AnnualReport, BallotCast, Election, Proposal
from community.selectors.elections import published_core_team
from community.selectors.membership import is_community_member
from community.services.elections import phase
from cpo_portal.accounts.models import User
from tests.tenancy.test_seed_demo import seeded_demo

pytestmark = pytest.mark.django_db


def test_demo_community(seeded_demo, client):
    year = timezone.now().year
    with scopes_disabled():
        last, current = Election.objects.order_by("year")
        assert (last.year, current.year) == (year - 1, year)
        assert phase(last) == "published" and phase(current) == "voting"
        assert BallotCast.objects.filter(election=current).count() == 2
        election, results = published_core_team()
        assert election == last and len(results) == 3
        reports = dict(AnnualReport.objects.values_list("year", "published_at"))
        assert reports[year - 1] is not None and reports[year] is None
        assert Proposal.objects.count() == 2
        integra = User.objects.get(email="owner@integra.example").memberships.get().organization
        assert is_community_member(integra)
    assert client.get(f"/community/reports/{year - 1}/").status_code == 200
    assert b"Owner of Nordwerk" in client.get("/community/core-team/").content


def test_demo_reports_count_the_demo_certificates_and_statement(seeded_demo):
    year = timezone.now().year
    snapshots = dict(AnnualReport.objects.values_list("year", "snapshot"))
    for snapshot in snapshots.values():
        certificates = snapshot["certificates"]["by_kind"]
        assert snapshot["certificates"]["available"]
        assert (certificates["organizational"]["active"], certificates["product"]["active"]) == (
            1,
            1,
        )
        assert certificates["organizational"]["suspended"] == 1
        assert snapshot["statements"]["with_statement"] == 1
    # Issued this year: counted in this year's draft, not in last year's report.
    current, last = snapshots[year]["certificates"], snapshots[year - 1]["certificates"]
    assert current["by_kind"]["organizational"]["issued_in_year"] == 2
    assert last["by_kind"]["organizational"]["issued_in_year"] == 0


def test_demo_conference_agenda_is_rendered_markdown(seeded_demo, client):
    page = client.get("/community/conference/").content.decode()
    assert "<h4>Day 1</h4>" in page and "<li>Welcome by the CPO office</li>" in page
    assert "## Day" not in page


def test_demo_community_is_idempotent(seeded_demo):
    labels = [
        label
        for label in seeded_demo.before
        if label.startswith("community.") or label == "activity.ActivityEntry"
    ]
    assert [seeded_demo.after[label] for label in labels] == [
        seeded_demo.before[label] for label in labels
    ]
    assert seeded_demo.before["community.AnnualReport"] == 2


__all__ = ["seeded_demo"]
