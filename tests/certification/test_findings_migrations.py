"""Migration 0006 carries rows into the new shape: each existing finding gets its history as
steps from the stamps it had; each product certificate names its holder's organizational
certificate; a policy nobody saved suspends product certificates with the organizational
one, a policy an office member saved keeps its setting."""

import pytest
from django_scopes import scopes_disabled

from certification.models import Certificate, CertificationPolicy, FindingStep
from tests.migrations import migrate, rows

BEFORE = ("certification", "0005_findings_complaints_appeals_certificate")
AFTER = ("certification", "0006_carry_forward_findings_certificates_policy")
RAISED, ANSWERED, CLOSED = "2025-03-01 09:00:00", "2025-03-05 10:00:00", "2025-03-09 11:00:00"


@pytest.mark.django_db(transaction=True)
def test_0006_gives_findings_their_steps(case, auditor_user, alice):
    finding = case["finding"]
    try:
        migrate(BEFORE)
        rows(
            "UPDATE certification_finding SET raised_at = %s, answered_at = %s, "
            "answered_by_id = %s, corrective_action = %s, closed_at = %s, closed_by_id = %s, "
            "verification_note = %s, status = 'closed' WHERE id = %s",
            RAISED,
            ANSWERED,
            alice.pk,
            "Docs regenerated on every release.",
            CLOSED,
            auditor_user.pk,
            "Checked two releases.",
            finding.pk,
        )
        migrate(AFTER)
        with scopes_disabled():
            steps = list(FindingStep.objects.filter(finding_id=finding.pk).order_by("at"))
        assert [(s.step, s.by_id) for s in steps] == [
            ("raised", auditor_user.pk),
            ("answered", alice.pk),
            ("accepted", auditor_user.pk),
        ]
        assert steps[0].data["kind"] == finding.kind
        assert steps[0].data["description"] == finding.description
        assert steps[1].data == {"corrective_action": "Docs regenerated on every release."}
        assert steps[2].data == {"note": "Checked two releases."}
        assert [s.at.strftime("%Y-%m-%d %H:%M:%S") for s in steps] == [RAISED, ANSWERED, CLOSED]
    finally:
        migrate()


@pytest.mark.django_db(transaction=True)
def test_0006_links_product_certificates_and_sets_the_unsaved_policy(product, office_user):
    try:
        migrate(BEFORE)
        rows("UPDATE certification_certificate SET organizational_certificate_id = NULL")
        rows("DELETE FROM certification_certificationpolicy")
        rows(
            "INSERT INTO certification_certificationpolicy "
            "(suspend_products_with_organizational, updated_at, self_assessment_days, "
            "finding_answer_days, audit_report_days, decision_days, objection_days, "
            "objection_decision_days, agreement_acceptance_days, reminder_days_before, "
            "qualification_warning_days, clarification_answer_days, appeal_days, "
            "appeal_decision_days, complaint_acknowledge_days, complaint_answer_days) "
            "VALUES (false, %s, 30, 30, 30, 14, 7, 5, 60, 7, 60, 14, 30, 60, 5, 60)",
            RAISED,
        )
        migrate(AFTER)
        with scopes_disabled():
            migrated = Certificate.objects.get(pk=product.pk)
            holder_org = Certificate.objects.get(
                organization_id=product.organization_id, kind="organizational"
            )
        assert migrated.organizational_certificate_id == holder_org.pk
        assert CertificationPolicy.objects.get().suspend_products_with_organizational is True
    finally:
        migrate()


@pytest.mark.django_db(transaction=True)
def test_0006_keeps_a_policy_an_office_member_saved(office_user):
    try:
        migrate(BEFORE)
        rows("DELETE FROM certification_certificationpolicy")
        rows(
            "INSERT INTO certification_certificationpolicy "
            "(suspend_products_with_organizational, updated_at, updated_by_id, "
            "self_assessment_days, finding_answer_days, audit_report_days, decision_days, "
            "objection_days, objection_decision_days, agreement_acceptance_days, "
            "reminder_days_before, qualification_warning_days, clarification_answer_days, "
            "appeal_days, appeal_decision_days, complaint_acknowledge_days, "
            "complaint_answer_days) "
            "VALUES (false, %s, %s, 30, 30, 30, 14, 7, 5, 60, 7, 60, 14, 30, 60, 5, 60)",
            RAISED,
            office_user.pk,
        )
        migrate(AFTER)
        assert CertificationPolicy.objects.get().suspend_products_with_organizational is False
    finally:
        migrate()
