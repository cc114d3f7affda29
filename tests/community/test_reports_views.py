"""Report pages: the public archive and report, the editor (Core Team and office only —
404 for anyone else), the PDF's progress (htmx) and publishing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import AnnualReport
from community.services import reports as services
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.pagecache import generation_bump

YEAR = timezone.now().year


@pytest.fixture
def report(core_team, alice):
    return services.report_create(year=YEAR, by=alice)


def _ready(report, by):
    services.report_snapshot_take(report=report, by=by)
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=by, title="Foreword", body="Welcome <script>x()</script>"
    )
    document = services.report_render(report=report, by=by)
    return document_render(document_id=document.pk)


@pytest.fixture
def published(report, alice, office_user):
    _ready(report, alice)
    return services.report_publish(report=report, by=office_user)


def _editor_urls(year, section_pk):
    gets = [
        reverse("community:report_drafts"),
        reverse("community:report_edit", args=[year]),
        reverse("community:report_section_new", args=[year]),
        reverse("community:report_section", args=[year, section_pk]),
        reverse("community:report_status", args=[year]),
        reverse("community:report_draft_pdf", args=[year]),
    ]
    posts = [
        reverse("community:report_section_delete", args=[year, section_pk]),
        reverse("community:report_snapshot", args=[year]),
        reverse("community:report_render", args=[year]),
        reverse("community:report_publish", args=[year]),
    ]
    return gets, posts


def test_outsiders_get_404_on_every_editor_page(client, report, bob, charlie, stranger):
    section = report.sections.first()
    gets, posts = _editor_urls(YEAR, section.pk)
    for user in (bob, charlie, stranger):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url).status_code == 404, (user, url)
    report.refresh_from_db()
    assert report.snapshot is None and report.sections.count() == 3


def test_visitors_are_asked_to_sign_in_for_the_editor(client, report):
    gets, posts = _editor_urls(YEAR, report.sections.first().pk)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    for url in posts:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert AnnualReport.objects.get().snapshot is None


def test_an_unpublished_report_is_not_public(client, report, alice):
    _ready(report, alice)
    assert client.get(f"/community/reports/{YEAR}/").status_code == 404
    assert client.get(f"/community/reports/{YEAR}/pdf/").status_code == 404
    archive = client.get("/community/reports/")
    assert archive.status_code == 200 and list(archive.context["page"].object_list) == []


def test_a_published_report_is_public_with_its_pdf(client, published):
    page = client.get(f"/community/reports/{YEAR}/")
    assert page.status_code == 200
    assert b"Welcome" in page.content and b"<script>x()" not in page.content
    assert page.context["figures"]["community"]["total"] == 2
    assert b"<svg" in page.content
    pdf = client.get(f"/community/reports/{YEAR}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    archive = client.get("/community/reports/")
    assert [r.year for r in archive.context["page"].object_list] == [YEAR]


def test_archive_queries_do_not_grow(client, office_user, core_team, django_assert_max_num_queries):
    from django.utils import timezone as tz

    def add(years):
        for year in years:
            AnnualReport.objects.create(year=year, title=f"R{year}", published_at=tz.now())

    add(range(2000, 2003))
    with django_assert_max_num_queries(6) as few:
        client.get("/community/reports/")
    add(range(2003, 2030))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/community/reports/")
    assert len(response.context["page"].object_list) == 25


def test_the_core_team_drafts_through_the_pages(
    client, core_team, alice, office_user, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    drafts = reverse("community:report_drafts")
    assert client.post(drafts, {"year": "nope"}).status_code == 400
    response = client.post(drafts, {"year": YEAR, "title": ""})
    assert response.status_code == 302
    report = AnnualReport.objects.get(year=YEAR)
    assert client.post(drafts, {"year": YEAR}).status_code == 400  # one report per year

    new = reverse("community:report_section_new", args=[YEAR])
    hostile = "**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    preview = client.post(new, {"title": "", "body": hostile})
    assert preview.status_code == 400  # the title is required; nothing written
    assert report.sections.count() == 3
    assert client.post(new, {"title": "Review", "body": hostile}).status_code == 302
    edit = client.get(reverse("community:report_edit", args=[YEAR]))
    assert b"<strong>Bold</strong>" in edit.content
    assert b"onerror" not in edit.content and b"javascript:" not in edit.content
    assert edit.context["can_publish"] is False

    # Rendering without figures is refused with a message.
    client.post(reverse("community:report_render", args=[YEAR]))
    assert AnnualReport.objects.get(pk=report.pk).snapshot is None
    assert client.post(reverse("community:report_snapshot", args=[YEAR])).status_code == 302
    report.refresh_from_db()
    assert report.snapshot is not None

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(reverse("community:report_render", args=[YEAR])).status_code == 302
    queued = [c for c in queued if c is not generation_bump]  # the page cache's refresh
    assert len(queued) == 1  # the render is queued on commit
    status_url = reverse("community:report_status", args=[YEAR])
    pending = client.get(status_url, headers={"HX-Request": "true"})
    assert pending.status_code == 200
    assert b'hx-trigger="every 2s"' in pending.content and b"Reload" in pending.content
    # Without htmx the status URL leads back to the page (plain reload).
    assert client.get(status_url).status_code == 302

    queued[0]()  # the worker runs (eager Celery)
    ready = client.get(status_url, headers={"HX-Request": "true"})
    assert b"every 2s" not in ready.content and b"up to date" in ready.content
    assert client.get(reverse("community:report_draft_pdf", args=[YEAR])).status_code == 200

    # The Core Team cannot publish; the office can, once it has confirmed (publishing
    # cannot be undone).
    publish_url = reverse("community:report_publish", args=[YEAR])
    client.post(publish_url, {"confirm": "yes"})
    report.refresh_from_db()
    assert report.published_at is None
    client.force_login(office_user)
    confirm = client.post(publish_url)
    assert confirm.status_code == 200
    assert b"Publishing cannot be undone." in confirm.content
    assert b'name="confirm" value="yes"' in confirm.content
    assert b"The PDF is ready and up to date." in confirm.content
    report.refresh_from_db()
    assert report.published_at is None
    response = client.post(publish_url, {"confirm": "yes"})
    assert response.status_code == 302 and response.url == f"/community/reports/{YEAR}/"
    report.refresh_from_db()
    assert report.published_at is not None


def test_the_editor_page_of_a_published_report_offers_no_changes(client, published, alice):
    client.force_login(alice)
    page = client.get(reverse("community:report_edit", args=[YEAR]))
    assert page.status_code == 200
    assert b"Refresh figures" not in page.content and b"Add a section" not in page.content
    before = published.snapshot
    client.post(reverse("community:report_snapshot", args=[YEAR]))
    published.refresh_from_db()
    assert published.snapshot == before


def test_a_failed_render_is_shown(client, report, alice, monkeypatch):
    services.report_snapshot_take(report=report, by=alice)
    document = services.report_render(report=report, by=alice)
    monkeypatch.setattr(
        "cpo_portal.documents.services.html_to_pdf",
        lambda html: (_ for _ in ()).throw(RuntimeError("boom")),
    )
    assert document_render(document_id=document.pk) is None
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    client.force_login(alice)
    page = client.get(reverse("community:report_edit", args=[YEAR]))
    assert b"could not be produced" in page.content
    # Rendering again is possible.
    client.post(reverse("community:report_render", args=[YEAR]))
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
