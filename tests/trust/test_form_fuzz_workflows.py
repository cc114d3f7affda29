"""Form fuzzing of the workflow forms (hypothesis): the auditor's scoring autosave and
findings, the company's corrective action, the ballot, nominations, conference registration
and the office's review decisions.

Every example starts from the same state (it runs in a savepoint that is rolled back), so a
decision taken by one example does not hide the refusals of the next. Whatever is posted:
never a 5xx; a refused submission writes nothing (rows, the changed row's values and the
activity log are compared), and an accepted one leaves an activity log entry. One valid
example per form proves that the accepted path is reached too.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import models, transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import example, given
from hypothesis import strategies as st

from certification.models import (
    ApplicationEvent,
    Certificate,
    Finding,
    FindingKind,
    Score,
    ScoreChange,
)
from certification.services.findings import finding_answer, finding_raise
from community.models import Ballot, BallotCast, BallotVote, Candidate, Registration
from community.services import conference as community_conference
from community.services import elections as community_elections
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document
from criteria.models import AssessmentCriterion
from signees.models import Signee, SigneeReview
from signees.services.signing import signee_sign
from tests.certification import conftest as certification_fixtures
from tests.certification.helpers import answer_fields, criteria_of
from tests.community.helpers import at_phase, member
from tests.trust.test_form_fuzz import FUZZ, HOSTILE, VALUE

pytestmark = pytest.mark.django_db

# The certification fixtures, shared with this module.
accepted = certification_fixtures.accepted
alpha_signee = certification_fixtures.alpha_signee
assigned = certification_fixtures.assigned
through_services = certification_fixtures.through_services
draft = certification_fixtures.draft
in_audit = certification_fixtures.in_audit
lead = certification_fixtures.lead
reported = certification_fixtures.reported
submitted = certification_fixtures.submitted

HX = {"HTTP_HX_REQUEST": "true"}
LIST = st.lists(VALUE, min_size=2, max_size=3)


def field(*valid: Any) -> st.SearchStrategy[Any]:
    """A field: left out, a valid value, a hostile one, or sent several times."""
    return st.one_of(st.none(), st.sampled_from(valid), VALUE, LIST)


def data_of(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


def counts(*tables: type[models.Model]) -> dict[str, int]:
    with scopes_disabled():
        return {m.__name__: m.objects.count() for m in (*tables, ActivityEntry)}


def row(obj: models.Model, *names: str) -> dict[str, Any]:
    with scopes_disabled():
        return type(obj).objects.filter(pk=obj.pk).values(*names).get()


def redirected_without_error(response: HttpResponse) -> bool:
    """Views that redirect either way tell a refusal by an error message."""
    return response.status_code == 302 and not any(
        m.level == messages.ERROR for m in get_messages(response.wsgi_request)
    )


def redirected(response: HttpResponse) -> bool:
    return response.status_code == 302


def fuzz(
    client,
    requests: st.SearchStrategy[tuple[str, dict[str, Any], dict[str, str]]],
    state: Callable[[], dict[str, Any]],
    took: Callable[[HttpResponse], bool],
    *,
    valid: tuple[str, dict[str, Any], dict[str, str]],
) -> None:
    """Post each generated (url, data, headers): no 5xx, a refusal writes nothing."""
    outcomes: set[bool] = set()

    @FUZZ
    @given(request=requests)
    @example(request=valid)
    def run(request: tuple[str, dict[str, Any], dict[str, str]]) -> None:
        url, data, headers = request
        # Messages of earlier examples wait in their cookie (no page showed them); they
        # would be read back with this response's and mistaken for its own.
        client.cookies.pop(CookieStorage.cookie_name, None)
        with transaction.atomic():
            before = state()
            response = client.post(url, data, **headers)
            assert response.status_code < 500, (url, data)
            after = state()
            if took(response):
                outcomes.add(True)
                assert after["ActivityEntry"] > before["ActivityEntry"], (url, data)
            else:
                outcomes.add(False)
                assert after == before, (url, data, response.status_code)
            transaction.set_rollback(True)

    run()
    assert outcomes == {True, False}, "both an accepted and a refused submission were tried"


def plain(url: str) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any], dict[str, str]]]:
    return lambda data: (url, data, {})


# --- the auditor --------------------------------------------------------------------------


@pytest.fixture
def lead_client(client, in_audit, auditor_user):
    client.force_login(auditor_user)
    return client


def test_scoring_autosave_htmx_and_plain_post(lead_client, in_audit):
    criterion = criteria_of(in_audit)[0]
    with scopes_disabled():
        score = Score.objects.get(application=in_audit, criterion=criterion)
    url = reverse("certification:score_save", args=[in_audit.pk, criterion.pk])
    version = str(score.version)
    form = data_of(
        rating=field("fulfilled", "partially", "not_fulfilled", "not_applicable"),
        rationale=field("Seen in the handbook."),
        version=field(version, str(score.version + 1)),
        keep_version=field(version),
        # "Evidence required": the auditor's confirmation of fulfilled without evidence.
        without_evidence=field("on"),
    )
    requests = st.tuples(st.just(url), form, st.sampled_from([HX, {}]))

    def took(response: HttpResponse) -> bool:
        # Autosave answers the row's fragment (200), a plain post goes back to the page.
        return response.status_code in (200, 302)

    fuzz(
        lead_client,
        requests,
        lambda: (
            counts(Score, ScoreChange)
            | row(score, "rating", "rationale", "version", "without_evidence")
        ),
        took,
        valid=(
            url,
            # The company gave no evidence for the (evidence-required) criterion: confirmed.
            {"rating": "fulfilled", "rationale": "Seen.", "version": version}
            | ({"without_evidence": "on"} if criterion.evidence_required else {}),
            HX,
        ),
    )


def test_new_finding(lead_client, in_audit):
    criteria = criteria_of(in_audit)
    # A criterion of the other scheme of the same catalogue.
    foreign = AssessmentCriterion.objects.exclude(scheme_id=in_audit.scheme_id).first()
    url = reverse("certification:finding_new", args=[in_audit.pk])
    form = data_of(
        kind=field(*FindingKind.values),
        criteria=st.one_of(
            field(str(criteria[0].pk), str(foreign.pk)),
            st.just([str(criteria[0].pk), str(criteria[1].pk), str(criteria[0].pk)]),
        ),
        description=field("The interface owner is not named."),
        # findings: a nonconformity states its objective evidence.
        objective_evidence=field("The org chart names nobody."),
        due_date=field("2030-01-31", ""),
    )
    fuzz(
        lead_client,
        form.map(plain(url)),
        lambda: counts(Finding, Finding.criteria.through),
        redirected,
        valid=plain(url)(
            {
                "kind": "minor",
                "criteria": [criteria[0].pk],
                "description": "No owner.",
                "objective_evidence": "The org chart names nobody.",
            }
        ),
    )


@pytest.fixture
def answered_finding(in_audit, auditor_user, alice):
    finding = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.MINOR,
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="The interface documentation is two releases behind.",
        by=auditor_user,
    )
    return finding_answer(
        **answer_fields(),
        finding=finding,
        corrective_action="Docs built on every release.",
        by=alice,
    )


def test_closing_or_sending_back_a_finding(lead_client, in_audit, answered_finding):
    urls = [
        reverse(f"certification:finding_{action}", args=[in_audit.pk, answered_finding.pk])
        for action in ("close", "reopen")
    ]
    form = data_of(note=field("Checked the release pipeline."))
    requests = st.tuples(st.sampled_from(urls), form, st.just({}))
    fuzz(
        lead_client,
        requests,
        lambda: counts(Finding) | row(answered_finding, "status", "verification_note"),
        redirected_without_error,
        valid=(urls[0], {"note": "Checked the release pipeline."}, {}),
    )


# --- the company --------------------------------------------------------------------------


def test_corrective_action_answer(client, alice, in_audit, auditor_user):
    finding = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.MAJOR,
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="No interface owner.",
        by=auditor_user,
    )
    client.force_login(alice)
    url = reverse(
        "certification:finding_answer",
        args=[in_audit.organization.slug, in_audit.pk, finding.pk],
    )
    # findings: the answer in its steps, with the date the corrective action is complete.
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    form = data_of(
        correction=field("Named an owner."),
        root_cause=field("No role review."),
        corrective_action=field("An interface owner is named in the org chart."),
        action_due_on=field(due, "2001-01-01"),
    )
    fuzz(
        client,
        form.map(plain(url)),
        lambda: counts(Finding) | row(finding, "status", "corrective_action", "answered_at"),
        redirected,
        valid=plain(url)(
            {
                "correction": "Named an owner.",
                "root_cause": "No role review.",
                "corrective_action": "An owner is named.",
                "action_due_on": due,
            }
        ),
    )


# --- the community ------------------------------------------------------------------------


@pytest.fixture
def members(catalogue, alpha, beta, alice, charlie, office_user):
    """Alpha and Beta are IT vendor members, Gamma (dora) an IT customer member."""
    from cpo_portal.tenancy.services import organization_create
    from tests.factories import UserFactory

    dora = UserFactory(email="dora@example.org", full_name="Dora Customer")
    gamma = organization_create(by=dora, legal_name="Gamma Motors", country="IT")
    member(alpha, alice, office_user)
    member(beta, charlie, office_user)
    member(gamma, dora, office_user, group="it_customer")
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "dora": dora}


@pytest.fixture
def election(members, office_user):
    now = timezone.now()
    day = timedelta(days=1)
    return community_elections.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office_user,
    )


def test_nomination_with_hostile_person_and_organization(client, election, members, alice, bob):
    alpha, beta, gamma = members["alpha"], members["beta"], members["gamma"]
    client.force_login(alice)
    url = reverse("community:org_nominate", args=[alpha.slug, election.year])
    valid = f"{alpha.pk}:{bob.pk}"
    form = data_of(
        candidate=field(
            valid,
            f"{beta.pk}:{bob.pk}",  # bob is no member of Beta
            f"{gamma.pk}:{members['dora'].pk}",  # another group
            f"{alpha.pk}:{bob.pk}:1",
            f"{alpha.pk}:",
            f"-{alpha.pk}:{bob.pk}",
            f"{alpha.pk}:{'9' * 30}",
        )
    )
    fuzz(
        client,
        form.map(plain(url)),
        lambda: counts(Candidate),
        redirected,
        valid=plain(url)({"candidate": valid}),
    )


def test_ballot_with_hostile_duplicated_and_foreign_candidates(
    client, election, members, alice, bob, charlie
):
    alpha, beta, gamma, dora = (members[k] for k in ("alpha", "beta", "gamma", "dora"))

    def nominate(organization, user, by):
        return community_elections.candidate_nominate(
            election=election,
            nominating_organization=organization,
            candidate_user=user,
            candidate_organization=organization,
            by=by,
        )

    vendor = nominate(beta, charlie, charlie)
    customer = nominate(gamma, dora, dora)
    pending = nominate(alpha, bob, alice)
    for candidate, by in ((vendor, charlie), (customer, dora)):
        community_elections.candidate_answer(candidate=candidate, accept=True, by=by)
    at_phase(election, "voting")
    ids = [str(c.pk) for c in (vendor, customer, pending)]
    pick = st.one_of(st.sampled_from(ids), HOSTILE)
    votes = st.one_of(st.none(), pick, st.lists(pick, min_size=2, max_size=4))
    # Posted as from the confirmation page: the step that casts.
    form = data_of(
        it_customer=votes, it_vendor=votes, it_service_provider=votes, confirm=st.just("yes")
    )
    client.force_login(alice)
    url = reverse("community:org_ballot", args=[alpha.slug, election.year])

    def took(response: HttpResponse) -> bool:
        cast = "community/elections/org_receipt.html" in [t.name for t in response.templates]
        if cast:
            # Only accepted candidates of the column they were posted in, each once.
            with scopes_disabled():
                chosen = list(BallotVote.objects.values_list("candidate__group", "candidate_id"))
            assert sorted(chosen) == sorted(set(chosen))
            assert set(chosen) <= {(vendor.group, vendor.pk), (customer.group, customer.pk)}
        return cast

    fuzz(
        client,
        form.map(plain(url)),
        lambda: counts(Ballot, BallotCast, BallotVote),
        took,
        valid=plain(url)({"it_vendor": [str(vendor.pk), str(vendor.pk)], "confirm": "yes"}),
    )


def test_conference_registration_with_hostile_attendee(client, members, alice, office_user):
    now = timezone.now()
    conference = community_conference.conference_save(
        by=office_user,
        year=now.year,
        title="CPO Conference",
        starts_on=(now + timedelta(days=30)).date(),
        ends_on=(now + timedelta(days=31)).date(),
        venue="Darmstadt",
        capacity=1,
        registration_opens=now - timedelta(days=1),
        registration_closes=now + timedelta(days=20),
    )
    community_conference.conference_publish(conference=conference, by=office_user)
    community_conference.registration_create(
        conference=conference,
        organization=members["alpha"],
        attendee_name="Alice Owner",
        attendee_email="alice@example.org",
        by=alice,
    )
    client.force_login(alice)
    url = reverse("community:org_register", args=[members["alpha"].slug, now.year])
    form = data_of(
        attendee_name=field("Ada Lovelace", "x" * 201, "Ada\x00Lovelace"),
        attendee_email=field(
            "ada@example.org",
            "ALICE@example.org",  # already registered
            "ada\x00@example.org",
            "a@" + "b" * 300 + ".org",
            "<script>@example.org",
        ),
    )
    fuzz(
        client,
        form.map(plain(url)),
        lambda: counts(Registration),
        redirected,
        valid=plain(url)({"attendee_name": "Ada", "attendee_email": "ada@example.org"}),
    )


# --- the office ---------------------------------------------------------------------------


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def test_signee_decisions_with_hostile_reasons(office_client, catalogue, beta, charlie):
    signature = signee_sign(
        organization=beta,
        by=charlie,
        group="it_customer",
        signatory_name="Charlie",
        signatory_position="CEO",
        authority_confirmed=True,
    )
    signee = signature.signee
    actions = ["approve", "return", "reject", "unpublish", "APPROVE", "approve%00", "x" * 300]
    urls = st.sampled_from(actions).map(lambda a: f"/office/signees/{signee.pk}/{a}/")
    requests = st.tuples(urls, data_of(reason=field("Your website does not load.")), st.just({}))
    fuzz(
        office_client,
        requests,
        lambda: counts(Signee, SigneeReview) | row(signee, "status"),
        redirected_without_error,
        valid=(f"/office/signees/{signee.pk}/return/", {"reason": "Fix the website."}, {}),
    )


def test_application_review_with_hostile_reasons(office_client, submitted):
    url = reverse("certification:office_review", args=[submitted.pk])
    form = data_of(
        action=field("accept", "return", "reject", "decide"),
        reason=field("The scope is unclear."),
    )
    fuzz(
        office_client,
        form.map(plain(url)),
        lambda: counts(ApplicationEvent) | row(submitted, "status", "status_reason"),
        redirected_without_error,
        valid=plain(url)({"action": "return", "reason": "The scope is unclear."}),
    )


def test_certification_decision_with_hostile_rationale(office_client, reported):
    url = reverse("certification:office_decide", args=[reported.pk])
    form = data_of(
        decision=field("grant", "deny", "GRANT", "withdraw"),
        rationale=field("All criteria met, as the report shows."),
    )
    fuzz(
        office_client,
        form.map(plain(url)),
        lambda: (
            counts(ApplicationEvent, Certificate, Document)
            | row(reported, "status", "decision", "decision_rationale")
        ),
        redirected,
        valid=plain(url)({"decision": "grant", "rationale": "All criteria met."}),
    )
