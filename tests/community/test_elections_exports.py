"""The office's export of an election's participation: which eligible organizations voted
and when, as CSV (UTF-8 with BOM) and .xlsx; never how they voted."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Ballot, BallotVote
from tests.community.factories import ElectionFactory

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def voting(alpha_member, beta_member, alpha, beta, alice, charlie, office_user):
    """Voting is open: Alpha has voted (for alice), Beta has not."""
    return ElectionFactory(
        voting=True, created_by=office_user, candidates=[(alice, alpha)], voters=[(alpha, alice)]
    )


def url(election, kind):
    return reverse(f"community:office_election_participation_{kind}", args=[election.pk])


def test_csv_lists_every_eligible_organization_and_whether_it_voted(client, office_user, voting):
    client.force_login(office_user)
    response = client.get(url(voting, "csv"))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert (
        f"cpo-election-{voting.year}-participation-{today}.csv" in (response["Content-Disposition"])
    )
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "Organization",
        "Legal name",
        "Group",
        "Group code",
        "Country",
        "Country code",
        "Voted",
        "Voted at (UTC)",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Alpha", "Beta"}
    assert by_name["Alpha"][2:7] == ["IT vendor", "it_vendor", "Germany", "DE", "yes"]
    assert by_name["Alpha"][7]
    assert by_name["Beta"][6:] == ["no", ""]


def test_nothing_of_the_vote_itself_is_exported(client, office_user, voting, alice):
    assert BallotVote.objects.filter(ballot__election=voting).exists()
    receipts = list(Ballot.objects.filter(election=voting).values_list("receipt_hash", flat=True))
    client.force_login(office_user)
    text = body(client.get(url(voting, "csv"))).decode("utf-8-sig")
    assert str(alice) not in text and "alice" not in text.lower()
    assert all(receipt not in text for receipt in receipts)
    assert "candidate" not in text.lower()


def test_xlsx_has_readable_columns_and_real_times(
    client, office_user, voting, django_assert_max_num_queries
):
    client.force_login(office_user)
    with django_assert_max_num_queries(8):
        raw = body(client.get(url(voting, "xlsx")))
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Alpha"][2] == "IT vendor" and rows["Alpha"][4] == "Germany"
    assert rows["Alpha"][6] is True and isinstance(rows["Alpha"][7], datetime)
    assert rows["Beta"][6] is False and rows["Beta"][7] is None


def test_office_only(client, voting, alice, charlie):
    assert client.get(url(voting, "csv")).status_code == 302  # to the sign-in page
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(url(voting, "csv")).status_code == 404
        assert client.get(url(voting, "xlsx")).status_code == 404


def test_the_election_page_offers_the_export(client, office_user, voting):
    client.force_login(office_user)
    text = client.get(reverse("community:office_election", args=[voting.pk])).content.decode()
    assert url(voting, "csv") in text and url(voting, "xlsx") in text
