"""The signed declaration PDF is PDF/A-3a and claims PDF/UA-1 (tests/documents/pdf_archival.py)."""

import logging

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.tenancy.services import organization_create
from signees.models import Signature
from tests.documents.pdf_archival import assert_archival

from .helpers import sign

pytestmark = pytest.mark.django_db


def test_the_signed_declaration_is_pdf_a_and_pdf_ua(mini_catalogue, alice, caplog):
    caplog.set_level(logging.ERROR, logger="weasyprint")
    organization = organization_create(by=alice, legal_name="Archiv GmbH", country="DE")
    signature = sign(organization, alice)
    with scopes_disabled():
        document = Document.objects.get(
            kind="signed_declaration",
            owner_type=ContentType.objects.get_for_model(Signature),
            owner_id=str(signature.pk),
        )
    document.status = DocumentStatus.PENDING
    document.save(update_fields=["status"])
    rendered = document_render(document_id=document.pk)
    assert rendered is not None and rendered.status == DocumentStatus.READY, rendered
    with rendered.file.open("rb") as fh:
        assert_archival(fh.read(), title="Archiv GmbH", lang="en")
    assert not [r for r in caplog.records if "alt description" in r.getMessage()]
