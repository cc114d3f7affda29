"""Demo certification cases, each taken through the real services up to the state it shows:
the IT vendor holds an organizational and a product certificate, the service provider's
organizational certificate is suspended, one product audit is open for the auditor's scoring
and one product application waits for the office's review.

Every case is found again by company, kind and product on the next run and only moved on
if it has not reached its state yet, so a second run changes nothing, and demo data from an
earlier version of this module is completed rather than duplicated.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scopes_disabled

from criteria.models import AssessmentCriterion, SchemeKind
from signees.models import SigneeGroup

from .models import (
    Application,
    ApplicationStatus,
    AuditorQualification,
    Certificate,
    CertificateStatus,
    Rating,
    Score,
    SelfStatus,
)
from .selectors.applications import has_valid_organizational_certification
from .services import applications, auditors, audits, certificates, self_assessment

S = ApplicationStatus
# The way a demo case travels; a case a demo user moved elsewhere (returned, withdrawn,
# corrective actions) is left where it is.
PATH = [
    S.DRAFT,
    S.SUBMITTED,
    S.ACCEPTED,
    S.AUDITOR_ASSIGNED,
    S.SELF_ASSESSMENT,
    S.AUDIT,
    S.REPORT_SUBMITTED,
    S.DECIDED,
]
SUSPENSION_REASON = (
    "The surveillance audit found that the interface documentation is no longer maintained; "
    "suspended until the corrective actions are verified."
)


@dataclass(frozen=True)
class Case:
    group: str
    kind: str
    target: str
    scope_description: str
    product_name: str = ""
    product_version: str = ""
    product_description: str = ""
    suspend: bool = False


CASES = [
    Case(
        SigneeGroup.IT_VENDOR,
        SchemeKind.ORGANIZATIONAL,
        S.DECIDED,
        "All PLM product development and customer integration units.",
    ),
    Case(
        SigneeGroup.IT_VENDOR,
        SchemeKind.PRODUCT,
        S.DECIDED,
        "The PLM server with its REST API and the extension SDK.",
        product_name="Plexa PLM",
        product_version="2026.1",
        product_description="Product data management and change processes for engineering.",
    ),
    Case(
        SigneeGroup.IT_SERVICE_PROVIDER,
        SchemeKind.ORGANIZATIONAL,
        S.DECIDED,
        "Integration services for PLM and ERP.",
        suspend=True,
    ),
    Case(
        SigneeGroup.IT_VENDOR,
        SchemeKind.PRODUCT,
        S.AUDIT,
        "The integration platform and its published connectors.",
        product_name="Plexa Connect",
        product_version="3.2",
    ),
    Case(
        SigneeGroup.IT_VENDOR,
        SchemeKind.PRODUCT,
        S.SUBMITTED,
        "The 3D viewer and its embedding API.",
        product_name="Plexa Viewer",
        product_version="1.4",
    ),
]


@dataclass(frozen=True)
class Actors:
    owner: Any
    office: Any
    auditor: Any


def _fresh(application: Application) -> Application:
    with scopes_disabled():
        return Application.objects.get(pk=application.pk)


def _answer_everything(application: Application, actors: Actors) -> None:
    criteria = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
        "area__position", "position"
    )
    for index, criterion in enumerate(criteria):
        status = SelfStatus.PARTIALLY if index % 7 == 3 else SelfStatus.IMPLEMENTED
        self_assessment.self_assessment_answer(
            application=application,
            criterion_id=criterion.pk,
            status=status,
            explanation=f"Demo answer: how {application.organization} meets {criterion.code}.",
            by=actors.owner,
        )
    self_assessment.self_assessment_submit(application=application, by=actors.owner)


def _score_everything(application: Application, actors: Actors) -> None:
    with scopes_disabled():
        scores = list(Score.objects.filter(application=application).order_by("pk"))
    for score in scores:
        audits.score_save(
            application_id=application.pk,
            criterion_id=score.criterion_id,
            rating=Rating.FULFILLED,
            rationale="Demo score: seen in the evidence and in the interviews.",
            expected_version=score.version,
            by=actors.auditor,
        )
    audits.report_submit(
        application=application,
        recommendation="grant",
        summary="Demo report: every criterion is fulfilled.",
        by=actors.auditor,
    )


def _decide(application: Application, actors: Actors) -> None:
    # Four eyes: the office decides, the auditor who scored does not.
    applications.application_decide(
        application=application,
        decision="grant",
        rationale="Demo decision: the audit report shows the scheme is met.",
        by=actors.office,
    )


STEPS: dict[str, Callable[[Application, Actors], Any]] = {
    S.DRAFT: lambda a, x: applications.application_submit(application=a, by=x.owner),
    S.SUBMITTED: lambda a, x: applications.application_accept(application=a, by=x.office),
    S.ACCEPTED: lambda a, x: auditors.auditor_assign(
        application=a, auditor=x.auditor.auditor, role="lead", by=x.office
    ),
    S.AUDITOR_ASSIGNED: _answer_everything,
    S.SELF_ASSESSMENT: _answer_everything,
    S.AUDIT: _score_everything,
    S.REPORT_SUBMITTED: _decide,
}


def _advance(application: Application, target: str, actors: Actors) -> Application:
    while application.status in PATH and PATH.index(S(application.status)) < PATH.index(S(target)):
        before = application.status
        STEPS[before](application, actors)
        application = _fresh(application)
        if application.status == before:  # a step that moves nothing would loop forever
            raise RuntimeError(f"Demo application {application.pk} did not leave {before}.")
    return application


def _application(case: Case, organization: Any, actors: Actors) -> Application | None:
    with scopes_disabled():
        application = (
            Application.objects.filter(
                organization=organization, kind=case.kind, product_name=case.product_name
            )
            .order_by("-pk")
            .first()
        )
    if application is not None:
        return application
    if case.kind == SchemeKind.PRODUCT and not has_valid_organizational_certification(organization):
        return None  # a demo user changed the organizational certificate: nothing to build on
    today = timezone.now().date()
    return applications.application_create(
        organization=organization,
        kind=case.kind,
        by=actors.owner,
        scope_description=case.scope_description,
        product_name=case.product_name,
        product_version=case.product_version,
        product_description=case.product_description,
        window_start=today + timedelta(days=30),
        window_end=today + timedelta(days=60),
    )


def _run(case: Case, ctx: Any) -> None:
    organization, owner_email = ctx.organizations[case.group]
    actors = Actors(
        owner=get_user_model().objects.get(email=owner_email),
        office=ctx.office,
        auditor=ctx.auditor,
    )
    application = _application(case, organization, actors)
    if application is None:
        return
    decided_before = application.status == S.DECIDED
    application = _advance(application, case.target, actors)
    if case.suspend and not decided_before and application.status == S.DECIDED:
        with scopes_disabled():
            certificate = Certificate.objects.get(application=application)
        certificates.certificate_suspend(
            certificate=certificate, reason=SUSPENSION_REASON, by=ctx.office
        )


def seed(ctx: Any) -> None:
    for kind in SchemeKind.values:
        AuditorQualification.objects.get_or_create(auditor=ctx.auditor.auditor, scheme_kind=kind)
    for case in CASES:
        _run(case, ctx)
    with scopes_disabled():
        issued = list(Certificate.objects.order_by("number"))
    held = ", ".join(f"{c.number} ({c.get_status_display()})" for c in issued)
    live = sum(c.status in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED) for c in issued)
    print(
        f"Certification: {live} live certificates ({held}); one audit open for scoring, "
        "one application awaiting review."
    )
