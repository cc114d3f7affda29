"""Migration 0004 carries auditor competence forward: a qualification recorded before the
office approved qualifications stays in force (approved, applied when it was recorded, its
validity kept), and the certification policy keeps its setting and gets the default days."""

from datetime import date

import pytest

from certification.selectors.auditors import competence_of, is_qualified
from cpo_portal.accounts.models import Auditor
from tests.migrations import migrate, rows

BEFORE = ("certification", "0003_answer_version")
AFTER = ("certification", "0004_competence_agreements_plans_deadlines")
CREATED = "2025-04-01 08:30:00"


@pytest.mark.django_db(transaction=True)
def test_0004_approves_existing_qualifications_and_keeps_the_policy(co_user):
    auditor = Auditor.objects.create(user=co_user)
    try:
        migrate(BEFORE)
        rows(
            "INSERT INTO certification_auditorqualification "
            "(auditor_id, scheme_kind, valid_until, created_at) VALUES (%s, %s, %s, %s)",
            auditor.pk,
            "organizational",
            "2030-06-30",
            CREATED,
        )
        rows(
            "INSERT INTO certification_auditorqualification "
            "(auditor_id, scheme_kind, valid_until, created_at) VALUES (%s, %s, NULL, %s)",
            auditor.pk,
            "product",
            CREATED,
        )
        rows(
            "INSERT INTO certification_certificationpolicy "
            "(suspend_products_with_organizational, updated_at) VALUES (%s, %s)",
            True,
            CREATED,
        )

        migrate(AFTER)

        migrated = rows(
            "SELECT scheme_kind, status, applied_at = created_at, valid_from, valid_until "
            "FROM certification_auditorqualification WHERE auditor_id = %s ORDER BY scheme_kind",
            auditor.pk,
        )
        assert [(kind, status, bool(same), start) for kind, status, same, start, _ in migrated] == [
            ("organizational", "approved", True, None),
            ("product", "approved", True, None),
        ]
        assert [str(until) if until else None for *_, until in migrated] == ["2030-06-30", None]
        # Read with SQL: the database is at 0004, the model has the columns of later migrations.
        [policy] = rows(
            "SELECT suspend_products_with_organizational, self_assessment_days, "
            "finding_answer_days, audit_report_days, decision_days, objection_days, "
            "objection_decision_days, agreement_acceptance_days, reminder_days_before, "
            "qualification_warning_days FROM certification_certificationpolicy"
        )
        assert bool(policy[0]) is True
        assert tuple(policy[1:]) == (30, 30, 30, 14, 7, 5, 60, 7, 60)
        # In force: the dated one until its end, the legacy one without end, flagged.
        migrate()
        assert is_qualified(auditor, "organizational")
        assert is_qualified(auditor, "product")
        product = competence_of(auditor).current["product"]
        assert (product.in_force, product.no_validity) == (True, True)
        organizational = competence_of(auditor).current["organizational"]
        assert organizational.qualification.valid_until == date(2030, 6, 30)
    finally:
        migrate()
