"""The demo data puts one audit in the auditor's hands and one application in the queue."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from certification.models import Application, ApplicationStatus, Score
from certification.selectors import audits_for_auditor
from cpo_portal.accounts.models import User

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", stdout=StringIO())


def test_demo_has_an_audit_for_scoring_and_an_application_to_review():
    _seed()
    with scopes_disabled():
        statuses = sorted(Application.objects.values_list("status", flat=True))
        audit = Application.objects.get(status=ApplicationStatus.AUDIT)
        scores = Score.objects.filter(application=audit).count()
    assert statuses == [ApplicationStatus.AUDIT, ApplicationStatus.SUBMITTED]
    assert scores == audit.scheme.assessment_criteria.count() > 0
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    assert [a.application_id for a in audits_for_auditor(auditor)] == [audit.pk]


def test_demo_certification_is_idempotent():
    _seed()
    with scopes_disabled():
        before = Application.objects.count(), Score.objects.count()
    _seed()
    with scopes_disabled():
        assert (Application.objects.count(), Score.objects.count()) == before
