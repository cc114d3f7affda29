"""The annual report's figures name the elected people, never by address (DESIGN §3): a
nameless candidate is frozen without a name and shown with a neutral label, and a snapshot
taken before that (which held the address) is shown the same way."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import AnnualReport
from community.report_figures import present, public_figures
from cpo_portal.documents.services import document_render
from tests.community.core_team import *  # noqa: F403

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year


def _candidates(snapshot):
    groups = snapshot["election"]["groups"].values()
    return [c for g in groups for c in g["candidates"]]


def _published(report, by, office_user):
    services.report_snapshot_take(report=report, by=by)
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=by, title="Foreword", body="Welcome."
    )
    document_render(document_id=services.report_render(report=report, by=by).pk)
    return services.report_publish(report=report, by=office_user)


def test_a_nameless_candidate_is_frozen_without_the_address(core_team, alice):
    alice.full_name = ""
    alice.save(update_fields=["full_name"])
    report = services.report_create(year=YEAR, by=alice)

    snapshot = services.report_snapshot_take(report=report, by=alice).snapshot

    assert [c["name"] for c in _candidates(snapshot)] == [""]
    assert "alice@example.org" not in str(snapshot)
    assert [c["name"] for c in _candidates(public_figures(snapshot))] == ["Anonymous member"]


def test_an_old_snapshot_with_an_address_shows_a_label_instead(
    client, core_team, alice, office_user
):
    report = _published(services.report_create(year=YEAR, by=alice), alice, office_user)
    snapshot = report.snapshot
    _candidates(snapshot)[0]["name"] = "alice@example.org"  # as frozen before the fix
    AnnualReport.objects.filter(pk=report.pk).update(snapshot=snapshot)

    page = client.get(reverse("community:report", args=[YEAR])).content.decode()
    api = client.get(f"/api/v1/community/reports/{YEAR}/").content.decode()
    figures = present(AnnualReport.objects.get(pk=report.pk).snapshot)

    assert "alice@example.org" not in page
    assert "alice@example.org" not in api
    assert "Anonymous member" in page and "Anonymous member" in api
    names = [c["name"] for g in figures["election_groups"] for c in g["candidates"]]
    assert names == ["Anonymous member"]
