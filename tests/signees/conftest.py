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
