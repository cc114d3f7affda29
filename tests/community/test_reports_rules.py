"""The annual report: sanitized Markdown, escaped charts, exact figures from a known
dataset, snapshot determinism, and who may create, change, render and publish."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from community import services
from community.charts import bar_chart, line_chart
from community.markdown import render_markdown
from community.models import (
    AnnualReport,
    Conference,
    Proposal,
    Registration,
    ReportSection,
)
from community.report_figures import present, take_snapshot
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render
from cpo_portal.errors import DomainError
from tests.community.core_team import *  # noqa: F403

YEAR = timezone.now().year


def _activity_count(**lookup):
    with scopes_disabled():
        return ActivityEntry.objects.filter(**lookup).count()


# --- Markdown ---------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>',
    '<p onclick="steal()" style="color:red">styled</p>',
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)><circle/></svg>",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="x"></form>',
    "<object data='x'></object><embed src='x'>",
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<div><a href="&#106;avascript:alert(1)">entity</a></div>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_neutralises_hostile_input(text):
    html = str(render_markdown(text)).lower()
    for needle in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<img",
        "<svg",
        "<style",
        "style=",
        "<form",
        "<input",
        "<object",
        "<embed",
    ):
        assert needle not in html, (text, html)


def test_markdown_keeps_ordinary_formatting():
    html = str(
        render_markdown(
            "# Year\n\nSome **bold** and *em*, a [link](https://example.org).\n\n"
            "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h3>Year</h3>" in html  # below the section's own level-2 title
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html and "<table>" in html and "<td>1</td>" in html


def test_charts_escape_labels_and_title():
    hostile = '<script>alert("x")</script>'
    for svg in (
        bar_chart([(hostile, 3), ("ok", 0)], title=hostile),
        line_chart([(hostile, 1), ("b", 2)], title=hostile),
    ):
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_long_labels_get_room():
    label = "Accepted for the next version"
    svg = str(bar_chart([(label, 1)], title="t"))
    assert f">{label}</text>" in svg
    x = int(svg.split('<rect x="')[1].split('"')[0])
    assert x >= len(label) * 6.8


@pytest.mark.parametrize(("value", "top"), [(0, 1), (3, 3), (10, 10), (180, 200), (540, 600)])
def test_axis_maximum_is_round(value, top):
    from community.charts import _nice_max

    assert _nice_max(value) == top


def test_bar_lengths_follow_the_values():
    svg = str(bar_chart([("a", 10), ("b", 5)], title="t", plot_width=250))
    # A nice maximum of 10 over 250 px: 250 and 125 px.
    assert 'width="250"' in svg and 'width="125"' in svg


# --- A known dataset --------------------------------------------------------------------


def _scheme(version, kind):
    from criteria.models import AssessmentScheme

    scheme, _ = AssessmentScheme.objects.get_or_create(version=version, kind=kind)
    return scheme


def _certificate(organization, version, number, kind, status, issued_on, valid_until):
    from certification.models import Application, ApplicationStatus, Certificate

    scheme = _scheme(version, kind)
    with scopes_disabled():
        application = Application.objects.create(
            organization=organization,
            kind=kind,
            scheme=scheme,
            status=ApplicationStatus.DECIDED,
            scope_description="Scope",
            window_start=issued_on,
            window_end=issued_on,
        )
        return Certificate.objects.create(
            number=number,
            kind=kind,
            organization=organization,
            holder_name=organization.legal_name,
            holder_country="DE",
            holder_group="it_vendor",
            application=application,
            scheme=scheme,
            catalogue_version=version,
            scope_description="Scope",
            issued_on=issued_on,
            valid_until=valid_until,
            status=status,
            status_changed_at=timezone.now(),
        )


@pytest.fixture
def known_dataset(catalogue, core_team, gamma_member, alpha, beta, gamma, alice, office_user):
    """Signees: Alpha, Beta (IT vendors), Gamma (IT customer), all approved this year and
    community members; Delta pending. Alpha has a published statement; Beta is overdue.
    Certificates: 2 organizational (1 valid this year, 1 withdrawn last year), 3 product
    (1 valid, 1 suspended, 1 valid but past its validity = expired). A conference with 2
    confirmed attendees from 1 organization and 1 waitlisted; the election of core_team;
    proposals: 2 submitted this year (1 accepted), 1 submitted last year."""
    from cpo_portal.tenancy.services import organization_create
    from signees.models import Signee, Statement, StatementStatus
    from signees.services import signee_sign
    from tests.factories import UserFactory

    today = timezone.localdate()
    with scopes_disabled():
        Signee.objects.filter(organization=beta).update(statement_due=today - timedelta(days=1))
        Statement.objects.create(
            signee=Signee.objects.get(organization=alpha),
            number=1,
            catalogue_version=catalogue,
            status=StatementStatus.PUBLISHED,
            published_at=timezone.now(),
        )
    delta_owner = UserFactory(email="delta@example.org")
    delta = organization_create(by=delta_owner, legal_name="Delta", country="DE")
    signee_sign(
        organization=delta,
        by=delta_owner,
        group="it_service_provider",
        signatory_name="D",
        signatory_position="CEO",
        authority_confirmed=True,
    )
    org, prod = "organizational", "product"
    last_year = date(YEAR - 1, 6, 1)
    _certificate(alpha, catalogue, "C1", org, "active", today, today + timedelta(days=900))
    _certificate(beta, catalogue, "C2", org, "withdrawn", last_year, today + timedelta(days=90))
    _certificate(alpha, catalogue, "C3", prod, "active", today, today + timedelta(days=900))
    _certificate(alpha, catalogue, "C4", prod, "suspended", today, today + timedelta(days=900))
    _certificate(beta, catalogue, "C5", prod, "active", last_year, today - timedelta(days=1))
    conference = Conference.objects.create(
        year=YEAR,
        title="CPO Conference",
        starts_on=today,
        ends_on=today,
        capacity=2,
        registration_opens=timezone.now() - timedelta(days=9),
        registration_closes=timezone.now() + timedelta(days=9),
        is_published=True,
    )
    for email, status in (("a@x.org", "confirmed"), ("b@x.org", "confirmed")):
        Registration.objects.create(
            conference=conference,
            organization=alpha,
            attendee_name=email,
            attendee_email=email,
            status=status,
        )
    Registration.objects.create(
        conference=conference,
        organization=beta,
        attendee_name="c",
        attendee_email="c@x.org",
        status="waitlisted",
    )
    first = services.proposal_submit(
        organization=alpha, by=alice, kind="new", title="One", rationale="R"
    )
    services.proposal_submit(
        organization=alpha, by=alice, kind="editorial", title="Two", rationale="R"
    )
    services.proposal_transition(proposal=first, to="discussion", by=alice)
    services.proposal_transition(proposal=first, to="accepted", by=alice, rationale="Good")
    old = services.proposal_submit(
        organization=alpha, by=alice, kind="other", title="Old", rationale="R"
    )
    Proposal.objects.filter(pk=old.pk).update(submitted_at=timezone.now().replace(year=YEAR - 1))
    return core_team


def test_figures_from_a_known_dataset(known_dataset):
    snapshot = take_snapshot(YEAR)
    assert snapshot["year"] == YEAR
    assert snapshot["signees"]["by_group"] == {
        "it_customer": 1,
        "it_vendor": 2,
        "it_service_provider": 0,
    }
    assert snapshot["signees"]["new_in_year"] == {
        "it_customer": 1,
        "it_vendor": 2,
        "it_service_provider": 0,
    }
    assert snapshot["signees"]["total"] == 3 and snapshot["signees"]["new_total"] == 3
    assert snapshot["signees"]["history"]["years"][-1] == [YEAR, 3]
    assert snapshot["statements"] == {
        "vendors": 2,
        "with_statement": 1,
        "overdue": 1,
        "published_in_year": 1,
    }
    assert snapshot["certificates"]["available"] is True
    assert snapshot["certificates"]["by_kind"] == {
        "organizational": {
            "issued_in_year": 1,
            "issued_total": 2,
            "active": 1,
            "suspended": 0,
            "withdrawn": 1,
            "expired": 0,
        },
        "product": {
            "issued_in_year": 2,
            "issued_total": 3,
            "active": 1,
            "suspended": 1,
            "withdrawn": 0,
            "expired": 1,
        },
    }
    assert snapshot["community"] == {
        "by_group": {"it_customer": 1, "it_vendor": 2, "it_service_provider": 0},
        "total": 3,
    }
    conference = snapshot["conference"]
    assert (conference["confirmed"], conference["waitlisted"], conference["organizations"]) == (
        2,
        1,
        1,
    )
    assert conference["capacity"] == 2
    election = snapshot["election"]
    # Eligible at tallying: Alpha and Beta (Gamma joined the community later).
    assert (election["ballots"], election["eligible"], election["turnout_percent"]) == (1, 2, 50.0)
    vendors = election["groups"]["it_vendor"]
    assert vendors["seats"] == 5
    assert vendors["candidates"] == [
        {
            "name": "Alice Owner",
            "organization": "Alpha",
            "votes": 1,
            "rank": 1,
            "elected": True,
        }
    ]
    assert snapshot["proposals"] == {
        "submitted_in_year": 2,
        "by_status": {"submitted": 1, "discussion": 0, "accepted": 1, "rejected": 0, "deferred": 0},
    }


def test_snapshot_queries_do_not_grow_with_the_data(known_dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        take_snapshot(YEAR)


def test_figures_are_presented_from_the_snapshot_alone(known_dataset, django_assert_num_queries):
    snapshot = take_snapshot(YEAR)
    with django_assert_num_queries(0):
        figures = present(snapshot)
    assert figures["signees"]["total"] == 3
    assert "<svg" in figures["signees"]["chart"]
    assert [r["kind"] for r in figures["certificates"]["rows"]] == ["organizational", "product"]


def test_without_a_certificate_provider_the_figures_say_so(known_dataset, monkeypatch):
    from signees import extensions

    monkeypatch.delitem(extensions._figures_registry, "certificate_figures")
    snapshot = take_snapshot(YEAR)
    assert snapshot["certificates"] == {"available": False, "by_kind": {}}
    assert present(snapshot)["certificates"]["rows"] == []


# --- Who may do what; snapshot determinism; publishing -----------------------------------


@pytest.fixture
def report(core_team, alice):
    return services.report_create(year=YEAR, by=alice)


def _render(report, by):
    # The tests never commit, so nothing is queued: render in-process, as the worker does.
    document = services.report_render(report=report, by=by)
    return document_render(document_id=document.pk)


def test_only_core_team_and_office_create_reports(core_team, bob, charlie, office_user):
    before = _activity_count()
    for outsider in (bob, charlie):
        with pytest.raises(DomainError):
            services.report_create(year=YEAR, by=outsider)
    assert not AnnualReport.objects.exists()
    assert _activity_count() == before
    report = services.report_create(year=YEAR, by=office_user)
    assert report.sections.count() == 3
    with pytest.raises(DomainError):
        services.report_create(year=YEAR, by=office_user)
    assert AnnualReport.objects.count() == 1


def test_sections_are_kept_as_written_and_sanitized_on_output(report, alice, bob):
    section = services.report_section_save(
        report=report, by=alice, title="Intro", body="Hi <script>x()</script>"
    )
    assert section.body == "Hi <script>x()</script>"
    assert "<script" not in render_markdown(section.body)
    with pytest.raises(DomainError):
        services.report_section_save(report=report, by=bob, title="No", body="")
    assert not ReportSection.objects.filter(title="No").exists()


def test_rerendering_from_the_same_snapshot_gives_the_same_figures(
    report, alice, alpha, beta, pdftotext_path
):
    from tests.community.test_reports_pdf import pdf_text

    services.report_snapshot_take(report=report, by=alice)
    report.refresh_from_db()
    frozen = report.snapshot
    first = _render(report, alice)
    assert first.status == DocumentStatus.READY, first.last_error
    text_before = pdf_text(pdftotext_path, first)
    assert str(YEAR) in text_before

    # The data changes: a community member leaves the signee list, a proposal comes in.
    from signees.models import Signee

    with scopes_disabled():
        Signee.objects.filter(organization=beta).update(status="withdrawn")
    services.proposal_submit(organization=alpha, by=alice, kind="new", title="N", rationale="R")
    assert take_snapshot(YEAR)["signees"]["total"] != frozen["signees"]["total"]

    second = _render(report, alice)
    report.refresh_from_db()
    assert report.snapshot == frozen
    assert present(report.snapshot) == present(frozen)
    assert pdf_text(pdftotext_path, second) == text_before

    # Only an explicit refresh takes the new figures.
    services.report_snapshot_take(report=report, by=alice)
    report.refresh_from_db()
    assert report.snapshot["signees"]["total"] == frozen["signees"]["total"] - 1


def test_publish_rules(report, alice, office_user):
    def refused(code):
        with pytest.raises(DomainError) as exc:
            services.report_publish(report=report, by=office_user)
        assert exc.value.code == code
        report.refresh_from_db()
        assert report.published_at is None

    # The Core Team writes; only the office publishes.
    with pytest.raises(DomainError):
        services.report_publish(report=report, by=alice)
    refused("no_snapshot")
    with pytest.raises(DomainError):
        services.report_render(report=report, by=alice)  # figures first
    services.report_snapshot_take(report=report, by=alice)
    refused("empty")
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Hello"
    )
    refused("pdf_outdated")
    document = _render(report, alice)
    assert document.status == DocumentStatus.READY
    # An edit after rendering makes the PDF out of date again.
    services.report_section_save(
        report=report, section=section, by=alice, title="Foreword", body="Hello!"
    )
    refused("pdf_outdated")
    _render(report, alice)
    services.report_publish(report=report, by=office_user)
    report.refresh_from_db()
    assert report.published_at is not None and report.published_by == office_user
    assert _activity_count(verb="report.published") == 1


def test_a_published_report_is_frozen(report, alice, office_user):
    services.report_snapshot_take(report=report, by=alice)
    section = report.sections.first()
    services.report_section_save(report=report, section=section, by=alice, title="F", body="Text")
    _render(report, alice)
    services.report_publish(report=report, by=office_user)
    report.refresh_from_db()
    frozen = (report.snapshot, report.snapshot_taken_at)
    for attempt in (
        lambda: services.report_snapshot_take(report=report, by=alice),
        lambda: services.report_section_save(
            report=report, section=section, by=alice, title="X", body="Y"
        ),
        lambda: services.report_section_save(report=report, by=alice, title="New", body="Y"),
        lambda: services.report_section_delete(section=section, by=alice),
        lambda: services.report_publish(report=report, by=office_user),
    ):
        with pytest.raises(DomainError):
            attempt()
    report.refresh_from_db()
    section.refresh_from_db()
    assert (report.snapshot, report.snapshot_taken_at) == frozen
    assert (section.title, section.body) == ("F", "Text")
    assert report.sections.count() == 3
    # Re-rendering stays possible (a template fix) and reads the same frozen figures.
    document = _render(report, office_user)
    assert document.status == DocumentStatus.READY
