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
from .selectors.agreements import agreement_accepted_by, agreement_draft_open, agreement_in_force
from .selectors.applications import has_valid_organizational_certification
from .services import agreements, applications, auditors, audits, certificates, self_assessment

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
            # Evidence required (clarifications): the demo gives a reason instead of files.
            no_evidence_reason="Demo: shown to the auditors on site."
            if criterion.evidence_required
            else "",
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
            without_evidence=True,  # evidence required (clarifications): seen on site
        )
    _plan_sent(application, actors)  # a case of an earlier demo may lack it
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
    S.SUBMITTED: lambda a, x: _accept(a, x),
    S.ACCEPTED: lambda a, x: auditors.auditor_assign(
        application=a, auditor=x.auditor.auditor, role="lead", by=x.office
    ),
    S.AUDITOR_ASSIGNED: lambda a, x: _plan_then_answer(a, x),
    S.SELF_ASSESSMENT: _answer_everything,
    S.AUDIT: _score_everything,
    S.REPORT_SUBMITTED: _decide,
}


# --- Audit plans (plans) ------------------------------------------------------------------------


def _plan_sent(application: Application, actors: Actors) -> None:
    """The lead auditor sends the audit plan as prefilled, unless one is in force."""
    from .selectors.plans import draft_plan_of, plan_of
    from .services import plans

    if plan_of(application) is not None:
        return
    draft = draft_plan_of(application) or plans.plan_draft(
        application=application, by=actors.auditor
    )
    later = plans.previous_versions_exist(draft)
    plans.plan_send(
        plan=draft,
        by=actors.auditor,
        change_note="Demo: the plan sent again." if later else "",
    )


def _plan_then_answer(application: Application, actors: Actors) -> None:
    _plan_sent(application, actors)
    _answer_everything(application, actors)


# --- The certification agreement (agreements) -----------------------------------------------

DEMO_AGREEMENT_TITLE = "CPO certification agreement (demo)"
DEMO_AGREEMENT_TEXT = """DEMO TEXT: written for the CPO Portal demo in our own words to show how a
certification agreement is published and accepted. It is illustrative only and not a legal
agreement of any certification body.

1. Parties and subject
This agreement is made between the CPO certification body (the "certification body") and
the organization accepting it (the "client"). It governs the certification of the client
against the Code of PLM Openness (CPO): the organizational certificate and, building on it,
product certificates.

2. Conditions of certification
2.1 The certification body evaluates the client against the assessment scheme of the
catalogue version in force when the application is accepted.
2.2 A certificate is granted only when the pass rule of the scheme is met. The decision is
taken by a certifier of the certification body who did not take part in the audit.
2.3 A product certificate requires a valid organizational certificate of the same client.

3. Obligations of the client
3.1 The client gives the auditors access to the people, documents, records and systems the
evaluation needs, on site or remotely, and answers within the due dates set.
3.2 The client keeps the evidence it submits true and complete and tells the certification
body without delay of changes that may affect its certification (ownership, organization,
scope, products, the interfaces concerned).
3.3 The client answers every nonconformity with a correction, its root cause and a
corrective action, and implements them.
3.4 The client keeps a record of complaints about the openness it has certified and of what
it did about them, and shows it to the auditors on request.

4. Use of the seal and the certificate
4.1 The client uses the CPO seal and refers to its certificate only for the scope
certified and only while the certificate is valid.
4.2 The client does not use the seal or the certificate in a way that suggests a product,
service or unit outside the scope is certified, or that could bring the certification body
into disrepute.
4.3 On suspension the client stops using the seal until the certificate is reinstated; on
withdrawal or expiry it stops using the seal and every reference to the certificate.
4.4 The status of every certificate is public at /verify/<number>/.

5. Surveillance
5.1 While the certificate is valid, the certification body carries out surveillance audits
at the intervals of the scheme and may carry out short-notice audits after a complaint or a
significant change.
5.2 Recertification before expiry follows the same procedure as the initial certification.

6. Suspension and withdrawal
6.1 The certification body may suspend the certificate when the client no longer meets the
requirements, does not allow a surveillance audit, misuses the seal or does not pay the
fees due. The suspension states the reason and what the client must do, and by when.
6.2 If the reason is not remedied in time, or in serious cases at once, the certification
body withdraws the certificate. The client may ask for the scope to be reduced instead.
6.3 Suspensions and withdrawals are shown in the public seal registry.

7. Changes to the requirements and to this agreement
The certification body tells the client of changes to the scheme or to this agreement and
of the time given to adapt. A new version of this agreement applies once the client has
accepted it; the client accepts it within the period the certification body sets.

8. Confidentiality and impartiality
The certification body keeps the client's information confidential, except what is public
by this agreement (the certificate and its status) or required by law or accreditation. It
manages risks to its impartiality; an auditor with a conflict of interest does not audit
the client, and the client may object to an auditor with a reason.

9. Complaints and appeals
The client may complain about the certification body's work and appeal against its
decisions; they are handled by persons who took no part in the matter.

10. Fees
The client pays the fees of the certification body's price list in force when the
application is accepted: application, audit days, certificate and surveillance. Travel
costs of on-site audits are invoiced at cost.

11. Term and termination
This agreement runs while the client holds an application or a certificate. Either party
may end it with three months' notice; the certificates then end with it."""


def _publish_agreement(ctx: Any) -> None:
    """Version 1 of the certification agreement, published by the office (once)."""
    if agreement_in_force() is not None:
        return
    draft = agreement_draft_open() or agreements.agreement_draft(
        by=ctx.office, title=DEMO_AGREEMENT_TITLE, text=DEMO_AGREEMENT_TEXT
    )
    agreements.agreement_publish(agreement=draft, by=ctx.office)


def _accept(application: Application, actors: Actors) -> None:
    """The company accepts the agreement in force, then the office accepts the application."""
    organization = application.organization
    if agreement_accepted_by(organization) is None:
        agreements.agreement_accept(
            organization=organization,
            by=actors.owner,
            signatory_name=actors.owner.full_name or "Demo Owner",
            signatory_position="Managing Director",
            authority_confirmed=True,
        )
    applications.application_accept(application=application, by=actors.office)


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
    today = timezone.localdate()
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


# --- Auditor competence (auditors) ---------------------------------------------------------
DEMO_TRAINING = "CPO auditor training (prostep ivip, 2024); ISO/IEC 17065 and 17021-1 courses."
DEMO_EXPERIENCE = "Twelve years of PLM and ERP integration projects; eight audits led."


def _qualify_demo_auditor(ctx: Any) -> None:
    """The demo auditor applies for both schemes and the office approves them for three
    years; a scheme already approved (also by an earlier version of the demo) is kept."""
    from .models import QualificationStatus
    from .services.certificates import add_months

    auditor = ctx.auditor.auditor
    today = timezone.localdate()
    for kind in SchemeKind.values:
        rows = AuditorQualification.objects.filter(auditor=auditor, scheme_kind=kind)
        if rows.filter(status=QualificationStatus.APPROVED).exists():
            continue
        applied = rows.filter(status=QualificationStatus.APPLIED).first()
        if applied is None:
            applied = auditors.qualification_apply(
                auditor=auditor,
                scheme_kind=kind,
                training=DEMO_TRAINING,
                experience=DEMO_EXPERIENCE,
                by=ctx.auditor,
            )
        auditors.qualification_approve(
            qualification=applied,
            valid_from=today,
            valid_until=add_months(today, 36),
            by=ctx.office,
        )


# --- Complaints and appeals (complaints, appeals) ------------------------------------------
DEMO_COMPLAINT = (
    "A reseller shows the CPO seal next to a PLM add-on of the certified vendor that, as far "
    "as I can see, holds no product certificate."
)
DEMO_APPEAL = (
    "The interface documentation was brought up to date before the suspension; the evidence "
    "was sent to the lead auditor and not considered."
)


def _complaint_and_appeal(ctx: Any) -> None:
    """A visitor's complaint about seal misuse waits for the office; the service provider
    appeals the suspension of its certificate (an impartial certifier is still to be named).
    Each is made once."""
    from .models import Appeal, Complaint, ComplaintSubject
    from .selectors.appeals import appealable_items
    from .services import appeals, complaints
    from .services.certificates import certification_policy

    with scopes_disabled():
        vendor = Certificate.objects.filter(
            organization=ctx.organizations[SigneeGroup.IT_VENDOR][0], kind=SchemeKind.PRODUCT
        ).first()
        if vendor is not None and not Complaint.objects.filter(description=DEMO_COMPLAINT).exists():
            complaints.complaint_submit(
                subject=ComplaintSubject.SEAL_MISUSE,
                description=DEMO_COMPLAINT,
                name="Vera Visitor",
                email="vera@buyer.example",
                subject_detail="https://reseller.example/plexa-addon",
                certificate=vendor,
                language="en",
            )
        organization, owner_email = ctx.organizations[SigneeGroup.IT_SERVICE_PROVIDER]
        if Appeal.objects.filter(organization=organization).exists():
            return
        items = appealable_items(organization, appeal_days=certification_policy().appeal_days)
    suspension = next((i for i in items if i.subject == "suspension"), None)
    if suspension is not None:
        appeals.appeal_file(
            organization=organization,
            item=suspension.key,
            grounds=DEMO_APPEAL,
            by=get_user_model().objects.get(email=owner_email),
        )


def seed(ctx: Any) -> None:
    _publish_agreement(ctx)
    _qualify_demo_auditor(ctx)
    for case in CASES:
        _run(case, ctx)
    _complaint_and_appeal(ctx)
    with scopes_disabled():
        issued = list(Certificate.objects.order_by("number"))
    held = ", ".join(f"{c.number} ({c.get_status_display()})" for c in issued)
    live = sum(c.status in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED) for c in issued)
    print(
        f"Certification: {live} live certificates ({held}); one audit open for scoring, "
        "one application awaiting review; a complaint and an appeal waiting for the office."
    )
