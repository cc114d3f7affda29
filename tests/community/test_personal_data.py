"""The community's part of an erasure (community/personal_data.py): a published annual
report that names the person among the election results loses the name, and its PDF is
produced again without it."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from community.models import AnnualReport
from community.services import reports as services
from community.services.reports import report_document
from cpo_portal.accounts.services.people import person_erase
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.tenancy.models import Membership, Role
from cpo_portal.tenancy.services import membership_change_role
from tests.community.helpers import pdf_text

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year


@pytest.fixture
def published(core_team, alice, office_user):
    report = services.report_create(year=YEAR, by=alice)
    services.report_snapshot_take(report=report, by=alice)
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Welcome."
    )
    document_render(document_id=services.report_render(report=report, by=alice).pk)
    return services.report_publish(report=report, by=office_user)


def test_a_published_report_loses_the_erased_name_in_page_and_pdf(
    client,
    published,
    alpha,
    alice,
    bob,
    office_user,
    pdftotext_path,
    django_capture_on_commit_callbacks,
):
    with scope(organization=alpha):
        membership_change_role(
            membership=Membership.objects.get(user=bob), role=Role.OWNER, by=alice
        )
    assert "Alice Owner" in pdf_text(pdftotext_path, report_document(published))

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=alice, by=office_user)

    report = AnnualReport.objects.get(pk=published.pk)
    assert report.is_published
    page = client.get(reverse("community:report", args=[YEAR])).content.decode()
    assert "Alice Owner" not in page
    assert "Former member" in page
    document = report_document(report)
    assert document.status == DocumentStatus.READY
    text = pdf_text(pdftotext_path, document)
    assert "Alice Owner" not in text
    assert "Former member" in text
