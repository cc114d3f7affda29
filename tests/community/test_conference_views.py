"""Conference pages: the organization registers and cancels, the office runs the conference,
the public sees it; outsiders get 404, query counts stay bounded."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import Conference, Registration
from community.models import RegistrationStatus as R
from community.services import conference as services
from cpo_portal.exports import safe_cell
from tests.community.factories import ConferenceFactory
from tests.community.helpers import member, register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def org_url(name, org, **kwargs):
    return reverse(f"community:{name}", kwargs={"org_slug": org.slug, **kwargs})


def office(name, *args):
    return reverse(f"community:{name}", args=args)


def registrations(conference):
    with scopes_disabled():
        return list(Registration.objects.filter(conference=conference).order_by("pk"))


@pytest.fixture
def conference(office_user):
    return ConferenceFactory(open=True, capacity=1)


# --- The organization ------------------------------------------------------------------


def test_outsiders_get_404_on_every_workspace_action(
    client, alpha_member, alpha, alice, charlie, conference
):
    registration = register(conference, alpha, alice, "Ann")
    client.force_login(charlie)
    register_url = org_url("org_register", alpha, year=conference.year)
    cancel_url = org_url("org_registration_cancel", alpha, pk=registration.pk)
    assert client.get(register_url).status_code == 404
    assert (
        client.post(
            register_url, {"attendee_name": "X", "attendee_email": "x@example.org"}
        ).status_code
        == 404
    )
    assert client.post(cancel_url).status_code == 404
    assert client.post(cancel_url, {"confirm": "yes"}).status_code == 404
    assert [r.status for r in registrations(conference)] == [R.CONFIRMED]


def test_another_tenants_registration_is_404(
    client, alpha_member, beta_member, alpha, beta, alice, charlie, conference
):
    theirs = register(conference, beta, charlie, "Carl")
    client.force_login(alice)
    cancel_url = org_url("org_registration_cancel", alpha, pk=theirs.pk)
    assert client.post(cancel_url).status_code == 404
    assert client.post(cancel_url, {"confirm": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == R.CONFIRMED


def test_member_registers_joins_the_waitlist_and_cancels(
    client, alpha_member, alpha, bob, conference, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(bob)  # a plain member may register the organization's attendees
    page = text(client.get(org_url("org_community", alpha)))
    assert "1 seat left" in page and 'name="attendee_email"' in page
    url = org_url("org_register", alpha, year=conference.year)
    first = client.post(url, {"attendee_name": "Ann", "attendee_email": "ann@example.org"})
    assert first.status_code == 302
    again = client.post(url, {"attendee_name": "Ann", "attendee_email": "ANN@example.org"})
    assert again.status_code == 200 and "already registered" in text(again)
    client.post(url, {"attendee_name": "Bea", "attendee_email": "bea@example.org"})
    bad = client.post(url, {"attendee_name": "", "attendee_email": "nope"})
    assert bad.status_code == 200 and "form-errors" in text(bad)
    ann, bea = registrations(conference)
    assert (ann.status, bea.status) == (R.CONFIRMED, R.WAITLISTED)
    page = text(client.get(org_url("org_community", alpha)))
    assert "Waitlist only" in page and "place 1" in page and "Join the waitlist" in page
    # Cancelling asks first (it cannot be undone: the seat goes to the waitlist at once).
    cancel_url = org_url("org_registration_cancel", alpha, pk=ann.pk)
    assert f'action="{cancel_url}"' in page
    confirm = text(client.post(cancel_url))
    assert (
        "Cancel the registration of Ann?" in confirm
        and "A cancellation cannot be undone." in confirm
    )
    assert "The seat goes at once to the next on the waitlist" in confirm
    assert 'name="confirm" value="yes"' in confirm and f'action="{cancel_url}"' in confirm
    ann.refresh_from_db()
    assert ann.status == R.CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url, {"confirm": "yes"})
    assert response.status_code == 302
    bea.refresh_from_db()
    assert bea.status == R.CONFIRMED
    assert mailoutbox[-1].to == ["bea@example.org"]
    assert mailoutbox[-1].attachments[0][0].endswith(".ics")


def test_a_non_member_is_told_and_cannot_register(client, catalogue, alpha, alice, conference):
    client.force_login(alice)
    page = text(client.get(org_url("org_community", alpha)))
    assert "Only CPO Community members register" in page
    response = client.post(
        org_url("org_register", alpha, year=conference.year),
        {"attendee_name": "Ann", "attendee_email": "ann@example.org"},
    )
    assert response.status_code == 200 and "Only CPO Community members" in text(response)
    assert registrations(conference) == []


def test_registering_for_an_unpublished_conference_is_404(
    client, alpha_member, alpha, alice, office_user
):
    draft = ConferenceFactory()
    client.force_login(alice)
    assert client.get(org_url("org_register", alpha, year=draft.year)).status_code == 404
    assert "No conference has been published yet" in text(
        client.get(org_url("org_community", alpha))
    )


def test_closed_window_is_explained(client, alpha_member, alpha, alice, office_user):
    conference = ConferenceFactory(closed=True)
    client.force_login(alice)
    assert "Registration is closed" in text(client.get(org_url("org_community", alpha)))
    response = client.post(
        org_url("org_register", alpha, year=conference.year),
        {"attendee_name": "Ann", "attendee_email": "ann@example.org"},
    )
    assert "Registration is not open" in text(response)
    assert registrations(conference) == []


def test_org_community_page_queries_are_bounded(
    client, alpha_member, alpha, alice, conference, django_assert_max_num_queries
):
    register(conference, alpha, alice, "P0")
    client.force_login(alice)
    with django_assert_max_num_queries(25) as few:
        client.get(org_url("org_community", alpha))
    for n in range(1, 12):
        register(conference, alpha, alice, f"P{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(org_url("org_community", alpha))
    assert "place 11" in text(page)


# --- The office ------------------------------------------------------------------------


def test_office_pages_are_404_for_others(client, alpha_member, alpha, alice, conference):
    registration = register(conference, alpha, alice, "Ann")
    client.force_login(alice)
    pk = conference.pk
    for url in (
        office("office_conferences"),
        office("office_conference_create"),
        office("office_conference", pk),
        office("office_conference_edit", pk),
        office("office_conference_csv", pk),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(office("office_conference_publish", pk), {"published": "0"}).status_code == 404
    )
    assert client.post(office("office_registration_cancel", pk, registration.pk)).status_code == 404
    conference.refresh_from_db()
    assert conference.is_published
    assert [r.status for r in registrations(conference)] == [R.CONFIRMED]


def test_office_creates_edits_and_publishes(client, office_user):
    client.force_login(office_user)
    form = client.get(office("office_conference_create"))
    assert form.status_code == 200 and 'type="datetime-local"' in text(form)
    data = {
        "year": "2031",
        "title": "CPO Conference 2031",
        "starts_on": "2031-05-05",
        "ends_on": "2031-05-04",
        "venue": "",
        "online_url": "",
        "agenda": "Day 1",
        "capacity": "0",
        "registration_opens": "2031-01-01T09:00",
        "registration_closes": "2030-12-01T09:00",
    }
    bad = text(client.post(office("office_conference_create"), data))
    for message in ("ends before it starts", "closes before it opens", "venue or an online link"):
        assert message in bad
    assert not Conference.objects.exists()
    data.update(
        ends_on="2031-05-06",
        venue="Darmstadt",
        capacity="50",
        registration_closes="2031-04-01T09:00",
    )
    created = client.post(office("office_conference_create"), data)
    conference = Conference.objects.get()
    assert created["Location"] == office("office_conference", conference.pk)
    assert not conference.is_published
    again = client.post(office("office_conference_create"), data)
    assert "already a conference" in text(again)
    edit = client.post(
        office("office_conference_edit", conference.pk), {**data, "year": "1999", "capacity": "60"}
    )
    assert edit.status_code == 302
    conference.refresh_from_db()
    assert (conference.year, conference.capacity) == (2031, 60)
    client.post(office("office_conference_publish", conference.pk), {"published": "1"})
    conference.refresh_from_db()
    assert conference.is_published
    client.post(office("office_conference_publish", conference.pk), {"published": "0"})
    conference.refresh_from_db()
    assert not conference.is_published
    assert client.get(office("office_conference", 999)).status_code == 404


def test_office_attendee_list_with_waitlist_order_and_cancel(
    client, alpha_member, beta_member, alpha, beta, alice, charlie, office_user, conference
):
    seat = register(conference, alpha, alice, "Ann")
    register(conference, beta, charlie, "Carl")
    register(conference, alpha, alice, "Bea")
    client.force_login(office_user)
    page = text(client.get(office("office_conference", conference.pk)))
    assert page.index("Ann") < page.index("Carl") < page.index("Bea")
    assert "place 1" in page and "place 2" in page
    waitlist = text(
        client.get(office("office_conference", conference.pk), {"status": "waitlisted"})
    )
    assert "Ann" not in waitlist and "Carl" in waitlist
    cancel_url = office("office_registration_cancel", conference.pk, seat.pk)
    confirm = text(client.post(cancel_url))
    assert "Cancel the registration of Ann?" in confirm and "Alpha" in confirm
    assert registrations(conference)[0].status == R.CONFIRMED  # asked, not yet cancelled
    client.post(cancel_url, {"confirm": "yes"})
    statuses = {r.attendee_name: r.status for r in registrations(conference)}
    assert statuses == {"Ann": R.CANCELLED, "Carl": R.CONFIRMED, "Bea": R.WAITLISTED}
    other = ConferenceFactory(open=True, year=conference.year + 1)
    assert client.post(office("office_registration_cancel", other.pk, seat.pk)).status_code == 404


def test_csv_export_is_streamed_and_formula_safe(
    client, alpha_member, alpha, alice, office_user, conference
):
    register(conference, alpha, alice, '=HYPERLINK("http://x")', email="eq@example.org")
    register(conference, alpha, alice, "Bea, Jr.", email="bea@example.org")
    cancelled = register(conference, alpha, alice, "@Cid", email="cid@example.org")
    services.registration_cancel(registration=cancelled, by=alice)
    client.force_login(office_user)
    response = client.get(office("office_conference_csv", conference.pk))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    name = f"cpo-conference-{conference.year}-attendees-{today}.csv"
    assert name in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")  # UTF-8 with a byte-order mark, for Excel
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][:5] == ["Attendee", "E-mail", "Organization", "Group", "Status"]
    assert rows[1][:6] == [
        '\'=HYPERLINK("http://x")',
        "eq@example.org",
        "Alpha",
        "IT vendor",
        "Confirmed",
        "",
    ]
    assert rows[2][:6] == [
        "Bea, Jr.",
        "bea@example.org",
        "Alpha",
        "IT vendor",
        "On the waitlist",
        "1",
    ]
    assert rows[3][0] == "'@Cid" and rows[3][4] == "Cancelled"
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49", "'+49"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_office_attendee_list_and_export_queries_are_bounded(
    client, catalogue, office_user, django_assert_max_num_queries
):
    conference = ConferenceFactory(open=True, capacity=3)
    orgs = []
    for n in range(4):
        owner = UserFactory(email=f"o{n}@example.org")
        from cpo_portal.tenancy.services import organization_create

        org = organization_create(by=owner, legal_name=f"Org {n}", country="DE")
        member(org, owner, office_user)
        orgs.append((org, owner))
    org, owner = orgs[0]
    register(conference, org, owner, "First")
    client.force_login(office_user)
    with django_assert_max_num_queries(15) as few:
        client.get(office("office_conference", conference.pk))
    with django_assert_max_num_queries(8) as export_few:
        b"".join(client.get(office("office_conference_csv", conference.pk)).streaming_content)
    for n, (org, owner) in enumerate(orgs * 3):
        register(conference, org, owner, f"P{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(office("office_conference", conference.pk))
    assert "place 10" in text(page)
    with django_assert_max_num_queries(len(export_few.captured_queries)):
        body = b"".join(
            client.get(office("office_conference_csv", conference.pk)).streaming_content
        )
    assert body.count(b"\n") == 14
    with django_assert_max_num_queries(10):
        assert client.get(office("office_conferences")).status_code == 200


# --- The public ------------------------------------------------------------------------


def test_public_page_without_a_conference(client, office_user):
    ConferenceFactory()
    page = client.get(reverse("community:conference"))
    assert page.status_code == 200 and "has not been announced yet" in text(page)
    assert (
        client.get(reverse("community:conference_ics", args=[timezone.now().year])).status_code
        == 404
    )
    assert (
        client.get(reverse("community:conference_year", args=[timezone.now().year])).status_code
        == 404
    )


def test_public_page_shows_the_published_conference(
    client, alpha_member, alpha, alice, office_user, django_assert_max_num_queries
):
    conference = ConferenceFactory(open=True, capacity=1)
    services.conference_save(
        by=office_user,
        year=conference.year,
        conference=conference,
        **{
            **{name: getattr(conference, name) for name in services.CONFERENCE_FIELDS},
            "agenda": "<script>alert(1)</script>\nKeynote",
            "online_url": "https://meet.example.org/cpo",
        },
    )
    with django_assert_max_num_queries(6):
        page = text(client.get(reverse("community:conference")))
    assert (
        conference.title in page and "Darmstadt" in page and "https://meet.example.org/cpo" in page
    )
    assert "1 seat left" in page
    # The agenda is sanitized Markdown (tests/community/test_conference_agenda.py).
    assert "<script>" not in page and "alert(1)" not in page and "<p>Keynote</p>" in page
    assert reverse("community:conference_ics", args=[conference.year]) in page
    register(conference, alpha, alice, "Ann")
    assert "Waitlist only" in text(client.get(reverse("community:conference")))


def test_ics_download_has_no_attendee(client, alpha_member, alpha, alice, office_user):
    conference = ConferenceFactory(open=True)
    register(conference, alpha, alice, "Ann")
    response = client.get(reverse("community:conference_ics", args=[conference.year]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:CPO Conference" in body
    assert f"DTSTART;VALUE=DATE:{conference.starts_on:%Y%m%d}" in body
    assert "ATTENDEE" not in body and "ann@example.org" not in body


def test_past_conferences_are_listed(client, office_user):
    now = timezone.now()
    services.conference_publish(
        conference=services.conference_save(
            by=office_user,
            year=2020,
            title="CPO Conference 2020",
            starts_on=now.date().replace(year=2020),
            ends_on=now.date().replace(year=2020),
            venue="Berlin",
            online_url="",
            agenda="",
            capacity=5,
            registration_opens=now.replace(year=2019),
            registration_closes=now.replace(year=2020) - timedelta(days=1),
        ),
        by=office_user,
    )
    current = ConferenceFactory(open=True)
    page = text(client.get(reverse("community:conference")))
    assert current.title in page and "CPO Conference 2020" in page
    assert client.get(reverse("community:conference_year", args=[2020])).status_code == 200


# --- The agenda is Markdown: the public pages render it as sanitized HTML, as the annual
# report's sections are, never as raw text and never with a script.

AGENDA = (
    "## Day 1\n\n"
    "- Welcome by the **CPO office**\n"
    "- [Programme](https://example.org/programme)\n\n"
    '<script>alert("agenda")</script>\n\n'
    '<a href="javascript:alert(1)" onclick="alert(2)">Workshops</a>'
)


@pytest.fixture
def conference_with_agenda(office_user):
    conference = ConferenceFactory(open=True)
    values = {name: getattr(conference, name) for name in services.CONFERENCE_FIELDS}
    return services.conference_save(
        by=office_user,
        year=conference.year,
        conference=conference,
        **(values | {"agenda": AGENDA}),
    )


def _agenda(client, url):
    page = client.get(url).content.decode()
    start = page.index('<div class="community-agenda">')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("current", [True, False], ids=["current", "by_year"])
def test_agenda_markdown_renders_as_html(client, conference_with_agenda, current):
    conference = conference_with_agenda
    url = (
        reverse("community:conference")
        if current
        else reverse("community:conference_year", args=[conference.year])
    )
    agenda = _agenda(client, url)
    # Below the page's "Agenda" heading (h2), as report sections sit below their title.
    assert "<h4>Day 1</h4>" in agenda and "## Day 1" not in agenda
    assert "<li>Welcome by the <strong>CPO office</strong></li>" in agenda
    assert 'href="https://example.org/programme"' in agenda


def test_script_in_the_agenda_is_neutralised(client, conference_with_agenda):
    agenda = _agenda(client, reverse("community:conference"))
    assert "<script" not in agenda and "alert" not in agenda
    assert "javascript:" not in agenda and "onclick" not in agenda
    assert "Workshops" in agenda


def test_a_waitlisted_registration_asks_too_and_a_cancelled_one_is_not_asked_again(
    client, alpha_member, alpha, alice, conference
):
    register(conference, alpha, alice, "Ann")
    waiting = register(conference, alpha, alice, "Bea", email="bea@example.org")
    client.force_login(alice)
    url = org_url("org_registration_cancel", alpha, pk=waiting.pk)
    confirm = text(client.post(url))
    assert "The attendee leaves the waitlist" in confirm
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == R.CANCELLED
    # Cancelled already: the refusal, not a second confirmation.
    response = client.post(url, follow=True)
    assert "already cancelled" in text(response)
