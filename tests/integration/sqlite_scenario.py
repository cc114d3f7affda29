"""Builds a busy portal in the SQLite file the embedded server will serve, and prints how to
reach it: `python -m tests.integration.sqlite_scenario` with DATABASE_URL pointing at a
migrated SQLite file.

Twenty community member organizations (ten IT vendors with a CPO Statement draft, ten IT
customers), an election in its voting window with one accepted candidate per group, and a
signed-in session for each owner. The JSON on stdout names the organizations, the criteria
and the session keys; tests/integration/test_sqlite_concurrency.py drives the server with it.
"""

import json
import os
from datetime import timedelta
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo_portal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from community.services import elections as community  # noqa: E402
from cpo_portal.accounts.signals import ensure_office_groups  # noqa: E402
from cpo_portal.tenancy.services import organization_create  # noqa: E402
from criteria.interchange import parse  # noqa: E402
from criteria.models import Criterion  # noqa: E402
from criteria.services.catalogue import catalogue_import  # noqa: E402
from signees.models import Signee  # noqa: E402
from signees.services.statements import statement_start_draft  # noqa: E402
from tests.community.helpers import at_phase, member  # noqa: E402
from tests.factories import UserFactory, make_office  # noqa: E402
from tests.signees.helpers import MINI_CATALOGUE  # noqa: E402

VENDORS = 10
CUSTOMERS = 10


def _session(user) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def build() -> dict:

    ensure_office_groups()
    office = UserFactory(email="office@sqlite.example", full_name="Office Person")
    make_office(office)
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    criteria = list(
        Criterion.objects.filter(category__version=version, code__in=["2.1.1", "2.1.3"])
        .order_by("code")
        .values_list("pk", flat=True)
    )
    organizations = []
    for number in range(VENDORS + CUSTOMERS):
        group = "it_vendor" if number < VENDORS else "it_customer"
        owner = UserFactory(email=f"owner{number}@sqlite.example", full_name=f"Owner {number}")
        organization = organization_create(
            by=owner, legal_name=f"SQLite Company {number}", country="DE"
        )
        member(organization, owner, office, group=group)
        organizations.append((organization, owner, group))

    now = timezone.now()
    election = community.election_create(
        year=now.year,
        title="",
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=1),
        voting_opens=now + timedelta(days=2),
        voting_closes=now + timedelta(days=3),
        by=office,
    )
    candidates = {}
    for organization, owner, group in (organizations[0], organizations[VENDORS]):
        candidate = community.candidate_nominate(
            election=election,
            nominating_organization=organization,
            candidate_user=owner,
            candidate_organization=organization,
            by=owner,
        )
        candidates[group] = community.candidate_answer(candidate=candidate, accept=True, by=owner)
    at_phase(election, "voting")

    companies = []
    for organization, owner, group in organizations:
        if group == "it_vendor":
            with scopes_disabled():
                signee = Signee.objects.get(organization=organization)
            statement_start_draft(signee=signee, by=owner)
        companies.append({"slug": organization.slug, "group": group, "session": _session(owner)})
    return {
        "year": election.year,
        "candidates": {group: c.pk for group, c in candidates.items()},
        "criteria": criteria,
        "companies": companies,
    }


if __name__ == "__main__":
    print(json.dumps(build()))
