"""The navigation the floor draws from the apps' entries (cpo_portal/navigation.py): the
same links, in the same order, with the same labels, in the reader's language, for every
role — the header, an organization's bar and workspace, the dashboard, the office's start
page and the 404 page."""

import re

import pytest
from django.test import Client, RequestFactory

from cpo_portal import navigation
from cpo_portal.accounts.models import Auditor
from tests.factories import make_office

VISITOR = [
    ("/signees/", "Signees"),
    ("/seal/", "Seal registry"),
    ("/criteria/", "Criteria"),
    ("/community/", "Community"),
]
SIGNED_IN = [("/dashboard/", "Dashboard"), ("/o/", "My organizations")]
OFFICE = [
    ("/office/", "Office"),
    ("/office/activity/", "Portal activity"),
    ("/office/criteria/", "Criteria (CPO office)"),
    ("/office/signees/", "Signees (CPO office)"),
    ("/office/certification/", "Certification (CPO office)"),
]
AUDITOR = [("/audit/", "Audits")]

OFFICE_CARDS = [
    ("count", "Organizations", []),
    # Staff and auditors (accounts, personnel).
    (
        "staff",
        "Staff and auditors",
        [
            ("/office/staff/", "Staff and auditors"),
            ("/office/staff/invitations/", "Pending invitations"),
        ],
    ),
    ("signees", "Signees", [("/office/signees/", "Signee review queue")]),
    ("criteria", "Criteria", [("/office/criteria/", "Criteria catalogue")]),
    (
        "certificates",
        "Certificates",
        [
            ("/office/certificates/", "Certificates"),
            ("/office/certificates/attention/", "Needs attention"),
        ],
    ),
    (
        "certification",
        "Certification",
        [
            ("/office/certification/", "Certification queue"),
            ("/office/certification/auditors/", "Auditors"),
            ("/office/certification/grants/", "Recorded certifications"),
            ("/office/certification/objections/", "Objections to auditors"),
        ],
    ),
    # The certification agreement (agreements).
    (
        "agreements",
        "Certification agreement",
        [("/office/certification/agreements/", "Certification agreement")],
    ),
    # Complaints (complaints).
    ("complaints", "Complaints", [("/office/complaints/", "Complaints")]),
    # Appeals (appeals).
    ("appeals", "Appeals", [("/office/certification/appeals/", "Appeals")]),
    (
        "deadlines",
        "Deadlines",
        [
            ("/office/certification/deadlines/", "Open deadlines"),
            ("/office/certification/policy/", "Certification policy"),
        ],
    ),
    (
        "community",
        "CPO Community",
        [
            ("/office/community/memberships/", "Memberships"),
            ("/office/community/conferences/", "Conferences"),
            ("/office/community/elections/", "Elections"),
            ("/community/reports/drafts/", "Annual reports"),
        ],
    ),
    # What was sent to whom (notifications).
    ("notices", "Notices", [("/office/notifications/", "Notices sent")]),
    (
        "admin",
        "Administration",
        [
            ("/office/people/", "People and their data on request"),
            ("/admin/", "Open the administration"),
        ],
    ),
]


def _part(html, start, end):
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _links(html):
    """(href, text) of every link, the text as a screen reader reads it."""
    return [
        (href, " ".join(re.sub(r"<[^>]+>", "", text).split()))
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    ]


def _header(response):
    return _links(_part(response.content.decode(), '<nav class="main-nav"', "</nav>"))


def _current(response):
    """The links of the header marked as the current page."""
    header = _part(response.content.decode(), '<nav class="main-nav"', "</nav>")
    return re.findall(r'<a href="([^"]+)" aria-current="page"', header)


def _cards(response):
    cards = []
    for section in re.findall(
        r'<section class="card.*?</section>', response.content.decode(), re.S
    ):
        key, title = re.search(r'<h2 id="([\w-]+)-title">([^<]+)</h2>', section).groups()
        if key == "todo":  # the role's to-do list (deadlines), not a card of links
            continue
        cards.append((key, title, _links(section)))
    return cards


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def office_auditor(make_user, activate_totp):
    """Both roles at once: the office's entries come before the auditor's."""
    user = activate_totp(make_user(email="both@example.org", full_name="Both Roles"))
    make_office(user)
    Auditor.objects.create(user=user, organisation_name="Audit Body")
    return user


@pytest.mark.django_db
def test_visitors_see_the_apps_public_entries_in_order():
    response = _client().get("/")
    assert _header(response) == VISITOR
    assert _current(response) == []
    assert _current(_client().get("/signees/")) == ["/signees/"]


def test_a_member_sees_the_signed_in_entries_and_the_organization_bar(alpha, bob):
    client = _client(bob)
    assert _header(client.get("/dashboard/")) == VISITOR + SIGNED_IN
    response = client.get(f"/o/{alpha.slug}/signing/")
    bar = _links(_part(response.content.decode(), '<nav class="subnav"', "</nav>"))
    assert bar == [
        (f"/o/{alpha.slug}/", "Overview"),
        (f"/o/{alpha.slug}/members/", "Members"),
        (f"/o/{alpha.slug}/signing/", "CPO signature"),
        (f"/o/{alpha.slug}/statement/", "CPO Statement"),
        (f"/o/{alpha.slug}/certification/", "Certification"),
        (f"/o/{alpha.slug}/certificates/", "Certificates"),
        (f"/o/{alpha.slug}/certification/appeals/", "Appeals"),
        (f"/o/{alpha.slug}/community/", "CPO Community"),
    ]
    assert f'<a href="/o/{alpha.slug}/signing/" aria-current="page">' in response.content.decode()


def test_an_admin_sees_the_whole_organization_bar_and_workspace(alpha, alice):
    response = _client(alice).get(f"/o/{alpha.slug}/")
    html = response.content.decode()
    assert _links(_part(html, '<nav class="subnav"', "</nav>")) == [
        (f"/o/{alpha.slug}/", "Overview"),
        (f"/o/{alpha.slug}/members/", "Members"),
        (f"/o/{alpha.slug}/signing/", "CPO signature"),
        (f"/o/{alpha.slug}/statement/", "CPO Statement"),
        (f"/o/{alpha.slug}/certification/", "Certification"),
        (f"/o/{alpha.slug}/certificates/", "Certificates"),
        (f"/o/{alpha.slug}/certification/appeals/", "Appeals"),
        (f"/o/{alpha.slug}/community/", "CPO Community"),
        (f"/o/{alpha.slug}/activity/", "Activity"),
        (f"/o/{alpha.slug}/documents/", "Documents"),
        (f"/o/{alpha.slug}/settings/", "Settings"),
    ]
    assert _links(_part(html, 'id="workspace-title"', "</section>")) == [
        (f"/o/{alpha.slug}/members/", "Members and invitations"),
        (f"/o/{alpha.slug}/certification/", "Certification"),
        (f"/o/{alpha.slug}/certification/agreement/", "Certification agreement"),
        (f"/o/{alpha.slug}/certificates/", "Certificates"),
        (f"/o/{alpha.slug}/certification/appeals/", "Appeals"),
        (f"/o/{alpha.slug}/community/", "CPO Community"),
        (f"/o/{alpha.slug}/activity/", "Activity log"),
        (f"/o/{alpha.slug}/documents/", "Documents"),
    ]


def test_the_office_and_auditor_entries_follow_for_whoever_holds_the_role(office_auditor):
    client = _client(office_auditor)
    response = client.get("/dashboard/")
    assert _header(response) == VISITOR + SIGNED_IN + OFFICE + AUDITOR
    assert _current(response) == ["/dashboard/"]
    # An office entry is the current page on every page of its section.
    assert _current(client.get("/office/criteria/")) == ["/office/criteria/"]
    assert _current(client.get("/office/certification/auditors/")) == ["/office/certification/"]
    assert _current(client.get("/audit/")) == ["/audit/"]
    assert [(key, title) for key, title, _ in _cards(response)] == [
        ("orgs", "Your organizations"),
        ("account", "Your account"),
        ("office", "CPO office"),
        ("auditor", "Audits"),
    ]
    assert _cards(response)[-1][2] == [("/audit/", "Your audits")]


def test_an_auditor_sees_no_office_entries(auditor_user):
    response = _client(auditor_user).get("/dashboard/")
    assert _header(response) == VISITOR + SIGNED_IN + AUDITOR
    assert [key for key, _, _ in _cards(response)] == ["orgs", "account", "auditor"]


def test_a_member_sees_no_role_entries(alice):
    response = _client(alice).get("/dashboard/")
    assert _header(response) == VISITOR + SIGNED_IN
    assert [key for key, _, _ in _cards(response)] == ["orgs", "account"]


def test_the_office_start_page_has_every_apps_card_in_order(office_user):
    assert _cards(_client(office_user).get("/office/")) == OFFICE_CARDS


def test_the_navigation_speaks_the_readers_language(office_user):
    office_user.language = "de"
    office_user.save(update_fields=["language"])
    client = _client(office_user)
    response = client.get("/office/")
    assert _header(response) == [
        ("/signees/", "Unterzeichner"),
        ("/seal/", "Siegelregister"),
        ("/criteria/", "Kriterien"),
        ("/community/", "Community"),
        ("/dashboard/", "Übersicht"),
        ("/o/", "Meine Organisationen"),
        ("/office/", "Geschäftsstelle"),
        ("/office/activity/", "Portal-Aktivitäten"),
        ("/office/criteria/", "Kriterien (CPO-Geschäftsstelle)"),
        ("/office/signees/", "Unterzeichner (CPO-Geschäftsstelle)"),
        ("/office/certification/", "Zertifizierung (CPO-Geschäftsstelle)"),
    ]
    cards = {key: (title, links) for key, title, links in _cards(response)}
    assert cards["signees"] == (
        "Unterzeichner",
        [("/office/signees/", "Prüfwarteschlange der Unterzeichner")],
    )
    assert cards["criteria"] == ("Kriterien", [("/office/criteria/", "Kriterienkatalog")])


@pytest.mark.django_db
def test_the_404_page_leads_on_to_the_signees():
    response = _client().get("/no-such-page/")
    assert response.status_code == 404
    assert _links(_part(response.content.decode(), "<ul>", "</ul>")) == [
        ("/", "Home page"),
        ("/signees/", "Signees"),
    ]


def test_an_entry_registered_twice_is_listed_once(monkeypatch):
    monkeypatch.setattr(navigation, "_entries", {})
    for _ in range(2):
        navigation.register_link(
            place=navigation.Place.HEADER,
            audience=navigation.Audience.VISITOR,
            order=1,
            label="Home",
            url_name="home",
        )
    nav = navigation.Navigation(
        RequestFactory().get("/"),
        audiences=frozenset({navigation.Audience.VISITOR}),
        organization_slug="",
    )
    assert nav["header"]["visitor"] == [navigation.Link("Home", "/", current=True)]
    assert nav["header"]["office"] == []


def _bar_current(response):
    """The links of the organization bar marked as the current page."""
    bar = _part(response.content.decode(), '<nav class="subnav"', "</nav>")
    return re.findall(r'<a href="([^"]+)" aria-current="page"', bar)


def test_the_organization_bar_marks_the_innermost_section_as_current(alpha, bob):
    client = _client(bob)
    base = f"/o/{alpha.slug}"
    # Appeals lie below Certification: only the innermost section is the current page.
    assert _bar_current(client.get(f"{base}/certification/appeals/")) == [
        f"{base}/certification/appeals/"
    ]
    assert _bar_current(client.get(f"{base}/certification/")) == [f"{base}/certification/"]
    # Every page of the community under /o/<slug>/community/ keeps its tab current.
    assert _bar_current(client.get(f"{base}/community/elections/")) == [f"{base}/community/"]
    assert _bar_current(client.get(f"{base}/community/proposals/")) == [f"{base}/community/"]


def test_an_audience_an_app_decides_is_asked_only_where_a_page_shows_it(monkeypatch, rf):
    asked = []
    monkeypatch.setattr(navigation, "_cards", {})
    monkeypatch.setattr(navigation, "_audience_checks", {})
    navigation.register_card(
        place=navigation.Place.DASHBOARD,
        audience=navigation.Audience.CORE_TEAM,
        order=1,
        key="team",
        title="Team",
        text="",
        links=[("Home", "home")],
    )
    navigation.register_audience_check(
        navigation.Audience.CORE_TEAM, lambda request: asked.append(request) or True
    )
    nav = navigation.Navigation(
        rf.get("/"), audiences=frozenset({navigation.Audience.VISITOR}), organization_slug=""
    )
    assert nav["cards"]["office"] == []
    assert asked == []  # no card of the audience in that place: nobody asked
    assert [card.key for card in nav["cards"]["dashboard"]] == ["team"]
    assert [card.key for card in nav["cards"]["dashboard"]] == ["team"]
    assert len(asked) == 1  # once per request
    assert nav["header"]["core_team"] == []  # no entries, no question


def test_without_a_check_nobody_belongs_to_an_app_audience(monkeypatch, rf):
    monkeypatch.setattr(navigation, "_audience_checks", {})
    assert navigation.audience_holds(rf.get("/"), navigation.Audience.CORE_TEAM) is False
