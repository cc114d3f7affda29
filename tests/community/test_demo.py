"""The demo community: a published Core Team, an open ballot with one company left to vote,
an open conference, proposals under discussion and a published report of last year."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AnnualReport, BallotCast, Election, Proposal
from community.selectors import is_community_member, published_core_team
from community.services import phase
from cpo_portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_community(client):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
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
