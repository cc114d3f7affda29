"""The figures of the annual report (community/report_figures.py): exact figures from a known
dataset in a bounded number of queries, presented from the snapshot alone. They name the
elected people, never by address (DESIGN §3): a nameless candidate is frozen without a name
and shown with a neutral label, and a snapshot taken before that (which held the address)
is shown the same way."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AnnualReport, Conference, Proposal, Registration
from community.report_figures import present, public_figures, take_snapshot
from community.services import reports as services
from cpo_portal.documents.services import document_render
from tests.community.factories import ProposalFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year


def _candidates(snapshot):
    groups = snapshot["election"]["groups"].values()
    return [c for g in groups for c in g["candidates"]]


def _published(report, by, office_user):
    services.report_snapshot_take(report=report, by=by)
    section = report.sections.first()
    services.report_section_save(
        report=report, section=section, by=by, title="Foreword", body="Welcome."
    )
    document_render(document_id=services.report_render(report=report, by=by).pk)
    return services.report_publish(report=report, by=office_user)


def test_a_nameless_candidate_is_frozen_without_the_address(core_team, alice):
    alice.full_name = ""
    alice.save(update_fields=["full_name"])
    report = services.report_create(year=YEAR, by=alice)

    snapshot = services.report_snapshot_take(report=report, by=alice).snapshot

    assert [c["name"] for c in _candidates(snapshot)] == [""]
    assert "alice@example.org" not in str(snapshot)
    assert [c["name"] for c in _candidates(public_figures(snapshot))] == ["Anonymous member"]


def test_an_old_snapshot_with_an_address_shows_a_label_instead(
    client, core_team, alice, office_user
):
    report = _published(services.report_create(year=YEAR, by=alice), alice, office_user)
    snapshot = report.snapshot
    _candidates(snapshot)[0]["name"] = "alice@example.org"  # as frozen before the fix
    AnnualReport.objects.filter(pk=report.pk).update(snapshot=snapshot)

    page = client.get(reverse("community:report", args=[YEAR])).content.decode()
    api = client.get(f"/api/v1/community/reports/{YEAR}/").content.decode()
    figures = present(AnnualReport.objects.get(pk=report.pk).snapshot)

    assert "alice@example.org" not in page
    assert "alice@example.org" not in api
    assert "Anonymous member" in page and "Anonymous member" in api
    names = [c["name"] for g in figures["election_groups"] for c in g["candidates"]]
    assert names == ["Anonymous member"]


# --- Figures from a known dataset ------------------------------------------------------


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
    SigneeFactory(
        organization=delta,
        signed_by=delta_owner,
        group="it_service_provider",
        signatory_name="D",
        signatory_position="CEO",
        ip_address="",
        user_agent="",
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
    ProposalFactory(
        accepted=True,
        organization=alpha,
        submitted_by=alice,
        kind="new",
        title="One",
        rationale="R",
        decided_by=alice,
        decision_rationale="Good",
    )
    ProposalFactory(
        organization=alpha, submitted_by=alice, kind="editorial", title="Two", rationale="R"
    )
    old = ProposalFactory(
        organization=alpha, submitted_by=alice, kind="other", title="Old", rationale="R"
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
    # 12, and 2 for the complaints and appeals of the year (certification's complaints).
    with django_assert_max_num_queries(14):
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
