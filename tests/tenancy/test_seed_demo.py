"""`seed_demo`: the demo data of every app, idempotent, and the demo logins printed.

A run takes seconds, so each demo test module seeds once (twice, to prove a second run
changes nothing) for all its tests, in a transaction rolled back after the module.
"""

from dataclasses import dataclass
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.roles import is_auditor, is_office
from cpo_portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from cpo_portal.tenancy.models import Membership, Organization
from signees.models import Signee, StatementStatus

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class SeededDemo:
    first: str  # what the first run printed
    second: str  # what the second run printed
    before: dict[str, int]  # rows per model after the first run
    after: dict[str, int]  # ... and after the second


def _row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded twice, for one test module; gone after it."""
    # The per-test settings of tests/conftest.py are not active at module scope: the same
    # here (the fast hasher, so the demo passwords check under the tests' settings).
    media = str(tmp_path_factory.mktemp("demo-media"))
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    test_settings = override_settings(
        MEDIA_ROOT=media,
        STORAGES={**settings.STORAGES, "default": {**storage, "OPTIONS": {"location": media}}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CELERY_TASK_ALWAYS_EAGER=True,
        PUBLIC_PAGE_CACHE_SECONDS=0,
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        first = _seed()
        before = _row_counts()
        second = _seed()
        seeded = SeededDemo(first=first, second=second, before=before, after=_row_counts())
        cache.clear()
        yield seeded
        transaction.set_rollback(True)
    cache.clear()


def test_seed_demo_is_idempotent(seeded_demo):
    assert seeded_demo.after == seeded_demo.before


def test_seed_demo_creates_one_signee_per_group(seeded_demo):
    assert Organization.objects.count() == 3
    with scopes_disabled():
        groups = {
            s.group: s.organization.slug for s in Signee.objects.select_related("organization")
        }
        assert Membership.objects.filter(role="owner").count() == 3
    assert set(groups) == {"it_customer", "it_vendor", "it_service_provider"}


def test_seed_demo_creates_office_and_auditor_with_mfa(seeded_demo):
    office = User.objects.get(email="office@cpo-portal.example")
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    assert is_office(office)
    assert is_auditor(auditor)
    for user in (office, auditor):
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert user.check_password(DEMO_PASSWORD)
        assert user.emailaddress_set.get().verified


def test_seed_demo_prints_the_logins(seeded_demo):
    for out in (seeded_demo.first, seeded_demo.second):
        logins = out[out.index("Demo logins:") :]
        for email in (
            "office@cpo-portal.example",
            "certifier@cpo-portal.example",
            "auditor@cpo-portal.example",
            "owner@nordwerk.example",
            "owner@plexa.example",
            "owner@integra.example",
        ):
            assert email in logins
        assert DEMO_PASSWORD in logins
        assert (
            f"TOTP secret for the office, the certifier and the auditor: {DEMO_TOTP_SECRET}"
            in logins
        )


def test_demo_owner_can_sign_in_and_open_the_workspace(seeded_demo, client):
    response = client.post(
        "/accounts/login/", {"login": "owner@plexa.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    org = Organization.objects.get(legal_name="Plexa Software GmbH")
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_demo_vendor_has_a_published_statement(seeded_demo, client):
    org = Organization.objects.get(legal_name="Plexa Software GmbH")
    with scopes_disabled():
        statuses = list(
            Signee.objects.get(organization=org).statements.values_list("status", flat=True)
        )
    assert statuses == [StatementStatus.PUBLISHED]
    page = client.get(f"/signees/{org.slug}/statement/")
    assert page.status_code == 200
    assert "Demo answer: documented in our developer portal." in page.content.decode()
