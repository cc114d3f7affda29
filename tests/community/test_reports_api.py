"""The reports API: published reports only, with sanitized sections, frozen figures and the
PDF's link and hash."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.services import reports as services
from cpo_portal.documents.services import document_render

BASE = "/api/v1/community"
YEAR = timezone.now().year


@pytest.fixture
def api():
    return APIClient()


def test_reports_are_public_once_published(api, core_team, alice, office_user):
    report = services.report_create(year=YEAR, by=alice)
    services.report_section_save(
        report=report,
        section=report.sections.first(),
        by=alice,
        title="F",
        body="<b>x</b><script>y</script>",
    )
    services.report_snapshot_take(report=report, by=alice)
    assert api.get(f"{BASE}/reports/{YEAR}/").status_code == 404
    assert api.get(f"{BASE}/reports/").json()["count"] == 0
    document_render(document_id=services.report_render(report=report, by=alice).pk)
    services.report_publish(report=report, by=office_user)
    detail = api.get(f"{BASE}/reports/{YEAR}/").json()
    assert detail["figures"]["community"]["total"] == 2
    assert detail["pdf_url"] == f"/community/reports/{YEAR}/pdf/"
    assert len(detail["pdf_sha256"]) == 64
    first = detail["sections"][0]
    assert "<script" not in first["html"] and first["markdown"].endswith("<script>y</script>")
    assert [r["year"] for r in api.get(f"{BASE}/reports/").json()["results"]] == [YEAR]
