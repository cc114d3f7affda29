"""Community fixtures on top of the root alice/bob/charlie scenario.

`catalogue` is a small published catalogue. Alpha (alice) is an IT vendor member; Beta
(charlie) an IT vendor member too; `gamma` (dora) an IT customer member. `election` is an
election whose windows are moved with `helpers.at_phase(election, "nomination" | "voting" |
"closed")`. `core_team` elects alice (Alpha, IT vendor): she is the Core Team; bob is a plain
member of Alpha; `stranger` belongs to an organization that is no community member.
"""

import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from community.services import elections as election_services
from cpo_portal.tenancy.services import organization_create
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from tests.community.helpers import at_phase, member
from tests.factories import UserFactory
from tests.signees.helpers import MINI_CATALOGUE


@pytest.fixture
def catalogue(db):
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return version


@pytest.fixture
def alpha_member(catalogue, alpha, alice, office_user):
    return member(alpha, alice, office_user)


@pytest.fixture
def beta_member(catalogue, beta, charlie, office_user):
    return member(beta, charlie, office_user)


@pytest.fixture
def dora(db):
    return UserFactory(email="dora@example.org", full_name="Dora Customer")


@pytest.fixture
def gamma(dora):
    return organization_create(by=dora, legal_name="Gamma Motors", country="IT")


@pytest.fixture
def gamma_member(catalogue, gamma, dora, office_user):
    return member(gamma, dora, office_user, group="it_customer")


@pytest.fixture
def election(office_user):
    now = timezone.now()
    day = timedelta(days=1)
    return election_services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office_user,
    )


# --- The Core Team (proposals and reports) ----------------------------------------------


@pytest.fixture
def core_team(election, alpha_member, beta_member, alpha, beta, alice, charlie, office_user):
    candidate = election_services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=alice,
        candidate_organization=alpha,
        by=alice,
    )
    election_services.candidate_answer(candidate=candidate, accept=True, by=alice)
    at_phase(election, "voting")
    election_services.ballot_cast(
        election=election, organization=beta, choices={"it_vendor": [candidate.pk]}, by=charlie
    )
    at_phase(election, "closed")
    election_services.election_tally(election=election, by=office_user)
    election_services.results_publish(election=election, by=office_user)
    election.refresh_from_db()
    return election


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.org", full_name="Sam Stranger")


@pytest.fixture
def stranger_org(stranger):
    return organization_create(by=stranger, legal_name="Stranger Ltd", country="FR")


@pytest.fixture
def pdftotext_path():
    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip("pdftotext is missing (apt install poppler-utils)")
    return path
