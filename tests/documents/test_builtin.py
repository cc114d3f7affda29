"""The floor's activity-log PDF is a record: every time on it is in UTC and says so."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render, document_request
from cpo_portal.tenancy.services import organization_create

pytestmark = pytest.mark.django_db

WINTER = datetime(2026, 1, 15, 12, 5, tzinfo=UTC)  # 13:05 in Berlin (CET)
SUMMER = datetime(2026, 7, 15, 12, 7, tzinfo=UTC)  # 14:07 in Berlin (CEST)
PRODUCED = datetime(2026, 7, 16, 22, 30, tzinfo=UTC)  # 00:30 on the 17th in Berlin


def pdf_text(pdf: bytes) -> str:
    # poppler-utils is a declared test dependency (see tests/integration); no skip here.
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing (apt install poppler-utils)"
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


@pytest.mark.parametrize("language", ["en", "de"])
def test_activity_pdf_states_every_time_in_utc(alice, language):
    org = organization_create(by=alice, legal_name="Alpha", country="DE")
    requested = document_request(
        kind="organization_activity", owner=org, organization=org, title="Log", by=alice
    )
    with scopes_disabled():
        created, requested_entry = ActivityEntry.objects.filter(organization=org).order_by("pk")
        ActivityEntry.objects.filter(pk=created.pk).update(created_at=WINTER)
        ActivityEntry.objects.filter(pk=requested_entry.pk).update(created_at=SUMMER)
        Document.objects.filter(pk=requested.pk).update(language=language)
    with time_machine.travel(PRODUCED, tick=False):
        document = document_render(document_id=requested.pk)

    assert document is not None
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        text = pdf_text(fh.read())
    for shown in ("2026-01-15 12:05 UTC", "2026-07-15 12:07 UTC", "2026-07-16 22:30 UTC"):
        assert shown in text
    for berlin in ("13:05", "14:07", "00:30"):
        assert berlin not in text
