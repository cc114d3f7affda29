"""Documents are served only through checked views; outsiders get 404."""

import pytest
from django_scopes import scope

from cpo_portal.documents.models import Document, DocumentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity_pdf(alpha, alice, request_document):
    """A rendered organization_activity document (admins only)."""
    document = request_document(alpha, kind="organization_activity", by=alice)
    assert document.status == DocumentStatus.READY, document.last_error
    return document


@pytest.fixture
def members_pdf(alpha, alice, test_kinds, request_document):
    """A rendered document of a kind every member may download."""
    return request_document(alpha, kind="test_members", by=alice)


def _url(document, suffix="download/"):
    return f"/o/{document.organization.slug}/documents/{document.pk}/{suffix}"


def test_owner_downloads_the_pdf_as_an_attachment(client, alice, activity_pdf):
    client.force_login(alice)
    response = client.get(_url(activity_pdf))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert activity_pdf.filename in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert len(body) == activity_pdf.size


def test_plain_member_gets_404_for_an_admins_only_document(client, bob, activity_pdf):
    client.force_login(bob)
    assert client.get(_url(activity_pdf)).status_code == 404
    assert client.get(_url(activity_pdf, "")).status_code == 404


def test_plain_member_downloads_an_ordinary_document(client, bob, members_pdf):
    client.force_login(bob)
    assert client.get(_url(members_pdf)).status_code == 200
    assert client.get(_url(members_pdf, "")).status_code == 200


def test_document_list_hides_admins_only_documents_from_members(
    client, bob, alice, activity_pdf, members_pdf
):
    client.force_login(bob)
    assert list(client.get("/o/alpha/documents/").context["page"].object_list) == [members_pdf]
    client.force_login(alice)
    listed = client.get("/o/alpha/documents/").context["page"].object_list
    assert set(listed) == {members_pdf, activity_pdf}


@pytest.mark.parametrize("suffix", ["", "download/"])
def test_outsider_gets_404_for_documents(client, charlie, beta, activity_pdf, members_pdf, suffix):
    client.force_login(charlie)
    for document in (activity_pdf, members_pdf):
        assert client.get(_url(document, suffix)).status_code == 404
        # nor through their own workspace
        assert client.get(f"/o/beta/documents/{document.pk}/{suffix}").status_code == 404


def test_anonymous_is_sent_to_login_for_documents(client, activity_pdf):
    response = client.get(_url(activity_pdf))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_document_that_is_not_ready_is_not_downloadable(
    client, alice, alpha, test_kinds, request_document
):
    document = request_document(alpha, render=False)
    client.force_login(alice)
    assert client.get(_url(document)).status_code == 404
    assert client.get(_url(document, "")).status_code == 200


def test_document_detail_htmx_returns_the_status_fragment(client, alice, members_pdf):
    client.force_login(alice)
    response = client.get(_url(members_pdf, ""), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "documents/_status.html"


def test_office_downloads_any_document(client, office_user, activity_pdf):
    client.force_login(office_user)
    response = client.get(f"/office/documents/{activity_pdf.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_office_download_is_404_for_everyone_else(client, request, activity_pdf, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/office/documents/{activity_pdf.pk}/download/").status_code == 404


def test_office_download_of_unknown_document_is_404(client, office_user):
    client.force_login(office_user)
    assert client.get("/office/documents/999999/download/").status_code == 404


def test_owner_requests_the_activity_pdf(client, alice, alpha, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/activity/pdf/")
    with scope(organization=alpha):
        document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(document, "")
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.kind == "organization_activity"


def test_activity_pdf_needs_post(client, alice, alpha):
    client.force_login(alice)
    assert client.get("/o/alpha/activity/pdf/").status_code == 405


def test_document_list_query_count_does_not_grow_with_documents(
    client, alice, alpha, test_kinds, request_document, django_assert_max_num_queries
):
    client.force_login(alice)
    request_document(alpha, render=False)
    with django_assert_max_num_queries(20) as few:
        client.get("/o/alpha/documents/")
    for _ in range(20):
        request_document(alpha, render=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/o/alpha/documents/")
    assert len(response.context["page"].object_list) == 21


def test_owner_rerenders_a_document(
    client, alice, members_pdf, reload_document, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(members_pdf, "rerender/"))
    assert response.status_code == 302
    assert response["Location"] == _url(members_pdf, "")
    again = reload_document(members_pdf)
    assert again.status == DocumentStatus.READY
    assert again.file.name != members_pdf.file.name


def test_rerender_of_a_document_in_progress_shows_a_message(
    client, alice, alpha, test_kinds, request_document, reload_document
):
    document = request_document(alpha, render=False)
    client.force_login(alice)
    response = client.post(_url(document, "rerender/"), follow=True)
    assert response.status_code == 200
    assert "already being rendered" in response.content.decode()
    assert reload_document(document).status == DocumentStatus.PENDING


@pytest.mark.parametrize(("who", "status"), [("bob", 403), ("charlie", 404)])
def test_rerender_is_for_admins_of_the_organization(
    client, request, beta, members_pdf, reload_document, who, status
):
    client.force_login(request.getfixturevalue(who))
    assert client.post(_url(members_pdf, "rerender/")).status_code == status
    assert reload_document(members_pdf).file.name == members_pdf.file.name


def test_rerender_needs_post(client, alice, members_pdf):
    client.force_login(alice)
    assert client.get(_url(members_pdf, "rerender/")).status_code == 405
