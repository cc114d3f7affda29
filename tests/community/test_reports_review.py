"""Reviewing the annual report: Core Team members comment on each other's sections (never
public, never printed), mark the draft ready for the office (the office is told; a later
change takes the mark back), and publishing tells every community member."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AnnualReport, ReportComment
from community.services import reports as services
from cpo_portal.errors import DomainError
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from tests.community.factories import (
    AnnualReportFactory,
    ReportCommentFactory,
    ReportSectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(core_team):
    return AnnualReportFactory()


@pytest.fixture
def section(report, office_user):
    return ReportSectionFactory(report=report, title="Foreword", body="Welcome.")


def notices(kind):
    with scopes_disabled():
        return list(Notice.objects.filter(kind=kind).select_related("user").order_by("user_id"))


# --- Review comments -----------------------------------------------------------------------


def test_core_team_and_office_comment_resolve_and_the_author_deletes(
    section, alice, office_user, bob, stranger
):
    comment = services.report_comment_add(section=section, by=alice, body="  Shorter?  ")
    assert comment.body == "Shorter?" and comment.author == alice
    for outsider in (bob, stranger, None):
        with pytest.raises(DomainError):
            services.report_comment_add(section=section, by=outsider, body="Hi")
        with pytest.raises(DomainError):
            services.report_comment_resolve(comment=comment, by=outsider)

    # Only the author deletes, and only while unresolved.
    with pytest.raises(DomainError) as caught:
        services.report_comment_delete(comment=comment, by=office_user)
    assert caught.value.code == "not_author"
    other = services.report_comment_add(section=section, by=office_user, body="Agreed.")
    services.report_comment_delete(comment=other, by=office_user)
    assert not ReportComment.objects.filter(pk=other.pk).exists()

    resolved = services.report_comment_resolve(comment=comment, by=office_user)
    assert resolved.resolved_by == office_user and resolved.resolved_at is not None
    again = services.report_comment_resolve(comment=comment, by=alice)
    assert again.resolved_by == office_user  # resolving twice changes nothing
    with pytest.raises(DomainError):
        services.report_comment_delete(comment=comment, by=alice)


def test_comments_stop_once_the_report_is_published(core_team, alice):
    report = AnnualReportFactory(published=True)
    section = ReportSectionFactory(report=report)
    comment = ReportCommentFactory(section=section, author=alice)

    with pytest.raises(DomainError):
        services.report_comment_add(section=section, by=alice, body="Late")
    with pytest.raises(DomainError):
        services.report_comment_resolve(comment=comment, by=alice)


def test_the_editor_lists_comments_per_section_with_bounded_queries(
    client, report, section, alice, office_user, django_assert_max_num_queries
):
    ReportCommentFactory(section=section, author=office_user, body="First note")
    client.force_login(alice)
    url = reverse("community:report_edit", args=[report.year])
    client.get(url)  # warm the caches (session, Core Team)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(5):
        extra = ReportSectionFactory(report=report)
        ReportCommentFactory(section=extra, author=alice, body=f"Note {n}")
        ReportCommentFactory(section=section, author=office_user, resolved=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    html = page.content.decode()
    assert "First note" in html and "Note 4" in html
    assert html.count(reverse("community:report_comments", args=[report.year, section.pk])) == 1


def test_comments_are_added_resolved_and_deleted_through_the_pages(
    client, report, section, alice, office_user
):
    client.force_login(alice)
    add_url = reverse("community:report_comments", args=[report.year, section.pk])
    empty = client.post(add_url, {"body": ""})
    assert empty.status_code == 400 and "body" in empty.context["form"].errors
    response = client.post(add_url, {"body": "Please add the dates."})
    assert response.status_code == 302 and response.url.endswith(f"#review-{section.pk}")
    comment = ReportComment.objects.get()

    # Someone else cannot even see the delete page of alice's comment.
    delete_url = reverse("community:report_comment_delete", args=[report.year, comment.pk])
    client.force_login(office_user)
    assert client.get(delete_url).status_code == 404
    assert client.post(delete_url).status_code == 404
    client.post(reverse("community:report_comment_resolve", args=[report.year, comment.pk]))
    comment.refresh_from_db()
    assert comment.resolved_by == office_user

    # Resolved: the author's delete page says it stays.
    client.force_login(alice)
    page = client.get(delete_url)
    assert page.status_code == 200 and page.context["can_delete"] is False
    client.post(delete_url)
    assert ReportComment.objects.filter(pk=comment.pk).exists()


def test_the_author_deletes_after_a_confirmation(client, report, section, alice):
    comment = ReportCommentFactory(section=section, author=alice)
    url = reverse("community:report_comment_delete", args=[report.year, comment.pk])
    client.force_login(alice)

    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Delete the comment" in confirm.content
    assert client.post(url).status_code == 302
    assert not ReportComment.objects.exists()


def test_comments_are_not_public_nor_in_the_api(client, core_team, alice):
    report = AnnualReportFactory(published=True)
    section = ReportSectionFactory(report=report, body="Public text.")
    ReportCommentFactory(section=section, author=alice, body="SECRET REVIEW NOTE")

    page = client.get(reverse("community:report", args=[report.year]))
    api = client.get(f"/api/v1/community/reports/{report.year}/")
    assert b"Public text." in page.content
    assert b"SECRET REVIEW NOTE" not in page.content
    assert b"SECRET REVIEW NOTE" not in api.content


def test_outsiders_get_404_on_the_review_routes(client, report, section, bob, stranger, alice):
    comment = ReportCommentFactory(section=section, author=alice)
    urls = [
        ("get", reverse("community:report_comments", args=[report.year, section.pk])),
        ("post", reverse("community:report_comments", args=[report.year, section.pk])),
        ("post", reverse("community:report_comment_resolve", args=[report.year, comment.pk])),
        ("get", reverse("community:report_comment_delete", args=[report.year, comment.pk])),
        ("post", reverse("community:report_ready", args=[report.year])),
        ("get", reverse("community:report_image_new", args=[report.year])),
    ]
    for user in (bob, stranger):
        client.force_login(user)
        for method, url in urls:
            assert getattr(client, method)(url, {"body": "x"}).status_code == 404, (user, url)
    assert ReportComment.objects.count() == 1
    assert AnnualReport.objects.get().ready_at is None


# --- Ready for review -----------------------------------------------------------------------


def test_ready_for_review_tells_the_office_once_in_its_language(
    report, section, alice, office_user, bob, django_capture_on_commit_callbacks
):
    office_user.language = "de"
    office_user.save(update_fields=["language"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_mark_ready(report=report, by=alice)
        services.report_mark_ready(report=report, by=alice)  # again: nothing new

    report.refresh_from_db()
    assert report.ready_by == alice and report.ready_at is not None
    told = notices("community.report_ready")
    assert [n.user for n in told] == [office_user]
    assert told[0].language == "de"
    assert told[0].url.endswith(reverse("community:report_edit", args=[report.year]))
    assert str(report.year) in told[0].subject
    assert [m.to for m in mail.outbox] == [[office_user.email]]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_a_later_change_takes_the_mark_back_and_ready_again_tells_again(
    report, section, alice, office_user
):
    services.report_mark_ready(report=report, by=alice)
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Welcome, all."
    )
    report.refresh_from_db()
    assert report.ready_at is None and report.ready_by is None

    services.report_mark_ready(report=report, by=alice)
    assert len(notices("community.report_ready")) == 2


def test_only_the_core_team_marks_ready_a_draft_with_text(core_team, alice, office_user, bob):
    empty = AnnualReportFactory()
    ReportSectionFactory(report=empty, body="")
    with pytest.raises(DomainError) as caught:
        services.report_mark_ready(report=empty, by=alice)
    assert caught.value.code == "empty"
    ReportSectionFactory(report=empty, body="Text")
    for user in (office_user, bob, None):
        with pytest.raises(DomainError) as caught:
            services.report_mark_ready(report=empty, by=user)
        assert caught.value.code == "not_core_team"
    published = AnnualReportFactory(year=2001, published=True)
    with pytest.raises(DomainError):
        services.report_mark_ready(report=published, by=alice)
    assert notices("community.report_ready") == []


def test_an_office_member_who_turned_it_off_gets_no_mail(report, section, alice, office_user):
    NotificationPreference.objects.create(
        user=office_user, kind="community.report_ready", delivery=Delivery.OFF
    )
    mail.outbox.clear()

    services.report_mark_ready(report=report, by=alice)

    assert mail.outbox == []
    told = notices("community.report_ready")
    assert [(n.user, n.delivery, n.sent_at) for n in told] == [(office_user, Delivery.OFF, None)]


def test_the_office_sees_ready_for_review_on_its_list(client, report, section, alice, office_user):
    services.report_mark_ready(report=report, by=alice)
    client.force_login(office_user)

    page = client.get(reverse("community:report_drafts")).content.decode()
    assert "Ready for review" in page and "Alice Owner" in page
    detail = client.get(reverse("community:report_edit", args=[report.year])).content.decode()
    assert "Ready for review" in detail


def test_the_core_team_marks_ready_through_the_page(client, report, section, alice):
    client.force_login(alice)
    editor = client.get(reverse("community:report_edit", args=[report.year])).content.decode()
    ready_url = reverse("community:report_ready", args=[report.year])
    assert f'action="{ready_url}"' in editor

    assert client.get(ready_url).status_code == 405
    assert client.post(ready_url).status_code == 302
    assert AnnualReport.objects.get().ready_at is not None


# --- Published: every community member hears of it -------------------------------------------


def test_publishing_tells_every_community_member_once(
    core_team,
    gamma_member,
    alice,
    bob,
    charlie,
    dora,
    stranger,
    stranger_org,
    office_user,
    django_capture_on_commit_callbacks,
):
    from cpo_portal.documents.models import Document, DocumentStatus

    dora.language = "de"
    dora.save(update_fields=["language"])
    NotificationPreference.objects.create(
        user=charlie, kind="community.report_published", delivery=Delivery.DIGEST
    )
    report = AnnualReportFactory(snapshot={"year": 1}, snapshot_taken_at=timezone.now())
    ReportSectionFactory(report=report, body="Text")
    # A current PDF (rendering is not under test here).
    document = services.report_render(report=report, by=alice)
    with scopes_disabled():
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.READY, file="documents/report.pdf", rendered_at=timezone.now()
        )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_publish(report=report, by=office_user)

    told = {n.user: n for n in notices("community.report_published")}
    # Alpha (alice, bob), Beta (charlie), Gamma (dora): the stranger's is no member.
    assert set(told) == {alice, bob, charlie, dora}
    assert told[dora].language == "de"
    assert told[charlie].delivery == Delivery.DIGEST and told[charlie].sent_at is None
    assert told[alice].url.endswith(reverse("community:report", args=[report.year]))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email, dora.email])


def test_a_persons_review_comments_are_in_their_data_export(section, alice):
    from community.personal_data import export

    ReportCommentFactory(section=section, author=alice, body="Mine.")

    exported = export(alice)["report_review_comments"]
    assert [(c["section"], c["comment"]) for c in exported] == [("Foreword", "Mine.")]
