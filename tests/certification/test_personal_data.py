"""The certification record in a person's data on request (certification/personal_data.py):
an auditor's work is exported and, on erasure, kept — linked to the anonymised account; an
auditor still assigned to an audit is not erased."""

import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import AuditorAssignment, AuditPlan, Certificate, ScoreChange
from certification.services.agreements import agreement_accept
from certification.services.plans import objection_dismiss
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.selectors.people import erasure_blockers, erasure_preview
from cpo_portal.accounts.services.people import person_erase, person_export
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.models import Membership, Role

from .factories import AgreementVersionFactory
from .helpers import raise_objection, refreshed, send_plan

pytestmark = pytest.mark.django_db


def test_an_auditor_in_an_audit_is_not_erased(assigned, auditor_user, office2):
    reasons = erasure_blockers(person=auditor_user, by=office2)

    assert any("end the assignment first" in str(r) for r in reasons)
    with pytest.raises(DomainError):
        person_erase(person=auditor_user, by=office2)
    auditor_user.refresh_from_db()
    assert auditor_user.is_active


def test_the_export_holds_the_auditors_work(certificate, auditor_user, office2):
    data = person_export(person=auditor_user, by=office2)["certification"]

    assert data["auditor"]["assignments"][0]["role"] == "lead"
    assert len(data["scores_given"]) == 30
    assert data["applications"][0]["report_submitted_by_this_person"] is True


def test_erasure_keeps_scores_and_decisions(certificate, auditor_user, office_user, office2):
    Auditor.objects.filter(user=auditor_user).update(phone="+49 170 000000")
    with scopes_disabled():
        scored = ScoreChange.objects.filter(by=auditor_user).count()

    person_erase(person=auditor_user, by=office_user)

    with scopes_disabled():
        assert ScoreChange.objects.filter(by=auditor_user).count() == scored
        assert Certificate.objects.filter(pk=certificate.pk).exists()
    auditor = Auditor.objects.get(user=auditor_user)
    assert auditor.phone == ""
    assert not auditor.is_active
    assert auditor.organisation_name == "Audit Body"  # the auditing body is the record's
    auditor_user.refresh_from_db()
    assert auditor_user.is_erased


def test_the_export_says_the_certification_record_is_kept(alice, office_user):
    kept = person_export(person=alice, by=office_user)["kept_on_erasure"]

    assert any("certification record stays" in text for text in kept)


# --- The certification agreement and audit plans (issue 15) -----------------------------------


def _lead(application):
    with scopes_disabled():
        return AuditorAssignment.objects.get(application=application, role="lead", status="active")


def _bob_accepts(alpha, bob):
    """Bob, made an admin of Alpha, accepts the agreement from a browser."""
    with scopes_disabled():
        Membership.objects.filter(organization=alpha, user=bob).update(role=Role.ADMIN)
    agreement = AgreementVersionFactory(published=True)
    return agreement_accept(
        organization=alpha,
        by=bob,
        signatory_name="Bob Member",
        signatory_position="Head of PLM",
        authority_confirmed=True,
        agreement_number=agreement.number,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )


def test_the_export_holds_the_agreement_acceptances(alpha, bob, office_user):
    acceptance = _bob_accepts(alpha, bob)

    rows = person_export(person=bob, by=office_user)["certification"]["agreement_acceptances"]

    assert rows == [
        {
            "organization": alpha.display_name,
            "agreement_version": acceptance.agreement.number,
            "agreement_title": acceptance.agreement.title,
            "signatory_name": "Bob Member",
            "signatory_position": "Head of PLM",
            "accepted": acceptance.accepted_at,
            "ip_address": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            "text_sha256": acceptance.text_sha256,
        }
    ]


def test_erasure_keeps_the_acceptance_whole_like_a_signature(alpha, bob, office_user):
    acceptance = _bob_accepts(alpha, bob)
    before = model_to_dict(acceptance)

    kept = " ".join(str(t) for t in erasure_preview(bob).kept)
    person_erase(person=bob, by=office_user)

    with scopes_disabled():
        acceptance.refresh_from_db()
    # The legal record of the company's agreement: the name is part of the hashed text.
    assert model_to_dict(acceptance) == before
    assert "Bob Member" in acceptance.text
    assert acceptance.text_sha256 == hashlib.sha256(acceptance.text.encode()).hexdigest()
    assert "Acceptances of the certification agreement" in kept
    bob.refresh_from_db()
    assert bob.is_erased and str(acceptance.accepted_by) == "Former member"


@pytest.mark.through_services
def test_the_export_holds_the_audit_plans_and_objections(
    assigned, alice, auditor_user, office_user
):
    plan = send_plan(assigned, auditor_user)
    objection = raise_objection(plan, _lead(assigned), alice, reason="He audited our rival.")
    objection_dismiss(objection=objection, reason="No conflict found.", by=office_user)

    auditor = person_export(person=auditor_user, by=office_user)["certification"]
    company = person_export(person=alice, by=office_user)["certification"]
    office = person_export(person=office_user, by=office_user)["certification"]

    [row] = auditor["audit_plans"]
    assert (row["application"], row["plan_version"], row["status"]) == (assigned.pk, 1, "sent")
    assert row["team_role"] == "lead" and row["sent_by_this_person"] is True
    assert row["agenda"] and {"date", "from", "until", "subject"} <= set(row["agenda"][0])
    # The auditor learns that an objection was raised and how it ended, not the reasons.
    assert auditor["objections_to_this_person"] == [
        {
            "application": assigned.pk,
            "plan_version": 1,
            "status": "dismissed",
            "raised": objection.raised_at,
            "decided": refreshed(objection).decided_at,
        }
    ]
    assert "He audited our rival." not in json.dumps(auditor, cls=DjangoJSONEncoder)
    [raised] = company["objections_raised"]
    assert (raised["auditor"], raised["reason"]) == ("Arne Auditor", "He audited our rival.")
    assert raised["decision_reason"] == "No conflict found."
    assert company["audit_plans"] == []  # alice has not confirmed it
    assert office["objections_decided"][0]["status"] == "dismissed"
    assert office["objections_to_this_person"] == []


@pytest.mark.through_services
def test_erasure_names_a_former_member_in_the_plans_team(
    certificate, client, auditor_user, office_user
):
    application = certificate.application
    with scopes_disabled():
        plan = AuditPlan.objects.get(application=application)
    assert [m["name"] for m in plan.team] == ["Arne Auditor"]
    lines = [str(line.text) for line in erasure_preview(auditor_user).lines]
    assert any("1 audit plan names the person" in line for line in lines)

    counts = person_erase(person=auditor_user, by=office_user)

    assert counts["audit_plan_teams"] == 1
    with scopes_disabled():
        plan.refresh_from_db()
    assert plan.team == [
        {
            "auditor": auditor_user.auditor.pk,
            "assignment": _assignment_pk(application),
            "name": "",
            "erased": True,
            "role": "lead",
            "body": "Audit Body",
        }
    ]
    assert plan.version == 2 and plan.status == "sent"  # the record itself is unchanged
    client.force_login(office_user)
    page = client.get(reverse("certification:office_plan", kwargs={"pk": application.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Former member" in html and "Arne Auditor" not in html
    # Nothing is left to rewrite.
    assert not any("audit plan" in str(line.text) for line in erasure_preview(auditor_user).lines)


def _assignment_pk(application):
    with scopes_disabled():
        return AuditorAssignment.objects.get(application=application, role="lead").pk
