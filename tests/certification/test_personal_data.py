"""The certification record in a person's data on request (certification/personal_data.py):
an auditor's work is exported and, on erasure, kept — linked to the anonymised account; an
auditor still assigned to an audit is not erased."""

import pytest
from django_scopes import scopes_disabled

from certification.models import Certificate, ScoreChange
from cpo_portal.accounts.models import Auditor
from cpo_portal.accounts.selectors.people import erasure_blockers
from cpo_portal.accounts.services.people import person_erase, person_export
from cpo_portal.errors import DomainError

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
