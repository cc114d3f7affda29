"""CPO Statements: drafting, answering, publishing and versions; link and upload; the PDF;
deadline reminders (the pages: test_statements_views.py; the API: test_statements_api.py)."""

import hashlib
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError
from criteria.models import Criterion
from signees.models import (
    Signee,
    Statement,
    StatementKind,
    StatementReminder,
    StatementStatus,
)
from signees.selectors.statements import overdue_statement_signees, statement_progress
from signees.services.statements import (
    MAX_UPLOAD_BYTES,
    statement_answer_save,
    statement_discard,
    statement_reminders_send,
    statement_set_kind,
    statement_set_link,
    statement_start_draft,
    statement_summary_save,
    statement_upload,
)
from signees.tasks import send_statement_reminders
from tests.signees.factories import SigneeFactory
from tests.signees.helpers import (
    ANSWERS,
    answer_all,
    answer_count,
    criterion,
    real_pdf,
    reload,
    sign,
)

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------


def statement_documents(organization):
    with scope(organization=organization):
        return list(Document.objects.filter(kind="cpo_statement").order_by("pk"))


def verbs(organization):
    with scope(organization=organization):
        return list(
            ActivityEntry.objects.filter(verb__startswith="statement.")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def stored_files():
    try:
        return default_storage.listdir("statements")[1]
    except FileNotFoundError:
        return []


# --- drafting and publishing --------------------------------------------------------------


def test_draft_answers_publish_shows_the_public_page_and_renders_the_pdf(
    client, draft, alice, alpha, publish
):
    assert draft.number == 1
    assert draft.status == StatementStatus.DRAFT
    assert draft.catalogue_version.code == "t-1"
    answer_all(draft, alice)
    assert statement_progress(reload(draft)).complete

    statement = publish(draft, alice)

    assert statement.status == StatementStatus.PUBLISHED
    assert statement.published_at is not None
    [document] = statement_documents(alpha)
    assert document.status == DocumentStatus.READY, document.last_error
    with document.file.open("rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF")
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert verbs(alpha)[0] == "statement.draft_started"
    assert verbs(alpha)[-1] == "statement.published"

    page = client.get(f"/signees/{alpha.slug}/statement/")
    assert page.status_code == 200
    html = page.content.decode()
    for code in ANSWERS:
        assert code in html
    assert "Partially fulfilled" in html
    assert "The REST API is documented" in html
    assert 'href="https://example.org/step"' in html
    download = client.get(reverse("signees:public_statement_pdf", args=[alpha.slug, 1]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == pdf


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_statement_pdf_names_company_version_and_every_answer(published_with_pdf, alpha):
    [document] = statement_documents(alpha)
    with document.file.open("rb") as fh:
        pdf = fh.read()
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())
    assert "Alpha" in text
    assert "t-1" in text
    for code, (_fulfilment, explanation, _link) in ANSWERS.items():
        assert code in text
        assert explanation in text
    assert "Partially fulfilled" in text
    assert "Not fulfilled" in text


def test_second_version_supersedes_the_first_which_stays_readable(
    client, published_with_pdf, alice, alpha, publish
):
    published = published_with_pdf
    second = statement_start_draft(signee=published.signee, by=alice)
    assert second.number == 2
    # The answers of version 1 are carried over.
    assert statement_progress(reload(second)).complete
    statement_answer_save(
        statement=second,
        criterion=criterion(second.catalogue_version, "2.1.3"),
        fulfilment="fulfilled",
        explanation="",
        link="",
        by=alice,
    )
    publish(second, alice)

    assert reload(published).status == StatementStatus.SUPERSEDED
    assert reload(second).status == StatementStatus.PUBLISHED
    current = client.get(f"/signees/{alpha.slug}/statement/").content.decode()
    assert "version 2" in current
    assert "Proprietary formats only for now." not in current
    old = client.get(f"/signees/{alpha.slug}/statement/v1/")
    assert old.status_code == 200
    assert "This version has been superseded." in old.content.decode()
    assert "Proprietary formats only for now." in old.content.decode()
    assert client.get(f"/signees/{alpha.slug}/statement/v2/").status_code == 200
    assert client.get(f"/signees/{alpha.slug}/statement/v3/").status_code == 404
    assert len(statement_documents(alpha)) == 2


def test_only_one_draft_at_a_time(draft, approved, alice):
    with pytest.raises(DomainError, match="exists already"):
        statement_start_draft(signee=approved, by=alice)


def test_plain_member_cannot_start_or_answer(approved, draft, bob, mini_catalogue):
    with pytest.raises(DomainError, match="owner or admin"):
        statement_start_draft(signee=approved, by=bob)
    with pytest.raises(DomainError, match="owner or admin"):
        statement_answer_save(
            statement=draft,
            criterion=criterion(mini_catalogue, "2.1.1"),
            fulfilment="fulfilled",
            by=bob,
        )
    assert answer_count(approved.organization) == 0


def test_a_signee_that_has_not_signed_cannot_start(beta, charlie, mini_catalogue):
    signee = SigneeFactory(organization=beta, group="it_customer")
    with scopes_disabled():
        Signee.objects.filter(pk=signee.pk).update(status="rejected")
        signee.refresh_from_db()
    with pytest.raises(DomainError, match="once the company has signed"):
        statement_start_draft(signee=signee, by=charlie)


def test_answer_for_a_criterion_of_another_version_is_refused(
    draft, alice, alpha, newer_mini_catalogue
):
    foreign = criterion(newer_mini_catalogue, "2.1.1")
    with pytest.raises(DomainError, match="not part of catalogue version t-1"):
        statement_answer_save(
            statement=draft, criterion=foreign, fulfilment="fulfilled", explanation="", by=alice
        )
    assert answer_count(alpha) == 0
    assert "statement.answer_saved" not in verbs(alpha)


def test_answer_for_a_criterion_of_another_group_is_refused(beta, charlie, mini_catalogue):
    signee = SigneeFactory(organization=beta, group="it_customer")
    statement = statement_start_draft(signee=signee, by=charlie)
    with pytest.raises(DomainError, match="does not apply"):
        statement_answer_save(
            statement=statement,
            criterion=criterion(mini_catalogue, "2.1.2"),  # IT vendors only
            fulfilment="fulfilled",
            by=charlie,
        )
    assert answer_count(beta) == 0
    # The customer's statement has two criteria, not three.
    assert statement_progress(reload(statement)).total == 2


def test_not_applicable_is_refused_where_the_criterion_does_not_allow_it(
    draft, alice, alpha, mini_catalogue
):
    with pytest.raises(DomainError) as refused:
        statement_answer_save(
            statement=draft,
            criterion=criterion(mini_catalogue, "2.1.3"),
            fulfilment="not_applicable",
            explanation="We do not do that.",
            by=alice,
        )
    assert "“Not applicable” is not allowed for criterion 2.1.3." in refused.value.messages
    assert answer_count(alpha) == 0

    Criterion.objects.filter(version=mini_catalogue, code="2.1.3").update(na_allowed=True)
    statement_answer_save(
        statement=draft,
        criterion=criterion(mini_catalogue, "2.1.3"),
        fulfilment="not_applicable",
        explanation="We do not do that.",
        by=alice,
    )
    assert answer_count(alpha) == 1


@pytest.mark.parametrize("fulfilment", ["partially", "not_fulfilled"])
def test_anything_but_fulfilled_needs_an_explanation(
    draft, alice, alpha, mini_catalogue, fulfilment
):
    with pytest.raises(DomainError, match="Explain this answer"):
        statement_answer_save(
            statement=draft,
            criterion=criterion(mini_catalogue, "2.1.1"),
            fulfilment=fulfilment,
            explanation="   ",
            by=alice,
        )
    assert answer_count(alpha) == 0


def test_answer_link_must_be_a_web_address(draft, alice, alpha, mini_catalogue):
    with pytest.raises(DomainError, match="complete web address"):
        statement_answer_save(
            statement=draft,
            criterion=criterion(mini_catalogue, "2.1.1"),
            fulfilment="fulfilled",
            link="javascript:alert(1)",
            by=alice,
        )
    assert answer_count(alpha) == 0


def test_saving_the_same_answer_twice_logs_once(draft, alice, alpha, mini_catalogue):
    for _ in range(2):
        statement_answer_save(
            statement=draft,
            criterion=criterion(mini_catalogue, "2.1.1"),
            fulfilment="fulfilled",
            by=alice,
        )
    assert verbs(alpha).count("statement.answer_saved") == 1


def test_publish_with_missing_answers_is_refused(draft, alice, alpha, publish):
    answer_all(draft, alice, {k: v for k, v in ANSWERS.items() if k != "2.1.2"})
    with pytest.raises(DomainError, match=r"Still open: 2\.1\.2"):
        publish(draft, alice)
    assert reload(draft).status == StatementStatus.DRAFT
    assert reload(draft).published_at is None
    assert statement_documents(alpha) == []


def test_published_versions_cannot_be_changed(published, alice, mini_catalogue):
    with pytest.raises(DomainError, match="can no longer be changed"):
        statement_answer_save(
            statement=published,
            criterion=criterion(mini_catalogue, "2.1.1"),
            fulfilment="not_fulfilled",
            explanation="Changed my mind",
            by=alice,
        )
    with pytest.raises(DomainError, match="can no longer be changed"):
        statement_discard(statement=published, by=alice)


def test_discarding_a_draft_deletes_it_and_its_answers(draft, alice, alpha):
    answer_all(draft, alice)
    statement_discard(statement=draft, by=alice)
    with scopes_disabled():
        assert not Statement.objects.exists()
    assert answer_count(alpha) == 0
    assert verbs(alpha)[-1] == "statement.draft_discarded"


def test_summary_is_saved_and_carried_into_the_next_version(draft, alice, publish):
    statement_summary_save(statement=draft, summary="  Covers ACME PLM 12.  ", by=alice)
    answer_all(draft, alice)
    publish(draft, alice)
    second = statement_start_draft(signee=draft.signee, by=alice)
    assert second.summary == "Covers ACME PLM 12."


# --- link and upload ----------------------------------------------------------------------


def test_link_kind_with_an_invalid_url_is_refused(draft, alice):
    for bad in ["not a url", "javascript:alert(1)", "ftp://example.org/statement.pdf", ""]:
        with pytest.raises(DomainError):
            statement_set_link(statement=draft, url=bad, by=alice)
    draft = reload(draft)
    assert draft.external_url == ""
    assert draft.kind == StatementKind.ONLINE


def test_link_kind_publishes_without_answers_and_the_public_page_links_out(
    client, draft, alice, alpha, publish
):
    statement_set_link(statement=draft, url="https://acme.example/cpo-statement", by=alice)
    publish(draft, alice)
    assert statement_documents(alpha) == []  # nothing to render: the statement is elsewhere
    html = client.get(f"/signees/{alpha.slug}/statement/").content.decode()
    assert 'href="https://acme.example/cpo-statement"' in html


def test_upload_of_a_non_pdf_renamed_pdf_is_refused(draft, alice):
    forged = SimpleUploadedFile(
        "statement.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    with pytest.raises(DomainError, match="not a PDF"):
        statement_upload(statement=draft, upload=forged, by=alice)
    draft = reload(draft)
    assert not draft.file
    assert draft.file_sha256 == ""
    assert draft.kind == StatementKind.ONLINE
    assert stored_files() == []


def test_upload_larger_than_10_mb_is_refused(draft, alice):
    big = b"%PDF-1.7\n" + b"0" * MAX_UPLOAD_BYTES + b"\n%%EOF\n"
    with pytest.raises(DomainError, match="larger than 10 MB"):
        statement_upload(
            statement=draft,
            upload=SimpleUploadedFile("big.pdf", big, content_type="application/pdf"),
            by=alice,
        )
    assert not reload(draft).file
    assert stored_files() == []


def test_upload_of_a_real_pdf_is_stored_with_its_sha256(client, draft, alice, alpha, publish):
    pdf = real_pdf()
    statement_upload(
        statement=draft,
        upload=SimpleUploadedFile("anything.txt", pdf, content_type="text/plain"),
        by=alice,
    )
    draft = reload(draft)
    assert draft.kind == StatementKind.UPLOAD
    assert draft.file_sha256 == hashlib.sha256(pdf).hexdigest()
    with draft.file.open("rb") as fh:
        assert fh.read() == pdf

    publish(draft, alice)
    page = client.get(f"/signees/{alpha.slug}/statement/").content.decode()
    assert draft.file_sha256 in page
    download = client.get(f"/signees/{alpha.slug}/statement/v1/pdf/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]


def test_replacing_an_upload_keeps_only_the_new_file(
    draft, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statement_upload(statement=draft, upload=SimpleUploadedFile("a.pdf", real_pdf()), by=alice)
        statement_upload(statement=draft, upload=SimpleUploadedFile("b.pdf", real_pdf()), by=alice)
    assert len(stored_files()) == 1


def test_switching_kinds_keeps_the_answers(draft, alice, alpha):
    answer_all(draft, alice)
    statement_set_kind(statement=draft, kind=StatementKind.UPLOAD, by=alice)
    statement_set_kind(statement=draft, kind=StatementKind.ONLINE, by=alice)
    assert answer_count(alpha) == 3
    with pytest.raises(DomainError):
        statement_set_kind(statement=draft, kind="fax", by=alice)


def test_upload_kind_without_a_file_cannot_be_published(draft, alice, publish):
    statement_set_kind(statement=draft, kind=StatementKind.UPLOAD, by=alice)
    with pytest.raises(DomainError, match="Upload the PDF"):
        publish(draft, alice)


# --- the deadline ---------------------------------------------------------------------------


def set_due(signee, due):
    with scopes_disabled():
        Signee.objects.filter(pk=signee.pk).update(statement_due=due)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return statement_reminders_send(today=today)

    return run


def test_vendor_gets_reminders_30_and_7_days_ahead_and_when_overdue_once_each(
    approved, alpha, send
):
    today = timezone.localdate()
    due = today + timedelta(days=30)
    set_due(approved, due)

    assert send(due - timedelta(days=31)) == 0
    assert send(due - timedelta(days=30)) == 1
    assert send(due - timedelta(days=30)) == 0  # run twice: no second mail
    assert send(due - timedelta(days=20)) == 0
    assert send(due - timedelta(days=7)) == 1
    assert send(due - timedelta(days=7)) == 0
    assert send(due) == 0
    assert send(due + timedelta(days=1)) == 1
    assert send(due + timedelta(days=1)) == 0
    assert send(due + timedelta(days=9)) == 0

    assert len(mail.outbox) == 3
    assert all(m.to == ["alice@example.org"] for m in mail.outbox)  # admins, not bob
    assert "is due on" in mail.outbox[0].subject
    assert "in 30 days" in mail.outbox[0].body
    assert "in 7 days" in mail.outbox[1].body
    assert "overdue" in mail.outbox[2].subject
    assert f"/o/{alpha.slug}/statement/" in mail.outbox[2].body
    with scope(organization=alpha):
        assert sorted(StatementReminder.objects.values_list("kind", flat=True)) == [
            "30",
            "7",
            "overdue",
        ]


def test_a_missed_day_still_gets_its_reminder_later(approved, send):
    due = timezone.localdate() + timedelta(days=30)
    set_due(approved, due)
    assert send(due - timedelta(days=25)) == 1  # the beat did not run on the 30th day
    assert "in 25 days" in mail.outbox[0].body


def test_no_reminder_once_a_statement_is_published(published, send):
    set_due(published.signee, timezone.localdate() + timedelta(days=7))
    assert send(timezone.localdate()) == 0
    assert send(timezone.localdate() + timedelta(days=8)) == 0
    assert mail.outbox == []


def test_no_reminders_for_other_groups(beta, charlie, mini_catalogue, send):
    signee = sign(beta, charlie, group="it_customer").signee
    assert signee.statement_due is None
    set_due(signee, timezone.localdate())  # even with a date, customers are not chased
    assert send(timezone.localdate() + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_the_daily_task_sends_the_reminders(approved, django_capture_on_commit_callbacks):
    set_due(approved, timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_statement_reminders() == 1
    assert len(mail.outbox) == 1


def test_celery_beat_runs_the_reminders_every_day():
    from django.conf import settings

    from cpo_portal.celery import app

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == send_statement_reminders.name
    ]
    assert len(entries) == 1
    assert send_statement_reminders.name in app.tasks
    schedule = app.conf.beat_schedule  # what `celery beat` reads
    assert any(e["task"] == send_statement_reminders.name for e in schedule.values())
    # Due again at most a day after it last ran.
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    assert entries[0]["schedule"].is_due(day_ago).is_due


def test_overdue_signees_are_flagged_for_the_office(approved, alice, publish, send):
    set_due(approved, timezone.localdate() - timedelta(days=1))
    assert list(overdue_statement_signees()) == [approved]

    draft = statement_start_draft(signee=approved, by=alice)
    assert list(overdue_statement_signees()) == [approved]  # a draft is not a statement
    answer_all(draft, alice)
    publish(draft, alice)
    assert list(overdue_statement_signees()) == []


def test_no_reminder_for_a_statement_published_while_the_reminders_go_out(
    approved, alice, publish, send, monkeypatch
):
    """The daily job reads who is due, then mails them one by one; a statement published
    in between (the job holds no lock while it reads) must stop that signee's reminder."""
    from signees.services import statements

    set_due(approved, timezone.localdate() + timedelta(days=7))
    draft = statement_start_draft(signee=approved, by=alice)
    answer_all(draft, alice)
    read_recipients = statements._admin_emails

    def published_meanwhile(organizations):
        publish(reload(draft), alice)
        return read_recipients(organizations)

    monkeypatch.setattr(statements, "_admin_emails", published_meanwhile)
    assert send(timezone.localdate()) == 0
    assert mail.outbox == []
    with scopes_disabled():
        assert not StatementReminder.objects.filter(signee=approved).exists()


def test_no_reminder_once_the_signee_is_no_longer_due(approved, send, monkeypatch, office_user):
    """The same for a signature withdrawn or a deadline moved while the job runs."""
    from signees.services import statements

    set_due(approved, timezone.localdate() + timedelta(days=7))
    read_recipients = statements._admin_emails

    def moved_meanwhile(organizations):
        set_due(approved, timezone.localdate() + timedelta(days=60))
        return read_recipients(organizations)

    monkeypatch.setattr(statements, "_admin_emails", moved_meanwhile)
    assert send(timezone.localdate()) == 0
    assert mail.outbox == []


def test_after_publishing_no_deadline_is_shown_as_pending(
    client, approved, alice, alpha, publish, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    set_due(approved, timezone.localdate() + timedelta(days=12))
    client.force_login(alice)
    api = APIClient()
    api.force_authenticate(alice)
    pending = "publishes its CPO Statement by"
    assert pending in client.get(org_url("status", alpha)).content.decode()
    assert api.get(f"/api/v1/organizations/{alpha.slug}/signing/").json()["statement_due"]

    draft = statement_start_draft(signee=approved, by=alice)
    answer_all(draft, alice)
    publish(draft, alice)

    status = client.get(org_url("status", alpha)).content.decode()
    assert pending not in status
    overview = client.get(org_url("statement", alpha)).content.decode()
    assert "statement-deadline" not in overview and "is due on" not in overview
    assert api.get(f"/api/v1/organizations/{alpha.slug}/signing/").json()["statement_due"] is None
    assert api.get(f"/api/v1/organizations/{alpha.slug}/statement/").json()["due"] is None
    public = client.get(reverse("signees:detail", args=[alpha.slug])).content.decode()
    assert "it is due by" not in public and "it was due by" not in public
    # Past the old deadline, nothing turns overdue either.
    set_due(approved, timezone.localdate() - timedelta(days=1))
    assert "was due" not in client.get(org_url("status", alpha)).content.decode()
    assert list(overdue_statement_signees()) == []


def test_the_office_flag_query_is_bounded(
    approved, django_assert_num_queries, beta, charlie, mini_catalogue
):
    SigneeFactory(organization=beta)
    with scopes_disabled():
        Signee.objects.update(statement_due=timezone.localdate() - timedelta(days=2))
    with django_assert_num_queries(1):
        rows = [(s.organization.slug, s.statement_due) for s in overdue_statement_signees()]
    assert len(rows) == 2


# --- the workspace pages --------------------------------------------------------------------


def org_url(name, org, *args):
    return reverse(f"signees:{name}", args=[org.slug, *args])


def _workspace_statement_urls(alpha, criterion_id):
    names = [
        ("statement", ()),
        ("statement_start", ()),
        ("statement_draft", ()),
        ("statement_answer", (criterion_id,)),
        ("statement_summary", ()),
        ("statement_kind", ()),
        ("statement_link", ()),
        ("statement_upload", ()),
        ("statement_publish", ()),
        ("statement_discard", ()),
        ("statement_version", (1,)),
        ("statement_file", (1,)),
    ]
    return [org_url(name, alpha, *args) for name, args in names]


# --- the public pages -----------------------------------------------------------------------


# --- the API -------------------------------------------------------------------------------


def api_url(org):
    return reverse("api:organization-statement", args=[org.slug])
