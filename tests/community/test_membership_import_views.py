"""The office's member list pages: upload with a clear refusal of a bad file, the dry run
page, applying it from there, the history; outsiders get 404, visitors the sign-in page."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.member_list import MAX_BYTES
from community.models import AssociationMembership, MembershipImport
from community.models import MembershipStatus as M
from community.services import membership as services
from tests.community.factories import AssociationMembershipFactory
from tests.factories import OrganizationFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db
NEXT_YEAR = date(timezone.localdate().year + 1, 12, 31)
IMPORT_URL = reverse("community:office_member_list_import")


def member_list(*lines):
    body = "Mitgliedsnummer;Firma;Mitglied seit;Gültig bis\n" + "\n".join(lines) + "\n"
    return body.encode()


def upload(content, name="members.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def text(response):
    return response.content.decode()


@pytest.fixture
def declared(catalogue, alpha, office_user):
    """Alpha, an approved signee, declared PI-1."""
    SigneeFactory(approved=True, organization=alpha, reviewed_by=office_user)
    return AssociationMembershipFactory(organization=alpha, number="PI-1")


@pytest.fixture
def dry_run(declared, office_user):
    organization = OrganizationFactory(legal_name="Würth Elektronik GmbH & Co. KG")
    SigneeFactory(approved=True, organization=organization, signed_by=None)
    content = member_list(
        f"PI-1;Alpha GmbH;;{NEXT_YEAR:%d.%m.%Y}",
        "PI-2;WUERTH ELEKTRONIK;2019-07-01;",
        "PI-3;Nobody AG;;",
        ";No number;;",
    )
    return services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )


def page_url(membership_import, name="office_member_list"):
    return reverse(f"community:{name}", args=[membership_import.pk])


def test_the_office_uploads_and_sees_the_dry_run(client, declared, office_user):
    client.force_login(office_user)
    assert "Import the prostep ivip member list" in text(client.get(IMPORT_URL))
    response = client.post(
        IMPORT_URL, {"file": upload(member_list(f"PI-1;Alpha;;{NEXT_YEAR}", "X;Y;bad;"))}
    )
    imported = MembershipImport.objects.get()
    assert response.status_code == 302 and response["Location"] == page_url(imported)
    page = text(client.get(page_url(imported)))
    assert "Dry run of the member list" in page
    assert "match by number" in page and "Verify the declared membership" in page
    assert "Row 3, column “Mitglied seit”: “bad” is no date" in page
    assert page_url(imported, "office_member_list_apply") in page
    with scopes_disabled():
        assert AssociationMembership.objects.get().status == M.DECLARED


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "members.csv", "The submitted file is empty."),
        (b"PK\x03\x04rest", "members.xlsx", "save it as CSV"),
        (b"Street;City\nMain;Darmstadt\n", "members.csv", "must name the columns"),
        (b"x" * (MAX_BYTES + 1), "members.csv", "larger than 2 MB"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(
    client, office_user, content, name, message
):
    client.force_login(office_user)
    response = client.post(IMPORT_URL, {"file": upload(content, name)})
    assert response.status_code == 400
    assert message in text(response)
    assert not MembershipImport.objects.exists()


def test_the_dry_run_page_lists_every_kind_of_row(client, dry_run, office_user):
    client.force_login(office_user)
    page = text(client.get(page_url(dry_run)))
    assert "match by name" in page and "Create a verified membership PI-2" in page
    assert "No approved signee has this membership number or company name" in page
    assert "Row 5, column “Mitgliedsnummer”: empty" in page
    only_errors = text(client.get(page_url(dry_run), {"outcome": "error"}))
    assert "Row 5" in only_errors and "match by name" not in only_errors


def test_applying_from_the_dry_run_page(client, dry_run, declared, office_user):
    client.force_login(office_user)
    response = client.post(page_url(dry_run, "office_member_list_apply"), follow=True)
    assert "The member list is applied: 2 memberships verified, created or extended." in text(
        response
    )
    with scopes_disabled():
        assert AssociationMembership.objects.get(pk=declared.pk).status == M.VERIFIED
        assert AssociationMembership.objects.count() == 2
    page = text(client.get(page_url(dry_run)))
    assert "Member list applied" in page
    assert page_url(dry_run, "office_member_list_apply") not in page
    again = client.post(page_url(dry_run, "office_member_list_apply"), follow=True)
    assert "applied before: nothing changed" in text(again)


def test_a_stale_dry_run_offers_to_run_it_again(client, dry_run, declared, office_user):
    services.membership_verify(membership=declared, valid_until=NEXT_YEAR, by=office_user)
    client.force_login(office_user)
    page = text(client.get(page_url(dry_run)))
    assert "The memberships changed since this dry run" in page
    assert page_url(dry_run, "office_member_list_apply") not in page
    refused = client.post(page_url(dry_run, "office_member_list_apply"), follow=True)
    assert "nothing was applied" in text(refused)
    response = client.post(page_url(dry_run, "office_member_list_rerun"))
    fresh = MembershipImport.objects.exclude(pk=dry_run.pk).get()
    assert response["Location"] == page_url(fresh)
    assert "Nothing: verified until" in text(client.get(page_url(fresh)))


def test_the_history_lists_each_import_with_its_counts(
    client, dry_run, office_user, django_assert_max_num_queries
):
    services.membership_import_apply(membership_import=dry_run, by=office_user)
    for _ in range(3):
        services.membership_import_rerun(membership_import=dry_run, by=office_user)
    client.force_login(office_user)
    with django_assert_max_num_queries(12):
        page = text(client.get(IMPORT_URL))
    assert page.count("members.csv") == 4
    assert "not applied" in page and "Olga Office" in page


def test_the_dry_run_page_has_bounded_queries(
    client, dry_run, office_user, django_assert_max_num_queries
):
    client.force_login(office_user)
    with django_assert_max_num_queries(12):
        assert client.get(page_url(dry_run)).status_code == 200


@pytest.mark.parametrize("user", ["alice", "bob", "charlie"])
def test_outsiders_get_404_on_every_import_page(client, request, dry_run, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(IMPORT_URL).status_code == 404
    assert client.post(IMPORT_URL, {"file": upload(member_list("A;B;;"))}).status_code == 404
    assert client.get(page_url(dry_run)).status_code == 404
    for name in ("office_member_list_apply", "office_member_list_rerun"):
        assert client.post(page_url(dry_run, name)).status_code == 404
    assert MembershipImport.objects.count() == 1 and not MembershipImport.objects.get().applied_at


def test_visitors_are_sent_to_sign_in(client, dry_run):
    for url in (IMPORT_URL, page_url(dry_run)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_import_is_404(client, office_user):
    client.force_login(office_user)
    assert client.get(reverse("community:office_member_list", args=[999])).status_code == 404


def test_a_second_tab_applying_the_same_dry_run_is_told_it_was_applied_before(
    client, dry_run, declared, office_user, monkeypatch
):
    """Two tabs (or a double click): the second request read the import before the first
    applied it and waited for the lock; it changes nothing and says so."""
    from community.views import membership as views

    seen_before = MembershipImport.objects.get(pk=dry_run.pk)
    services.membership_import_apply(membership_import=dry_run, by=office_user)
    monkeypatch.setattr(views, "_import_or_404", lambda pk: seen_before)
    client.force_login(office_user)
    response = client.post(page_url(dry_run, "office_member_list_apply"), follow=True)
    assert "applied before: nothing changed" in text(response)
    assert "The member list is applied" not in text(response)
    with scopes_disabled():
        assert AssociationMembership.objects.count() == 2


def test_the_dry_run_page_reads_as_a_page_of_the_office(client, dry_run, office_user):
    """The row filter is a filter, not a form field "(optional)"; the memberships missing
    from the list show their validity as a date of the page's language."""
    other = OrganizationFactory(legal_name="Gamma AG")
    SigneeFactory(approved=True, organization=other, signed_by=None)
    AssociationMembershipFactory(
        organization=other, number="PI-9", verified=True, valid_until=NEXT_YEAR
    )
    fresh = services.membership_import_rerun(membership_import=dry_run, by=office_user)
    client.force_login(office_user)
    page = text(client.get(page_url(fresh)))
    assert "(optional)" not in page
    assert f"verified until {NEXT_YEAR:%b}. 31, {NEXT_YEAR.year}" in page
    assert NEXT_YEAR.isoformat() not in page
