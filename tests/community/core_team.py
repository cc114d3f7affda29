"""Fixtures for the proposals and report tests: a published Core Team election.

`core_team` elects alice (Alpha, IT vendor): she is the Core Team. bob is a plain member of
Alpha (a community member organization); charlie owns Beta (also a community member);
`stranger` belongs to an organization that is no community member.
Import with `from tests.community.core_team import *` in a test module.
"""

import pytest

from community import services
from tests.community.conftest import at_phase

__all__ = ["core_team", "pdftotext_path", "stranger", "stranger_org"]


@pytest.fixture
def core_team(election, alpha_member, beta_member, alpha, beta, alice, charlie, office_user):
    candidate = services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=alice,
        candidate_organization=alpha,
        by=alice,
    )
    services.candidate_answer(candidate=candidate, accept=True, by=alice)
    at_phase(election, "voting")
    services.ballot_cast(
        election=election, organization=beta, choices={"it_vendor": [candidate.pk]}, by=charlie
    )
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    services.results_publish(election=election, by=office_user)
    election.refresh_from_db()
    return election


@pytest.fixture
def stranger(db):
    from tests.factories import UserFactory

    return UserFactory(email="stranger@example.org", full_name="Sam Stranger")


@pytest.fixture
def stranger_org(stranger):
    from cpo_portal.tenancy.services import organization_create

    return organization_create(by=stranger, legal_name="Stranger Ltd", country="FR")


@pytest.fixture
def pdftotext_path():
    import shutil

    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip("pdftotext is missing (apt install poppler-utils)")
    return path
