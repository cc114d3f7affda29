"""The annual report PDF is PDF/A-3a and claims PDF/UA-1, its SVG charts with text
alternatives (tests/documents/pdf_archival.py)."""

import logging

import pytest
from django.utils import timezone

from community.services import reports as services
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from tests.documents.pdf_archival import assert_archival


@pytest.mark.django_db
def test_the_annual_report_is_pdf_a_and_pdf_ua(core_team, gamma_member, alice, caplog):
    caplog.set_level(logging.ERROR, logger="weasyprint")
    report = services.report_create(year=timezone.now().year, by=alice)
    services.report_snapshot_take(report=report, by=alice)
    requested = services.report_render(report=report, by=alice)
    document = document_render(document_id=requested.pk)
    assert document is not None and document.status == DocumentStatus.READY, document
    with document.file.open("rb") as fh:
        assert_archival(fh.read(), title=report.title)
    assert not [r for r in caplog.records if "alt description" in r.getMessage()]
