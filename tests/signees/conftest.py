"""Signee fixtures on top of the root alice/bob/charlie scenario.

`published_catalogue` is a small published catalogue (the signing flow needs one);
`signed` is Alpha signed by alice (pending review); `approved` is the same, approved.
"""

import pytest

from criteria.interchange import parse
from criteria.services import catalogue_import
from signees.services import signee_approve, signee_sign

MINI_CATALOGUE = """
format: cpo-catalogue/1
version: "t-1"
title: {en: "Test catalogue", de: "Testkatalog"}
languages: [en, de]
categories:
  - number: "2.1"
    key: interoperability
    title: {en: Interoperability, de: Interoperabilität}
    criteria:
      - code: "2.1.1"
        title: {en: Neutral formats, de: Neutrale Formate}
        text: {en: "Data can be exported neutrally.", de: "Daten sind neutral exportierbar."}
        obligation: shall
      - code: "2.1.2"
        title: {en: Documented APIs, de: Dokumentierte APIs}
        text: {en: "Interfaces are documented.", de: "Schnittstellen sind dokumentiert."}
        obligation: should
        applies_to: [it_vendor]
      - code: "2.1.3"
        title: {en: Open standards, de: Offene Standards}
        text: {en: "Open standards are preferred.", de: "Offene Standards werden bevorzugt."}
        obligation: may
"""


@pytest.fixture
def published_catalogue(db):
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return version


@pytest.fixture
def newer_catalogue(published_catalogue):
    """Version t-2, published after t-1: the one in force from now on."""
    version, _ = catalogue_import(
        data=parse(MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-2"')),
        by=None,
        publish=True,
    )
    return version


def sign(organization, user, group="it_vendor", **extra):
    fields = {
        "signatory_name": "Alice Owner",
        "signatory_position": "CEO",
        "authority_confirmed": True,
        "ip_address": "127.0.0.1",
        "user_agent": "pytest",
        **extra,
    }
    return signee_sign(organization=organization, by=user, group=group, **fields)


@pytest.fixture
def signed(published_catalogue, alpha, alice):
    """Alpha signed the CPO as IT vendor; pending review."""
    return sign(alpha, alice).signee


@pytest.fixture
def approved(signed, office_user):
    return signee_approve(signee=signed, by=office_user)


# --- Public list fixtures (tests/signees/test_public.py, test_api.py) ------------------


@pytest.fixture
def bulk_signees(db):
    """make(n, **fields): n signees with their organizations, written in bulk.

    Straight rows, not the signing service: the public list's performance tests need
    thousands. Approved by default; `status=` and the other Signee fields can be given.
    """
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from cpo_portal.tenancy.models import Organization
    from signees.models import Signee, SigneeGroup, SigneeStatus

    groups = SigneeGroup.values
    countries = ["DE", "FR", "US", "JP", "IT"]
    made = {"n": 0}

    def make(n, *, prefix="Company", country=None, group=None, **fields):
        start = made["n"]
        made["n"] += n
        now = timezone.now()
        organizations = Organization.objects.bulk_create(
            Organization(
                legal_name=f"{prefix} {i} GmbH",
                display_name=f"{prefix} {i}",
                slug=f"{prefix.lower().replace(' ', '-')}-{i}",
                country=country or countries[i % len(countries)],
                website=f"https://{prefix.lower().replace(' ', '-')}-{i}.example.com",
            )
            for i in range(start, start + n)
        )
        status = fields.pop("status", SigneeStatus.APPROVED)

        def row(i, organization):
            values = {
                "organization": organization,
                "group": group or groups[i % len(groups)],
                "status": status,
                "listed_name": organization.display_name,
                "signed_at": now - timedelta(days=i + 1),
                "approved_at": now - timedelta(days=i) if status == SigneeStatus.APPROVED else None,
            }
            return Signee(**{**values, **fields})

        with scopes_disabled():
            return Signee.objects.bulk_create(
                row(i, organization) for i, organization in enumerate(organizations, start)
            )

    return make


# Every signee status that must never reach the public.
HIDDEN_STATUSES = ["pending", "changes_requested", "rejected", "unpublished", "withdrawn"]


def publish_statement(signee, version, *, kind="online", external_url="", number=1):
    """A published CPO Statement row, written directly (the statements flow is not tested here)."""
    from django.utils import timezone
    from django_scopes import scope

    from signees.models import Statement, StatementStatus

    with scope(organization=signee.organization):
        return Statement.objects.create(
            signee=signee,
            number=number,
            catalogue_version=version,
            kind=kind,
            external_url=external_url,
            status=StatementStatus.PUBLISHED,
            published_at=timezone.now(),
        )


@pytest.fixture
def three(bulk_signees):
    """Acme (IT vendor, DE, signee for 30 days), Bolt (IT customer, FR, 10 days),
    Cobalt (IT service provider, DE, 20 days); all approved."""
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from signees.models import Signee

    made = []
    for name, group, country, days in (
        ("Acme", "it_vendor", "DE", 30),
        ("Bolt", "it_customer", "FR", 10),
        ("Cobalt", "it_service_provider", "DE", 20),
    ):
        (signee,) = bulk_signees(1, prefix=name, group=group, country=country)
        with scopes_disabled():
            Signee.objects.filter(pk=signee.pk).update(
                listed_name=name, approved_at=timezone.now() - timedelta(days=days)
            )
        signee.refresh_from_db()
        made.append(signee)
    return made
