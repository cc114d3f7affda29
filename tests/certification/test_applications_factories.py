"""ApplicationFactory writes what the application services write: each trait against them.

At one frozen instant the stage fixtures take Alpha's application through the services
(`through_services`), its rows are read and deleted, and the factory builds it again; every
column of the application, its events, its assignments, answers, scores, score history and
report document must match (ids aside). The stage by stage path the fixtures take without
the marker (`advance`) must build the same as the trait at once. The activity log and the
mails are the services' alone: a test that reads them goes through the services.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db.models import Q
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    ApplicationEvent,
    AuditorAssignment,
    Certificate,
    CertificateEvent,
    CertificateSequence,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from certification.selectors.audits import AUDIT_REPORT_KIND
from certification.selectors.seal import CERTIFICATE_DOCUMENT_KIND
from cpo_portal.documents.models import Document
from signees.models import Signee
from tests.signees.factories import SigneeFactory

from .factories import STAGES, ApplicationFactory, advance
from .helpers import approve_signee

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
# Row ids and the references to the application's own rows differ between two builds.
IDS = {"id", "application_id", "certificate_id", "score_id", "owner_id"}
# Each trait (and stage fixture) and the status it reaches.
STATUS = {
    "draft": "draft",
    "submitted": "submitted",
    "accepted": "accepted",
    "assigned": "auditor_assigned",
    "in_audit": "audit",
    "reported": "report_submitted",
}
TRAITS = list(STATUS)


def columns(row, *, pk=None):
    values = {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }
    if pk is not None and "title" in values:
        # The report's title names the application: the one id a row's text carries.
        values["title"] = values["title"].replace(f"#{pk}", "#<pk>")
    return values


def state(organization, kind="organizational"):
    """Every column the portal could read of the organization's case of `kind`, ids aside."""
    with scopes_disabled():
        application = Application.objects.get(organization=organization, kind=kind)
        of_it = {"application": application}
        certificates = Certificate.objects.filter(application=application)
        return {
            "application": columns(application),
            "events": [columns(e) for e in ApplicationEvent.objects.filter(**of_it).order_by("pk")],
            "assignments": [
                columns(a) for a in AuditorAssignment.objects.filter(**of_it).order_by("pk")
            ],
            "answers": [
                columns(a)
                for a in SelfAssessmentAnswer.objects.filter(**of_it).order_by("criterion_id")
            ],
            "scores": [columns(s) for s in Score.objects.filter(**of_it).order_by("criterion_id")],
            "changes": [
                columns(c)
                for c in ScoreChange.objects.filter(score__application=application).order_by(
                    "score__criterion_id", "version"
                )
            ],
            "certificates": [columns(c) for c in certificates],
            "certificate_events": [
                columns(e)
                for e in CertificateEvent.objects.filter(certificate__in=certificates).order_by(
                    "pk"
                )
            ],
            "sequences": [
                columns(s) for s in CertificateSequence.objects.filter(kind=kind).order_by("year")
            ],
            "documents": [
                columns(d, pk=application.pk) for d in documents(application).order_by("pk")
            ],
        }


def documents(application):
    """The report's and the certificate's document rows of the case."""
    certificates = Certificate.objects.filter(application=application).values_list("pk", flat=True)
    return Document.objects.filter(
        Q(kind=AUDIT_REPORT_KIND, owner_id=str(application.pk))
        | Q(kind=CERTIFICATE_DOCUMENT_KIND, owner_id__in=[str(pk) for pk in certificates]),
        organization=application.organization,
    )


def forget(organization, kind="organizational"):
    """The case's rows gone, so the factory builds it anew (the certificate number too)."""
    with scopes_disabled():
        application = Application.objects.get(organization=organization, kind=kind)
        documents(application).delete()
        Certificate.objects.filter(application=application).delete()
        CertificateSequence.objects.filter(kind=kind).delete()
        application.delete()


@pytest.mark.through_services
@pytest.mark.parametrize("trait", TRAITS)
def test_each_trait_is_what_the_services_leave(
    request, alpha, alice, office_user, lead, auditor_user, trait
):
    with time_machine.travel(INSTANT, tick=False):
        request.getfixturevalue(trait)
        expected = state(alpha)
        forget(alpha)
        ApplicationFactory(organization=alpha, office=office_user, lead=lead, **{trait: True})
        built = state(alpha)

    assert built == expected
    assert built["application"]["status"] == STATUS[trait]
    assert len(built["events"]) == STAGES.index(STATUS[trait])  # one per step
    audited = trait in ("in_audit", "reported")
    assert len(built["answers"]) == len(built["scores"]) == (30 if audited else 0)
    assert len(built["changes"]) == (30 if trait == "reported" else 0)
    assert len(built["documents"]) == (trait == "reported")


@pytest.mark.parametrize("trait", TRAITS[1:])
def test_the_fixtures_stage_by_stage_build_what_the_trait_builds(
    catalogue, alpha, alice, office_user, lead, trait
):
    """Without the marker the stage fixtures advance one application a stage at a time."""
    target = STATUS[trait]
    with time_machine.travel(INSTANT, tick=False):
        application = ApplicationFactory(organization=alpha, created_by=alice)
        for stage in STAGES[1 : STAGES.index(target) + 1]:
            if stage not in STATUS.values():
                continue  # no fixture stops there
            assert advance(application, to=stage, office=office_user, lead=lead) is application
        assert application.status == target
        stepwise = state(alpha)
        forget(alpha)
        ApplicationFactory(organization=alpha, office=office_user, lead=lead, **{trait: True})
        assert state(alpha) == stepwise


def test_a_product_application_names_the_product(catalogue, alpha, office_user, lead):
    application = ApplicationFactory(
        organization=alpha, kind="product", in_audit=True, office=office_user, lead=lead
    )
    assert (application.product_name, application.product_version) == ("Alpha PLM", "7.1")
    assert application.scheme.kind == "product"
    with scopes_disabled():
        assert Score.objects.filter(application=application).count() == 30


def test_without_a_lead_a_qualified_auditor_is_assigned(catalogue, alpha, office_user):
    application = ApplicationFactory(organization=alpha, assigned=True, office=office_user)
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=application)
    assert assignment.role == "lead"
    assert list(assignment.auditor.qualifications.values_list("scheme_kind", flat=True)) == [
        "organizational"
    ]


def test_without_a_published_catalogue_the_factory_says_what_is_missing(alpha):
    with pytest.raises(LookupError, match="publish one first"):
        ApplicationFactory(organization=alpha)


# --- What certification reads of the signee and of the auditor -------------------------------


@pytest.mark.parametrize(("owner", "group"), [("alice", "it_vendor"), ("charlie", "it_customer")])
def test_an_approved_signee_factory_is_what_signing_and_approval_leave(
    request, catalogue, office_user, owner, group
):
    """The fixtures' signees: every column of the signee (certification reads its status,
    group and name) as signee_sign + signee_approve leave it."""
    organization = request.getfixturevalue("alpha" if owner == "alice" else "beta")
    user = request.getfixturevalue(owner)
    with time_machine.travel(INSTANT, tick=False):
        approve_signee(organization, user, office_user, group=group)
        with scopes_disabled():
            expected = columns(Signee.objects.get(organization=organization))
            Document.objects.filter(organization=organization).delete()
            Signee.objects.filter(organization=organization).delete()
        SigneeFactory(
            approved=True, organization=organization, group=group, reviewed_by=office_user
        )
        with scopes_disabled():
            assert columns(Signee.objects.get(organization=organization)) == expected
