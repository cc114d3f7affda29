from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import Auditor, User
from cpo_portal.accounts.roles import is_auditor, is_office
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.demo import DEMO_PASSWORD
from cpo_portal.tenancy.models import Membership, Organization
from signees.models import Signee

pytestmark = pytest.mark.django_db


def _counts():
    with scopes_disabled():
        return {
            model.__name__: model.objects.count()
            for model in (
                User,
                Organization,
                Membership,
                Signee,
                Auditor,
                Authenticator,
                ActivityEntry,
            )
        }


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent():
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first


def test_seed_demo_creates_one_signee_per_group():
    _seed()
    assert Organization.objects.count() == 3
    with scopes_disabled():
        groups = {
            s.group: s.organization.slug for s in Signee.objects.select_related("organization")
        }
        assert Membership.objects.filter(role="owner").count() == 3
    assert set(groups) == {"it_customer", "it_vendor", "it_service_provider"}


def test_seed_demo_creates_office_and_auditor_with_mfa():
    _seed()
    office = User.objects.get(email="office@cpo-portal.example")
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    assert is_office(office)
    assert is_auditor(auditor)
    for user in (office, auditor):
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert user.check_password(DEMO_PASSWORD)
        assert user.emailaddress_set.get().verified


def test_seed_demo_prints_the_logins():
    out = _seed()
    for email in (
        "office@cpo-portal.example",
        "auditor@cpo-portal.example",
        "owner@nordwerk.example",
        "owner@plexa.example",
        "owner@integra.example",
    ):
        assert email in out
    assert DEMO_PASSWORD in out
    assert "TOTP secret" in out


def test_demo_owner_can_sign_in_and_open_the_workspace(client):
    _seed()
    response = client.post(
        "/accounts/login/", {"login": "owner@plexa.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    org = Organization.objects.get(legal_name="Plexa Software GmbH")
    assert client.get(f"/o/{org.slug}/").status_code == 200
