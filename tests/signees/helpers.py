"""Helpers of the signees tests: the small catalogue, signing, statements and their answers."""

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.rendering import html_to_pdf
from criteria.interchange import parse
from criteria.models import CatalogueVersion, Criterion
from criteria.selectors.catalogue import current_published_version
from criteria.services.catalogue import catalogue_import
from signees.models import Statement, StatementAnswer, StatementStatus
from signees.services.signing import signee_sign
from signees.services.statements import statement_answer_save

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


def import_mini_catalogue(code: str = "t-1", *, publish: bool = True) -> CatalogueVersion:
    """MINI_CATALOGUE under version `code`, imported (and published)."""
    version, _ = catalogue_import(
        data=parse(MINI_CATALOGUE.replace('version: "t-1"', f'version: "{code}"')),
        by=None,
        publish=publish,
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


# Every signee status that must never reach the public.
HIDDEN_STATUSES = ["pending", "changes_requested", "rejected", "unpublished", "withdrawn"]


def publish_statement(signee, version, *, kind="online", external_url="", number=1):
    """A published CPO Statement row, written directly (the statements flow is not tested here)."""
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


ANSWERS = {
    "2.1.1": ("fulfilled", "STEP AP242 export for every model.", "https://example.org/step"),
    "2.1.2": ("partially", "The REST API is documented; the SOAP API is not.", ""),
    "2.1.3": ("not_fulfilled", "Proprietary formats only for now.", ""),
}


def criterion(version, code):
    return Criterion.objects.get(version=version, code=code)


def answer_all(statement, user, answers=ANSWERS):
    for code, (fulfilment, explanation, link) in answers.items():
        statement_answer_save(
            statement=statement,
            criterion=criterion(statement.catalogue_version, code),
            fulfilment=fulfilment,
            explanation=explanation,
            link=link,
            by=user,
        )


def reload(statement):
    with scopes_disabled():
        return Statement.objects.select_related("signee__organization").get(pk=statement.pk)


def answer_count(organization):
    with scope(organization=organization):
        return StatementAnswer.objects.count()


def real_pdf():
    return html_to_pdf("<!DOCTYPE html><html><body><p>Our CPO Statement</p></body></html>")


# What the sign form posts about the signatory.
SIGNATORY = {
    "signatory_name": "Alice Owner",
    "signatory_position": "Managing Director",
    "authority_confirmed": "on",
}


def post_signature(client, org, group="it_vendor", **fields):
    """Post the sign form from 198.51.100.23, for the version the sign page shows."""
    # The version whose declaration the sign page shows (as its hidden field carries it).
    current = current_published_version()
    data = {"group": group, "version": current.code if current else "", **SIGNATORY, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(
        reverse("signees:sign", kwargs={"org_slug": org.slug}),
        data,
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 (Signing test)",
    )
