"""Appeals: filing within the period against one's own decisions only, once while open; an
impartial certifier assigned and deciding; outcome, mail, deadline; withdrawal; follow-up."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    Appeal,
    AppealEvent,
    AppealStatus,
    CertificateStatus,
    CertificationPolicy,
    Deadline,
    DeadlineKind,
)
from certification.services import appeals, certificates
from certification.services.deadlines import deadlines_remind
from tests.certification.helpers import decide, refreshed
from tests.factories import MembershipFactory, UserFactory, make_office

pytestmark = [pytest.mark.django_db, pytest.mark.through_services]


@pytest.fixture
def office3(db):
    """A certifier who took no part in Alpha's case."""
    return make_office(
        UserFactory(email="office3@example.org", full_name="Cleo Certifier"), "certifier"
    )


@pytest.fixture
def denied(reported, office2):
    """Alpha's application, refused by office2."""
    decide(reported, office2, decision="deny")
    return refreshed(reported)


@pytest.fixture
def suspended(certificate, office_user):
    return certificates.certificate_suspend(
        certificate=certificate, reason="Seal misused.", by=office_user
    )


def _file(organization, item, by, grounds="The decision overlooked our evidence."):
    return appeals.appeal_file(organization=organization, item=item, grounds=grounds, by=by)


def _codes(exc_info):
    return {e.code for e in exc_info.value.error_list}


def _events(appeal):
    with scopes_disabled():
        return list(AppealEvent.objects.filter(appeal=appeal).values_list("action", flat=True))


def _deadline(appeal):
    with scopes_disabled():
        return Deadline.objects.get(kind=DeadlineKind.APPEAL, appeal=appeal)


def test_filing_draws_a_reference_opens_the_deadline_and_tells_filer_and_certifiers(
    denied, alice, office_user, office2, office3, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    year = timezone.localdate().year
    assert appeal.reference == f"APL-{year}-0001"
    assert appeal.status == AppealStatus.FILED
    assert appeal.subject == "refusal" and appeal.application == denied
    assert appeal.decision_on == timezone.localtime(denied.decided_at).date()
    policy = certificates.certification_policy()
    assert appeal.due_on == timezone.localdate() + timedelta(days=policy.appeal_decision_days)
    deadline = _deadline(appeal)
    assert deadline.closed_at is None and deadline.due_on == appeal.due_on
    assert _events(appeal) == ["filed"]
    receipt = next(m for m in mailoutbox if m.to == [alice.email])
    assert appeal.reference in receipt.subject
    notified = {m.to[0] for m in mailoutbox if m.to != [alice.email]}
    assert {office_user.email, office2.email, office3.email} <= notified


def test_references_are_gapless_per_year(suspended, alice):
    first = _file(suspended.organization, f"other:{suspended.application_id}", alice)
    second = _file(suspended.organization, f"suspension:{suspended.pk}", alice)
    assert first.reference[-4:] == "0001" and second.reference[-4:] == "0002"


def test_filing_after_the_period_is_refused_naming_the_last_day(denied, alice):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"appeal_days": 10})
    last_day = timezone.localtime(denied.decided_at).date() + timedelta(days=10)
    with (
        time_machine.travel(timezone.now() + timedelta(days=11), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        _file(denied.organization, f"refusal:{denied.pk}", alice)
    assert _codes(refused) == {"period"}
    assert str(last_day) in refused.value.messages[0]
    with time_machine.travel(timezone.now() + timedelta(days=9), tick=False):
        assert _file(denied.organization, f"refusal:{denied.pk}", alice).pk


def test_only_the_organizations_own_decisions_can_be_appealed(denied, alice, bob, charlie, beta):
    with pytest.raises(ValidationError) as refused:
        _file(beta, f"refusal:{denied.pk}", charlie)  # Alpha's decision, from Beta
    assert _codes(refused) == {"item"}
    with pytest.raises(ValidationError):
        _file(denied.organization, f"refusal:{denied.pk}", charlie)  # not Alpha's admin
    with pytest.raises(ValidationError):
        _file(denied.organization, f"refusal:{denied.pk}", bob)  # a plain member
    with pytest.raises(ValidationError) as refused:
        _file(denied.organization, "refusal:999999", alice)
    assert _codes(refused) == {"item"}


def test_a_second_appeal_on_the_same_decision_waits_for_the_first(denied, alice):
    first = _file(denied.organization, f"refusal:{denied.pk}", alice)
    with pytest.raises(ValidationError) as refused:
        _file(denied.organization, f"refusal:{denied.pk}", alice)
    assert _codes(refused) == {"duplicate"}
    appeals.appeal_withdraw(appeal=first, by=alice)
    again = _file(denied.organization, f"refusal:{denied.pk}", alice)
    assert again.pk != first.pk
    assert again.reference[-4:] == "0002"  # the refused filing gave its number back


def test_the_decider_of_the_decision_cannot_be_assigned(denied, alice, office_user, office2):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_assign(appeal=appeal, decider=office2, by=office_user)
    assert _codes(refused) == {"impartiality"}
    assert "decided the case" in refused.value.messages[0]
    assert refreshed(appeal).status == AppealStatus.FILED


def test_an_auditor_of_the_case_cannot_be_assigned(denied, alice, office_user, auditor_user):
    make_office(auditor_user, "certifier")
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_assign(appeal=appeal, decider=auditor_user, by=office_user)
    assert _codes(refused) == {"impartiality"}
    assert "auditor of the case" in refused.value.messages[0]


def test_the_suspender_cannot_be_assigned_and_an_uninvolved_certifier_can(
    suspended, alice, office_user, office2, office3
):
    appeal = _file(suspended.organization, f"suspension:{suspended.pk}", alice)
    for person, reason in ((office_user, "suspended"), (office2, "decided the case")):
        with pytest.raises(ValidationError) as refused:
            appeals.appeal_assign(appeal=appeal, decider=person, by=office_user)
        assert reason in refused.value.messages[0]
    appeal = appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    assert appeal.status == AppealStatus.UNDER_REVIEW and appeal.decider == office3
    assert _events(appeal) == ["filed", "assign"]


def test_only_certifiers_assign_and_decide(denied, alice, office3, office_user):
    reviewer = make_office(UserFactory(email="rev@example.org"), "reviewer")
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_assign(appeal=appeal, decider=office3, by=reviewer)
    assert _codes(refused) == {"office_role"}
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_assign(appeal=appeal, decider=reviewer, by=office_user)
    assert _codes(refused) == {"not_certifier"}
    appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_decide(appeal=appeal, outcome="dismissed", reasons="No.", by=reviewer)
    assert _codes(refused) == {"office_role"}


def test_only_the_assigned_decider_decides_and_impartiality_is_checked_again(
    denied, alice, office_user, office3
):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    appeal = appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_decide(appeal=appeal, outcome="dismissed", reasons="No.", by=office_user)
    assert _codes(refused) == {"not_decider"}
    # office3 joins Alpha after being assigned: no longer impartial when deciding.
    MembershipFactory(organization=denied.organization, user=office3)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_decide(appeal=appeal, outcome="dismissed", reasons="No.", by=office3)
    assert _codes(refused) == {"impartiality"}
    assert refreshed(appeal).status == AppealStatus.UNDER_REVIEW


def test_the_decision_records_outcome_and_reasons_tells_company_and_office(
    denied, alice, bob, office_user, office3, mailoutbox, django_capture_on_commit_callbacks
):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    appeal = appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_decide(appeal=appeal, outcome="dismissed", reasons="  ", by=office3)
    assert _codes(refused) == {"reasons"}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeals.appeal_decide(
            appeal=appeal, outcome="dismissed", reasons="The evidence was weighed.", by=office3
        )
    assert appeal.status == AppealStatus.DECIDED and appeal.outcome == "dismissed"
    assert appeal.reasons == "The evidence was weighed." and appeal.decided_at
    assert _deadline(appeal).closed_at is not None
    assert _events(appeal) == ["filed", "assign", "decide"]
    company = next(m for m in mailoutbox if m.to == [alice.email])
    assert "The evidence was weighed." in company.body and appeal.reference in company.subject
    assert bob.email not in {m.to[0] for m in mailoutbox}  # a plain member is not told
    assert office_user.email in {m.to[0] for m in mailoutbox}
    with pytest.raises(ValidationError):  # decided once
        appeals.appeal_decide(appeal=appeal, outcome="upheld", reasons="Again.", by=office3)


def test_the_company_withdraws_an_open_appeal(denied, alice, bob):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    with pytest.raises(ValidationError):
        appeals.appeal_withdraw(appeal=appeal, by=bob)
    appeal = appeals.appeal_withdraw(appeal=appeal, by=alice, reason="Settled.")
    assert appeal.status == AppealStatus.WITHDRAWN and appeal.withdrawn_at
    assert _deadline(appeal).closed_at is not None
    with pytest.raises(ValidationError) as refused:
        appeals.appeal_withdraw(appeal=appeal, by=alice)
    assert _codes(refused) == {"transition"}


def test_an_upheld_appeal_offers_reinstatement_and_records_it(
    suspended, alice, office_user, office3
):
    appeal = _file(suspended.organization, f"suspension:{suspended.pk}", alice)
    appeal = appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    appeal = appeals.appeal_decide(
        appeal=appeal, outcome="upheld", reasons="The misuse was a reseller's.", by=office3
    )
    assert refreshed(suspended).status == CertificateStatus.SUSPENDED  # never automatic
    assert appeals.follow_ups_offered(appeal) == ["reinstate", "note"]
    appeals.appeal_follow_up(appeal=appeal, action="reinstate", note="", by=office3)
    assert refreshed(suspended).status == CertificateStatus.ACTIVE
    with scopes_disabled():
        step = AppealEvent.objects.filter(appeal=appeal).last()
    assert step.action == "follow_up" and step.data["certificate"] == suspended.number
    assert appeals.follow_ups_offered(refreshed(appeal)) == ["note"]


def test_a_dismissed_appeal_has_no_follow_up(denied, alice, office_user, office3):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    appeal = appeals.appeal_decide(appeal=appeal, outcome="dismissed", reasons="No.", by=office3)
    with pytest.raises(ValidationError):
        appeals.appeal_follow_up(appeal=appeal, action="note", note="x", by=office3)


def test_an_overdue_appeal_is_reminded_to_certifiers_and_escalated(
    denied, alice, office3, mailoutbox, django_capture_on_commit_callbacks
):
    appeal = _file(denied.organization, f"refusal:{denied.pk}", alice)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = deadlines_remind(today=appeal.due_on + timedelta(days=1))
    assert sent == 2  # due, then overdue
    to_office3 = [m for m in mailoutbox if m.to == [office3.email]]
    assert to_office3 and all(appeal.reference in m.subject for m in to_office3)
    assert f"/office/certification/appeals/{appeal.pk}/" in to_office3[0].body
    with scopes_disabled():
        assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.FILED
