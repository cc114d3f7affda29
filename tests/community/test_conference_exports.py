"""The office's attendee list of a conference as .xlsx (the CSV: test_conference_views)."""

import io
from datetime import datetime

import openpyxl
import pytest
from django.urls import reverse

from tests.community.factories import ConferenceFactory
from tests.community.helpers import register

pytestmark = pytest.mark.django_db


def test_xlsx_attendee_list(client, alpha_member, alpha, alice, office_user, bob):
    conference = ConferenceFactory(open=True)
    register(conference, alpha, alice, "Jörg =Würth", email="j@example.org")
    client.force_login(office_user)
    response = client.get(reverse("community:office_conference_xlsx", args=[conference.pk]))
    assert f"cpo-conference-{conference.year}-attendees-" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    (row,) = sheet.iter_rows(min_row=2, values_only=True)
    assert row[0] == "Jörg =Würth"
    assert row[header.index("Group")] == "IT vendor"
    assert row[header.index("Country")] == "Germany"
    assert isinstance(row[header.index("Registered (UTC)")], datetime)
    client.force_login(bob)
    url = reverse("community:office_conference_xlsx", args=[conference.pk])
    assert client.get(url).status_code == 404
