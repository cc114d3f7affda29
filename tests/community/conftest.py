"""Community fixtures on top of the root alice/bob/charlie scenario and its published
`catalogue` (tests/conftest.py).

Alpha (alice) is an IT vendor member; Beta (charlie) an IT vendor member too; `gamma` (dora)
an IT customer member. `election` is an election whose windows are moved with
`helpers.at_phase(election, "nomination" | "voting" | "closed")`. `core_team` elects alice
(Alpha, IT vendor): she is the Core Team; bob is a plain member of Alpha; `stranger` belongs
to an organization that is no community member. The states are built with the factories
(tests/community/factories.py); the tests of a transition go through its service.
"""

import shutil

import pytest

from cpo_portal.tenancy.services import organization_create
from tests.community.factories import ElectionFactory
from tests.community.helpers import member
from tests.factories import UserFactory


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
    """This year's election, nominations open (as election_create leaves it)."""
    return ElectionFactory(nominating=True, created_by=office_user)


# --- The Core Team (proposals and reports) ----------------------------------------------


@pytest.fixture
def core_team(alpha_member, beta_member, alpha, beta, alice, charlie, office_user):
    """This year's election, its results published: alice (Alpha) elected alone with Beta's
    one ballot. There is one election a year: a test takes `core_team` or `election`."""
    return ElectionFactory(
        published=True,
        created_by=office_user,
        candidates=[(alice, alpha)],
        voters=[(beta, charlie)],
    )


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
