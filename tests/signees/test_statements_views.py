"""The CPO Statement's pages: the organization's workspace and the public pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from signees.models import Signee, StatementAnswer, StatementKind, StatementStatus
from signees.services.statements import statement_start_draft
from tests.signees.helpers import ANSWERS, answer_all, answer_count, criterion, real_pdf, reload

pytestmark = pytest.mark.django_db


def set_due(signee, due):
    with scopes_disabled():
        Signee.objects.filter(pk=signee.pk).update(statement_due=due)


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


def test_overview_shows_due_date_and_overdue_banner(client, approved, alice, alpha):
    client.force_login(alice)
    set_due(approved, timezone.localdate() + timedelta(days=12))
    html = client.get(org_url("statement", alpha)).content.decode()
    assert "in 12 days" in html
    set_due(approved, timezone.localdate() - timedelta(days=1))
    html = client.get(org_url("statement", alpha)).content.decode()
    assert "was due on" in html


def test_full_flow_through_the_pages_without_javascript(
    client, approved, alice, alpha, mini_catalogue, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    response = client.post(org_url("statement_start", alpha))
    assert response.status_code == 302
    assert response["Location"] == org_url("statement_draft", alpha)

    editor = client.get(org_url("statement_draft", alpha))
    assert editor.status_code == 200
    assert "0 of 3 criteria answered" in editor.content.decode()

    for code, (fulfilment, explanation, link) in ANSWERS.items():
        c = criterion(mini_catalogue, code)
        response = client.post(
            org_url("statement_answer", alpha, c.pk),
            {
                f"c{c.pk}-fulfilment": fulfilment,
                f"c{c.pk}-explanation": explanation,
                f"c{c.pk}-link": link,
            },
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"#c-{c.pk}")
    assert (
        "3 of 3 criteria answered" in client.get(org_url("statement_draft", alpha)).content.decode()
    )

    confirm = client.get(org_url("statement_publish", alpha))
    assert confirm.status_code == 200
    refused = client.post(org_url("statement_publish", alpha), {})
    assert refused.status_code == 200
    assert "Tick the box to confirm." in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(org_url("statement_publish", alpha), {"confirm": "on"})
    assert response.status_code == 302
    overview = client.get(org_url("statement", alpha)).content.decode()
    assert "Version 1" in overview
    assert org_url("statement_file", alpha, 1) in overview  # the rendered PDF
    pdf = client.get(org_url("statement_file", alpha, 1))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_not_applicable_through_the_form_shows_the_error_and_writes_nothing(
    client, draft, alice, alpha, mini_catalogue
):
    client.force_login(alice)
    c = criterion(mini_catalogue, "2.1.1")
    response = client.post(
        org_url("statement_answer", alpha, c.pk),
        {f"c{c.pk}-fulfilment": "not_applicable", f"c{c.pk}-explanation": "n/a"},
    )
    assert response.status_code == 200
    assert "is not allowed for criterion 2.1.1" in response.content.decode()
    assert answer_count(alpha) == 0


def test_answer_for_a_foreign_criterion_through_the_page_is_refused(
    client, draft, alice, alpha, newer_mini_catalogue
):
    client.force_login(alice)
    foreign = criterion(newer_mini_catalogue, "2.1.1")
    data = {f"c{foreign.pk}-fulfilment": "fulfilled"}
    response = client.post(org_url("statement_answer", alpha, foreign.pk), data, follow=True)
    assert "is not part of catalogue version t-1" in response.content.decode()
    htmx = client.post(org_url("statement_answer", alpha, foreign.pk), data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 400
    assert "is not part of catalogue version t-1" in htmx.content.decode()
    assert answer_count(alpha) == 0


def test_htmx_autosave_returns_the_row_partial_and_the_progress(
    client, draft, alice, alpha, mini_catalogue
):
    client.force_login(alice)
    c = criterion(mini_catalogue, "2.1.1")
    response = client.post(
        org_url("statement_answer", alpha, c.pk),
        {f"c{c.pk}-fulfilment": "fulfilled"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="c-{c.pk}"' in html
    assert f'id="fb-{c.pk}-body"' in html
    assert "Saved at" in html
    assert 'id="statement-progress" hx-swap-oob="true"' in html
    assert "1 of 3 criteria answered" in html
    assert answer_count(alpha) == 1

    invalid = client.post(
        org_url("statement_answer", alpha, c.pk),
        {f"c{c.pk}-fulfilment": "partially", f"c{c.pk}-explanation": ""},
        HTTP_HX_REQUEST="true",
    )
    assert invalid.status_code == 200
    assert "Not saved yet:" in invalid.content.decode()
    with scope(organization=alpha):
        assert StatementAnswer.objects.get().fulfilment == "fulfilled"


def test_editor_has_an_autosaving_form_per_criterion(client, draft, alice, alpha):
    client.force_login(alice)
    html = client.get(org_url("statement_draft", alpha)).content.decode()
    assert html.count('hx-trigger="change, submit"') == 3
    assert html.count('name="csrfmiddlewaretoken"') >= 3


def test_upload_and_link_through_the_pages(client, draft, alice, alpha):
    client.force_login(alice)
    forged = SimpleUploadedFile("statement.pdf", b"<html>hi</html>", content_type="application/pdf")
    response = client.post(org_url("statement_upload", alpha), {"file": forged})
    assert response.status_code == 200
    assert "This file is not a PDF document." in response.content.decode()
    assert not reload(draft).file

    bad = client.post(org_url("statement_link", alpha), {"external_url": "javascript:alert(1)"})
    assert bad.status_code == 200
    assert reload(draft).external_url == ""

    good = client.post(
        org_url("statement_upload", alpha), {"file": SimpleUploadedFile("s.pdf", real_pdf())}
    )
    assert good.status_code == 302
    assert reload(draft).kind == StatementKind.UPLOAD
    download = client.get(org_url("statement_file", alpha, 1))
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"


def test_plain_member_reads_but_gets_403_on_every_edit(client, draft, bob, alpha, mini_catalogue):
    client.force_login(bob)
    assert client.get(org_url("statement", alpha)).status_code == 200
    editor = client.get(org_url("statement_draft", alpha))
    assert editor.status_code == 200
    assert '<form method="post" action="/o/' not in editor.content.decode().split("<main")[1]
    c = criterion(mini_catalogue, "2.1.1")
    posts = [
        (org_url("statement_start", alpha), {}),
        (org_url("statement_answer", alpha, c.pk), {f"c{c.pk}-fulfilment": "fulfilled"}),
        (org_url("statement_summary", alpha), {"summary": "x"}),
        (org_url("statement_kind", alpha), {"kind": "link"}),
        (org_url("statement_link", alpha), {"external_url": "https://example.org/"}),
        (org_url("statement_upload", alpha), {"file": SimpleUploadedFile("s.pdf", b"%PDF-")}),
        (org_url("statement_publish", alpha), {"confirm": "on"}),
        (org_url("statement_discard", alpha), {"confirm": "on"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(org_url("statement_publish", alpha)).status_code == 403
    assert reload(draft).kind == StatementKind.ONLINE
    assert answer_count(alpha) == 0


def test_outsider_gets_404_on_every_workspace_statement_url(
    client, published, alpha, charlie, beta, alice, mini_catalogue
):
    statement_start_draft(signee=published.signee, by=alice)
    client.force_login(charlie)
    c = criterion(mini_catalogue, "2.1.1")
    for url in _workspace_statement_urls(alpha, c.pk):
        assert client.get(url).status_code == 404, url
        assert (
            client.post(url, {"confirm": "on", f"c{c.pk}-fulfilment": "fulfilled"}).status_code
            == 404
        ), url
    assert reload(published).status == StatementStatus.PUBLISHED
    assert answer_count(alpha) == 6  # version 1 and the draft's copies, nothing new


def test_visitor_is_sent_to_login_from_the_workspace(client, published, alpha, mini_catalogue):
    for url in _workspace_statement_urls(alpha, 1):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_public_pages_404_for_an_unapproved_signee(client, signed, alice, alpha, publish):
    draft = statement_start_draft(signee=signed, by=alice)  # pending review: signed
    answer_all(draft, alice)
    publish(draft, alice)
    for url in [
        f"/signees/{alpha.slug}/statement/",
        f"/signees/{alpha.slug}/statement/v1/",
        f"/signees/{alpha.slug}/statement/v1/pdf/",
    ]:
        assert client.get(url).status_code == 404, url


def test_public_pages_404_without_a_published_statement(client, draft, alpha):
    assert client.get(f"/signees/{alpha.slug}/statement/").status_code == 404
    assert client.get(f"/signees/{alpha.slug}/statement/v1/").status_code == 404  # a draft
    assert client.get("/signees/nobody/statement/").status_code == 404


def test_public_page_is_cached_for_visitors_and_bounded_in_queries(
    client, published_with_pdf, alpha, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(f"/signees/{alpha.slug}/statement/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


def test_demo_catalogue_is_labelled_on_the_public_page(client, published, alpha):
    with scopes_disabled():
        version = published.catalogue_version
    version.is_demo = True
    version.save(update_fields=["is_demo"])
    html = client.get(f"/signees/{alpha.slug}/statement/").content.decode()
    assert "not the official DIN SPEC 91372 text" in html
