"""Community fixtures on top of the root alice/bob/charlie scenario.

`catalogue` is a small published catalogue; `member(org, owner, group)` makes an
organization an approved signee with a verified prostep ivip membership (a community
member). Alpha (alice) is an IT vendor member; Beta (charlie) an IT vendor member too;
`gamma` (dora) an IT customer member. `election` is an election whose windows are moved
with `at_phase(election, "nomination" | "voting" | "closed")`.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from criteria.interchange import parse
from criteria.services import catalogue_import
from signees.services import signee_approve, signee_sign
from tests.signees.conftest import MINI_CATALOGUE


@pytest.fixture
def catalogue(db):
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return version


def member(organization, owner, office, group="it_vendor", valid_days=365):
    signature = signee_sign(
        organization=organization,
        by=owner,
        group=group,
        signatory_name=str(owner),
        signatory_position="CEO",
        authority_confirmed=True,
    )
    signee_approve(signee=signature.signee, by=office)
    membership = services.membership_declare(
        organization=organization,
        number=f"PI-{organization.pk:04d}",
        member_since=timezone.now().date() - timedelta(days=400),
        by=owner,
    )
    return services.membership_verify(
        membership=membership,
        valid_until=timezone.now().date() + timedelta(days=valid_days),
        by=office,
    )


@pytest.fixture
def alpha_member(catalogue, alpha, alice, office_user):
    return member(alpha, alice, office_user)


@pytest.fixture
def beta_member(catalogue, beta, charlie, office_user):
    return member(beta, charlie, office_user)


@pytest.fixture
def dora(db):
    from tests.factories import UserFactory

    return UserFactory(email="dora@example.org", full_name="Dora Customer")


@pytest.fixture
def gamma(dora):
    from cpo_portal.tenancy.services import organization_create

    return organization_create(by=dora, legal_name="Gamma Motors", country="IT")


@pytest.fixture
def gamma_member(catalogue, gamma, dora, office_user):
    return member(gamma, dora, office_user, group="it_customer")


def at_phase(election, phase):
    """Move the windows so that `phase` is now."""
    now = timezone.now()
    day = timedelta(days=1)
    offsets = {
        "nomination": (-day, day, 2 * day, 3 * day),
        "voting": (-3 * day, -2 * day, -day, day),
        "closed": (-4 * day, -3 * day, -2 * day, -day),
    }[phase]
    (
        election.nomination_opens,
        election.nomination_closes,
        election.voting_opens,
        election.voting_closes,
    ) = (now + o for o in offsets)
    election.save()
    return election


@pytest.fixture
def election(office_user):
    now = timezone.now()
    day = timedelta(days=1)
    return services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office_user,
    )
