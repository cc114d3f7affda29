"""factory_boy factories of the certification app: an application at a stage of its state
machine, the certificate a grant issues, a qualified auditor.

For tests that need the state only as a precondition. They write the rows the services
would leave behind on the way there (the application's fields and its ApplicationEvents,
the lead auditor's assignment, the company's answers, the score rows and their history,
the pending document rows of the report and the certificate, the certificate's number,
validity and events) without the services' checks, mails or activity log. A test of a
transition, of its activity log or of its mails goes through the services (the stage
fixtures do with `@pytest.mark.through_services`); test_*_factories.py hold each trait
against the services' result.

    ApplicationFactory(organization=alpha)                       # a draft
    ApplicationFactory(in_audit=True, organization=alpha, office=office_user, lead=lead)
    ApplicationFactory(reported=True, organization=alpha, office=office_user, lead=lead)
    CertificateFactory(application__organization=alpha, application__office=office_user,
                       application__lead=lead, issued_by=office2)  # valid, as granted
    CertificateFactory(application=reported, issued_by=office2)   # grant a reported case
    AuditorFactory(user=auditor_user, qualified=True)             # both schemes, approved
    QualificationFactory(auditor=auditor, expired=True)           # an expired qualification

The application is assessed against the scheme of the catalogue version in force: import
one first (the root `catalogue` fixture). Every timestamp is timezone.now() (time_machine
moves it), the one instant of the whole path.
"""

from datetime import timedelta
from typing import Any

import factory
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from certification.models import (
    AgreementAcceptance,
    AgreementStatus,
    AgreementVersion,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentRole,
    AssignmentStatus,
    AuditorAssignment,
    AuditorQualification,
    AuditType,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Deadline,
    DeadlineKind,
    QualificationStatus,
    Rating,
    Recommendation,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
    SelfStatus,
)
from certification.selectors.agreements import agreement_accepted_by, agreement_in_force
from certification.selectors.audits import AUDIT_REPORT_KIND
from certification.selectors.seal import CERTIFICATE_DOCUMENT_KIND
from certification.services.agreements import acceptance_text
from certification.services.certificates import add_months, certificate_content, next_number
from certification.services.deadlines import deadlines_follow_status
from cpo_portal.accounts.models import Auditor
from cpo_portal.binding_text import text_sha256
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.models import Membership, Role
from criteria.models import AssessmentCriterion, AssessmentScheme, SchemeKind
from criteria.selectors.catalogue import current_published_version
from criteria.selectors.schemes import scheme_of_version
from signees.selectors.signing import signee_of_organization
from tests.factories import OrganizationFactory, UserFactory

from .helpers import (
    EXPERIENCE,
    NO_EVIDENCE_REASON,
    TRAINING,
    WINDOW,
    qualification_validity,
)

S = ApplicationStatus

# The path the services take, one edge per action, and who takes it: the applicant (the
# company's admin who created the application), the office, the lead auditor, the decider.
PATH = (
    ("submit", S.DRAFT, S.SUBMITTED, "applicant"),
    ("accept", S.SUBMITTED, S.ACCEPTED, "office"),
    ("assign", S.ACCEPTED, S.AUDITOR_ASSIGNED, "office"),
    ("start_self_assessment", S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT, "applicant"),
    ("submit_self_assessment", S.SELF_ASSESSMENT, S.AUDIT, "applicant"),
    ("submit_report", S.AUDIT, S.REPORT_SUBMITTED, "auditor"),
    ("decide", S.REPORT_SUBMITTED, S.DECIDED, "decider"),
)
STAGES = [S.DRAFT, *(after for _action, _before, after, _who in PATH)]
# What the tests' helpers (answer_all, score_all) and fixtures write on the way.
ANSWER = "As documented in our handbook."
RATIONALE = "Seen in the evidence."
SUMMARY = "All criteria met."


def _scheme(kind: str) -> AssessmentScheme:
    version = current_published_version()
    scheme = scheme_of_version(version, kind) if version else None
    if scheme is None:
        raise LookupError(
            "ApplicationFactory assesses against the catalogue version in force: publish one "
            "first (the `catalogue` fixture)."
        )
    return scheme


def _owner(organization: Any) -> Any:
    with scope(organization=organization):
        owner = (
            Membership.objects.filter(organization=organization, role=Role.OWNER)
            .select_related("user")
            .first()
        )
    return owner.user if owner else None


def _person(user: Any) -> Any:
    # As the services record an actor: the anonymous or absent one as None.
    return user if user is not None and user.is_authenticated else None


def _pending_document(*, kind: str, owner: Any, title: str, by: Any, language: str) -> None:
    """The document row document_request writes; its rendering is queued after the commit,
    which a test transaction never reaches."""
    Document.objects.create(
        kind=kind,
        owner=owner,
        organization=owner.organization,
        title=title[:200],
        language=language,
        created_by=_person(by),
        status=DocumentStatus.PENDING,
        status_changed_at=timezone.now(),
    )


# --- Auditor competence (auditors) ---------------------------------------------------------


class AuditorFactory(factory.django.DjangoModelFactory):
    """An auditor as auditor_create leaves it (or the user's existing profile), qualified as
    `qualified` says, True for every scheme or a list of scheme kinds, as the services leave
    it when the auditor applies and an office administrator approves (helpers.qualify): one
    approved row per kind, valid from a year ago to two years ahead; kinds already approved
    are kept. Who approved is left empty (helpers.qualify's administrator is nobody's)."""

    class Meta:
        model = Auditor
        django_get_or_create = ("user",)
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation_name = ""

    @factory.post_generation
    def qualified(auditor: Auditor, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        kinds = SchemeKind.values if extracted is True else list(extracted)
        current = set(
            AuditorQualification.objects.filter(
                auditor=auditor, status=QualificationStatus.APPROVED
            ).values_list("scheme_kind", flat=True)
        )
        for kind in sorted(set(kinds) - current):
            QualificationFactory(auditor=auditor, scheme_kind=kind, approved=True)


class QualificationFactory(factory.django.DjangoModelFactory):
    """An auditor's qualification row as the services leave it: applied for with
    helpers.TRAINING and helpers.EXPERIENCE (qualification_apply) and, by trait, decided.

    Traits: approved (valid from a year ago to two years ahead), expired (approved, its
    validity ended yesterday), refused, withdrawn, revoked (approved, then revoked with a
    reason), legacy
    (approved before validity was recorded: no dates, as migration 0004 leaves it).

        QualificationFactory(auditor=auditor)                              # applied for
        QualificationFactory(auditor=auditor, approved=True, decided_by=office_user)
    """

    class Meta:
        model = AuditorQualification

    class Params:
        approved = factory.Trait(
            status=QualificationStatus.APPROVED,
            decided_at=factory.LazyFunction(timezone.now),
            valid_from=factory.LazyFunction(lambda: qualification_validity()[0]),
            valid_until=factory.LazyFunction(lambda: qualification_validity()[1]),
        )
        expired = factory.Trait(
            status=QualificationStatus.APPROVED,
            decided_at=factory.LazyFunction(timezone.now),
            valid_from=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=731)),
            valid_until=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1)),
        )
        refused = factory.Trait(
            status=QualificationStatus.REFUSED,
            decided_at=factory.LazyFunction(timezone.now),
            decision_note="Not enough audit experience yet.",
        )
        withdrawn = factory.Trait(
            status=QualificationStatus.WITHDRAWN, decided_at=factory.LazyFunction(timezone.now)
        )
        revoked = factory.Trait(
            status=QualificationStatus.REVOKED,
            decided_at=factory.LazyFunction(timezone.now),
            decision_note="Left the auditing body.",
            valid_from=factory.LazyFunction(lambda: qualification_validity()[0]),
            valid_until=factory.LazyFunction(lambda: qualification_validity()[1]),
        )
        legacy = factory.Trait(status=QualificationStatus.APPROVED, training="", experience="")

    auditor = factory.SubFactory(AuditorFactory)
    scheme_kind = SchemeKind.ORGANIZATIONAL
    status = QualificationStatus.APPLIED
    training = TRAINING
    experience = EXPERIENCE
    applied_at = factory.LazyFunction(timezone.now)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application as the services leave it at one stage of its state machine.

    Traits (each the path before it, then one step; `advance` takes the steps):
    - draft: application_create by `created_by` (the organization's owner by default).
    - submitted: application_submit by `created_by`, and the company's acceptance of the
      certification agreement in force by them (as helpers.accept_agreement: version 1
      published by AgreementVersionFactory if none is), unless `agreement=False`.
    - accepted: application_accept by `office` (the acceptance above made if missing).
    - assigned: auditor_assign of `lead` (an Auditor; a new qualified one if not given) as
      lead auditor, by `office`.
    - in_audit: every criterion answered "implemented" by `created_by` (as answer_all), then
      self_assessment_submit by them: the audit is open, one empty score row per criterion.
    - reported: every criterion scored "fulfilled" by the lead (as score_all), the audit
      plan sent by the lead unless one is in force (PlanFactory(sent=True), as
      helpers.send_plan), then report_submit recommending grant (`summary`), with the
      report's pending document row.
    A decided case is a CertificateFactory's application (the grant issues its certificate).
    """

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=S.DRAFT)
        submitted = factory.Trait(status=S.SUBMITTED)
        accepted = factory.Trait(status=S.ACCEPTED)
        assigned = factory.Trait(status=S.AUDITOR_ASSIGNED)
        in_audit = factory.Trait(status=S.AUDIT)
        reported = factory.Trait(status=S.REPORT_SUBMITTED)

    organization = factory.SubFactory(OrganizationFactory)
    kind = SchemeKind.ORGANIZATIONAL
    scheme = factory.LazyAttribute(lambda o: _scheme(o.kind))
    scope_description = "Whole company, PLM business unit"
    window_start = WINDOW["window_start"]
    window_end = WINDOW["window_end"]
    product_name = factory.LazyAttribute(
        lambda o: "Alpha PLM" if o.kind == SchemeKind.PRODUCT else ""
    )
    product_version = factory.LazyAttribute(lambda o: "7.1" if o.kind == SchemeKind.PRODUCT else "")
    created_by = factory.LazyAttribute(lambda o: _owner(o.organization))
    # The stage to reach (set by the traits), and who takes the steps besides the applicant
    # (popped in _create: no fields of the draft).
    status = S.DRAFT
    office = None
    lead = None
    summary = SUMMARY  # the report's
    agreement = True  # the company accepts the certification agreement (agreements)

    @classmethod
    def _create(cls, model_class: type[Application], *args: Any, **kwargs: Any) -> Application:
        to, office, lead = kwargs.pop("status"), kwargs.pop("office"), kwargs.pop("lead")
        summary, agreement = kwargs.pop("summary"), kwargs.pop("agreement")
        with scope(organization=kwargs["organization"]):
            application = model_class.objects.create(*args, **kwargs)
        return advance(
            application, to=to, office=office, lead=lead, summary=summary, agreement=agreement
        )


def advance(
    application: Application,
    *,
    to: str,
    office: Any = None,
    lead: Any = None,
    summary: str = SUMMARY,
    agreement: bool = True,
) -> Application:
    """Take a draft (or an application this function advanced) on to stage `to`, writing
    what the services write on the way: the application's fields and events, and the rows
    of each step. `office` accepts and assigns; `lead` (an Auditor; a new qualified one if
    not given) is assigned, scores and reports (grant, `summary`); the applicant is
    `created_by`. The instance
    is changed in place, as the stage fixtures hand one application along."""
    if to == S.DECIDED:
        raise ValueError("A grant decides: use CertificateFactory(application=...).")
    with scope(organization=application.organization):
        if lead is None and STAGES.index(to) >= STAGES.index(S.AUDITOR_ASSIGNED):
            lead = _lead_of(application) or AuditorFactory(qualified=[application.kind])
        auditor = lead.user if lead else None
        _walk(
            application,
            to=to,
            office=office,
            auditor=auditor,
            summary=summary,
            agreement=agreement,
        )
        application.refresh_from_db()
    return application


def _lead_of(application: Application) -> Any:
    assignment = (
        AuditorAssignment.objects.filter(application=application, role=AssignmentRole.LEAD)
        .select_related("auditor__user")
        .first()
    )
    return assignment.auditor if assignment else None


def _walk(application: Application, *, to: str, **people: Any) -> None:
    """The steps from the application's status on to `to`: each step's rows, its fields on
    the application, its event. `people`: the office, the auditor (a user) and the decider,
    with what they write (the report's summary, the decision's rationale); the applicant is
    `created_by`."""
    people["applicant"] = application.created_by
    for action, before, after, who in PATH:
        if STAGES.index(before) < STAGES.index(application.status):
            continue
        if STAGES.index(after) > STAGES.index(to):
            break
        fields = _STEPS.get(action, _nothing)(application, people)
        for name, value in {"status": after, "status_reason": "", **fields}.items():
            setattr(application, name, value)
        application.save(update_fields=["status", "status_reason", "updated_at", *fields])
        ApplicationEvent.objects.create(
            application=application,
            action=action,
            status_before=before,
            status_after=after,
            reason="",
            by=_person(people.get(who)),
        )
        # Deadlines: the step the case now waits for is due, as application_transition does.
        deadlines_follow_status(application)


def _nothing(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    return {}


def _criteria(application: Application) -> list[AssessmentCriterion]:
    return list(
        AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
            "area__position", "position"
        )
    )


def _submit(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    _accept_agreement(application, people)
    return {"submitted_at": timezone.now()}


def _accept(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    _accept_agreement(application, people)
    return {}


def _accept_agreement(application: Application, people: dict[str, Any]) -> None:
    """The company accepts the certification agreement in force (agreements), once."""
    if not people.get("agreement", True):
        return
    organization = application.organization
    agreement = agreement_in_force() or AgreementVersionFactory(published=True)
    if agreement_accepted_by(organization, agreement) is None:
        AgreementAcceptanceFactory(
            organization=organization,
            agreement=agreement,
            accepted_by=people["applicant"] or _owner(organization),
        )


def _assign(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    AuditorAssignment.objects.create(
        application=application,
        auditor=people["auditor"].auditor,
        role=AssignmentRole.LEAD,
        assigned_by=_person(people["office"]),
    )
    return {}


def _answer_all(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    SelfAssessmentAnswer.objects.bulk_create(
        SelfAssessmentAnswer(
            application=application,
            criterion=criterion,
            status=SelfStatus.IMPLEMENTED,
            explanation=ANSWER,
            # Evidence required (clarifications): answer_all's reason where the page asks it.
            no_evidence_reason=NO_EVIDENCE_REASON if criterion.evidence_required else "",
            version=1,
            updated_by=people["applicant"],
        )
        for criterion in _criteria(application)
    )
    return {}


def _open_scores(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    Score.objects.bulk_create(
        Score(application=application, criterion=criterion) for criterion in _criteria(application)
    )
    return {}


def _score_all_and_report(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    auditor, now = people["auditor"], timezone.now()
    _plan_sent(application, auditor)  # the report waits for a plan sent (plans)
    scores = list(
        Score.objects.filter(application=application).select_related("criterion").order_by("pk")
    )
    for score in scores:
        score.rating, score.rationale, score.version = Rating.FULFILLED, RATIONALE, 1
        score.updated_by, score.updated_at = auditor, now
        # Evidence required (clarifications): no evidence here, so score_all confirms.
        score.without_evidence = score.criterion.evidence_required
    Score.objects.bulk_update(
        scores, ["rating", "rationale", "without_evidence", "version", "updated_by", "updated_at"]
    )
    ScoreChange.objects.bulk_create(
        ScoreChange(
            score=score,
            version=score.version,
            rating=score.rating,
            rationale=score.rationale,
            by=auditor,
            at=now,
        )
        for score in scores
    )
    _pending_document(
        kind=AUDIT_REPORT_KIND,
        owner=application,
        title=_("Audit report for application #%(pk)s") % {"pk": application.pk},
        by=auditor,
        language=translation.get_language() or "en",
    )
    return {
        "recommendation": Recommendation.GRANT,
        "report_summary": people["summary"],
        "report_submitted_at": now,
        "report_submitted_by": auditor,
    }


def _grant(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    # The decided case: its auditors no longer see it.
    AuditorAssignment.objects.filter(
        application=application, status=AssignmentStatus.ACTIVE
    ).update(status=AssignmentStatus.ENDED, ended_at=timezone.now())
    return {
        "decision": Recommendation.GRANT,
        "decision_rationale": people["rationale"],
        "decided_at": timezone.now(),
        "decided_by": people["decider"],
    }


# What each step writes besides its event (the first answer opens the self-assessment;
# all of them are saved before it is submitted) and the fields it sets.
_STEPS = {
    "submit": _submit,
    "accept": _accept,
    "assign": _assign,
    "start_self_assessment": _answer_all,
    "submit_self_assessment": _open_scores,
    "submit_report": _score_all_and_report,
    "decide": _grant,
}


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate as a grant leaves it: application_decide granting its reported
    application (by `issued_by`, for `rationale`), then certificate_issue: the next number
    of its type and year, validity and surveillance from the scheme, the "issued" event,
    the PDF's pending document row. An initial certification (a recertification goes
    through the services).

        CertificateFactory(application__organization=alpha, application__office=office_user,
                           application__lead=lead, issued_by=office2)
        CertificateFactory(application=reported, issued_by=office2)

    Traits:
    - valid: as issued (the default).
    - suspended: then certificate_suspend by `issued_by`, for `status_reason` (no product
      certificate of the holder is flagged: build those after, or suspend via the service).
    """

    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    class Params:
        valid = factory.Trait(status=CertificateStatus.ACTIVE, status_reason="")
        suspended = factory.Trait(
            status=CertificateStatus.SUSPENDED, status_reason="Suspended for the test."
        )

    application = factory.SubFactory(ApplicationFactory, reported=True)
    status = CertificateStatus.ACTIVE
    status_reason = ""
    issued_by = None
    # The decision's rationale (popped in _create: a field of the application).
    rationale = SUMMARY

    @classmethod
    def _create(cls, model_class: type[Certificate], *args: Any, **kwargs: Any) -> Certificate:
        application, by = kwargs.pop("application"), kwargs.pop("issued_by")
        status, reason = kwargs.pop("status"), kwargs.pop("status_reason")
        rationale = kwargs.pop("rationale")
        if application.status != S.REPORT_SUBMITTED or application.audit_type != AuditType.INITIAL:
            raise ValueError("CertificateFactory grants a reported initial application.")
        organization = application.organization
        # Atomic like the grant: the number is drawn under a row lock (PostgreSQL needs the
        # transaction also in tests that commit).
        with transaction.atomic(), scope(organization=organization):
            lead = _lead_of(application)
            _walk(
                application,
                to=S.DECIDED,
                auditor=lead.user if lead else None,
                decider=by,
                rationale=rationale,
            )
            application.refresh_from_db()
            signee = signee_of_organization(organization)
            today = timezone.localdate()
            scheme = application.scheme
            # Certificate content (issue 16): the body, the organizational basis, as issued.
            issuer, organizational = certificate_content(application)
            certificate = model_class.objects.create(
                number=next_number(application.kind, today.year),
                kind=application.kind,
                organization=organization,
                holder_name=organization.legal_name,
                holder_country=str(organization.country),
                holder_group=signee.group if signee else "",
                application=application,
                scheme=scheme,
                catalogue_version_id=scheme.version_id,
                scope_description=application.scope_description,
                scope_description_de=application.scope_description_de,
                organizational_certificate=organizational,
                issuer=issuer,
                product_name=application.product_name,
                product_version=application.product_version,
                issued_on=today,
                valid_until=add_months(today, scheme.validity_months),
                next_surveillance_due=add_months(today, scheme.surveillance_months)
                if scheme.surveillance_months
                else None,
                status=status,
                status_reason=reason,
                status_changed_at=timezone.now(),
                issued_by=by,
            )
            _certificate_event(certificate, "issued", "", CertificateStatus.ACTIVE, by, "")
            _pending_document(
                kind=CERTIFICATE_DOCUMENT_KIND,
                owner=certificate,
                title=_("Certificate %(number)s") % {"number": certificate.number},
                by=by,
                language="en",
            )
            if status == CertificateStatus.SUSPENDED:
                _certificate_event(
                    certificate, "suspend", CertificateStatus.ACTIVE, status, by, reason
                )
        return certificate


def _certificate_event(
    certificate: Certificate, action: str, before: str, after: str, by: Any, reason: str
) -> None:
    CertificateEvent.objects.create(
        certificate=certificate,
        action=action,
        status_before=before,
        status_after=after,
        reason=reason,
        by=_person(by),
        at=timezone.now(),
    )


# --- The certification agreement (agreements) --------------------------------------------------

AGREEMENT_TITLE = "CPO certification agreement"
AGREEMENT_TEXT = """1. Conditions of certification
The certification body certifies against the published scheme in force.

2. Obligations of the client
The client gives the auditors access to the information the evaluation needs.

3. Use of the seal and the certificate
The client uses the seal only for the scope and while the certificate is valid.

4. Surveillance
The certification body checks during the validity that the requirements are still met.

5. Suspension and withdrawal
The certification body suspends or withdraws a certificate whose requirements are not met.

6. Fees
The client pays the fees of the price list in force."""
SIGNATORY_POSITION = "CEO"


def _next_agreement_number() -> int:
    last = AgreementVersion.objects.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


class AgreementVersionFactory(factory.django.DjangoModelFactory):
    """A version of the certification agreement as agreement_draft leaves it (a draft by
    `created_by`, numbered after the last one) or, `published=True`, as agreement_publish
    then leaves it (by `published_by`, the drafter by default, now). Without the services'
    activity log, mails and deadlines: nobody is asked to accept it.

        AgreementVersionFactory(published=True)          # version 1, in force
    """

    class Meta:
        model = AgreementVersion

    class Params:
        draft = factory.Trait(status=AgreementStatus.DRAFT)
        published = factory.Trait(
            status=AgreementStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
            published_by=factory.SelfAttribute("created_by"),
        )

    number = factory.LazyFunction(_next_agreement_number)
    title = AGREEMENT_TITLE
    text = AGREEMENT_TEXT
    changes = ""
    status = AgreementStatus.DRAFT
    created_by = None
    version = 1


def _signatory(user: Any) -> str:
    return user.public_name if user is not None else "Signatory"


class AgreementAcceptanceFactory(factory.django.DjangoModelFactory):
    """An organization's acceptance of the certification agreement in force (version 1
    published by AgreementVersionFactory if none is), as agreement_accept leaves it: by
    `accepted_by` (the organization's owner by default) as signatory under their name,
    position "CEO", the exact text and its SHA-256, now, no IP address or user agent; the
    organization's open agreement deadlines of that version and older ones closed. Without
    the services' activity log and receipt mail.

        AgreementAcceptanceFactory(organization=alpha)
    """

    class Meta:
        model = AgreementAcceptance

    organization = factory.SubFactory(OrganizationFactory)
    agreement = factory.LazyFunction(
        lambda: agreement_in_force() or AgreementVersionFactory(published=True)
    )
    accepted_by = factory.LazyAttribute(lambda o: _owner(o.organization))
    signatory_name = factory.LazyAttribute(lambda o: _signatory(o.accepted_by))
    signatory_position = SIGNATORY_POSITION
    text = factory.LazyAttribute(
        lambda o: acceptance_text(
            organization=o.organization,
            agreement=o.agreement,
            signatory_name=o.signatory_name,
            signatory_position=o.signatory_position,
        )
    )
    text_sha256 = factory.LazyAttribute(lambda o: text_sha256(o.text))
    accepted_at = factory.LazyFunction(timezone.now)
    ip_address = None
    user_agent = ""

    @classmethod
    def _create(
        cls, model_class: type[AgreementAcceptance], *args: Any, **kwargs: Any
    ) -> AgreementAcceptance:
        organization, agreement = kwargs["organization"], kwargs["agreement"]
        with scope(organization=organization):
            acceptance = model_class.objects.create(*args, **kwargs)
            Deadline.objects.filter(
                organization=organization,
                kind=DeadlineKind.AGREEMENT,
                agreement__number__lte=agreement.number,
                closed_at__isnull=True,
            ).update(closed_at=acceptance.accepted_at)
        return acceptance


# --- Audit plans (plans) -------------------------------------------------------------------------


def _plan_sent(application: Application, by: Any) -> None:
    """The plan the report needs, sent by the lead auditor, unless one is in force."""
    from certification.models import AuditPlan, PlanStatus

    if not AuditPlan.objects.filter(
        application=application, status__in=(PlanStatus.SENT, PlanStatus.CONFIRMED)
    ).exists():
        PlanFactory(application=application, sent=True, created_by=by)


def _first_plan_values(application: Application) -> dict[str, Any]:
    """The first draft as plan_draft prefills it: the audit window's first days (as many as
    the rule's person-days, rounded up), remote, one site, the rule's duration."""
    import math
    from datetime import timedelta
    from decimal import Decimal

    from criteria.models import SubjectArea

    areas = SubjectArea.objects.filter(scheme_id=application.scheme_id).count()
    base = Decimal("1.5") if application.kind == SchemeKind.ORGANIZATIONAL else Decimal("1.0")
    rule = base + Decimal("0.25") * max(areas - 4, 0)
    rule = Decimal(math.ceil(rule * 2)) / 2
    start = application.window_start
    end = min(application.window_end, start + timedelta(days=math.ceil(rule) - 1))
    return {"start_date": start, "end_date": max(end, start), "person_days": rule}


class PlanFactory(factory.django.DjangoModelFactory):
    """A version of a case's audit plan as plan_draft leaves it (the first version, by
    `created_by`: the lead auditor's user by default; a later number if the case has plans)
    and, with a trait, what the next steps leave:

    - draft: as prefilled: remote, one site, the default method, the rule's duration, the
      agenda: an opening meeting (day one, 09:00), a row per subject area of the scheme (day
      one, the lead auditor), a closing meeting (last day).
    - sent: then plan_send by `created_by`, now: the active team recorded (lead first), the
      objection deadline the policy gives, version 2 (an earlier version in force is not
      superseded: use the services for a second version).
    - confirmed: then plan_confirm by `confirmed_by` (the organization's owner by default).

        PlanFactory(application=assigned, sent=True)
    """

    class Meta:
        model = "certification.AuditPlan"
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status="draft")
        sent = factory.Trait(status="sent")
        confirmed = factory.Trait(status="confirmed")

    application = factory.SubFactory(ApplicationFactory, assigned=True)
    status = "draft"
    created_by = factory.LazyAttribute(lambda o: _lead_user(o.application))
    confirmed_by = factory.LazyAttribute(lambda o: _owner(o.application.organization))

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from datetime import time, timedelta

        from certification.models import (
            AuditPlanItem,
            CertificationPolicy,
            PlanStatus,
        )
        from certification.services.plans import default_method
        from criteria.models import SubjectArea

        application, status = kwargs.pop("application"), kwargs.pop("status")
        by, confirmer = kwargs.pop("created_by"), kwargs.pop("confirmed_by")
        values = _first_plan_values(application)
        with scope(organization=application.organization):
            number = model_class.objects.filter(application=application).count() + 1
            plan = model_class.objects.create(
                application=application,
                number=number,
                status=PlanStatus.DRAFT,
                mode="remote",
                sites="",
                site_count=1,
                method=default_method(),
                person_days_rule=values["person_days"],
                person_days_reason="",
                created_by=by,
                updated_by=by,
                **values,
                **kwargs,
            )
            lead = _lead_of(application)
            areas = list(
                SubjectArea.objects.filter(scheme_id=application.scheme_id).order_by("position")
            )
            rows = [
                AuditPlanItem(
                    plan=plan,
                    topic=_("Opening meeting"),
                    date=plan.start_date,
                    start_time=time(9),
                    position=0,
                ),
                *(
                    AuditPlanItem(
                        plan=plan,
                        area=area,
                        date=plan.start_date,
                        auditor=lead,
                        position=index,
                    )
                    for index, area in enumerate(areas, start=1)
                ),
                AuditPlanItem(
                    plan=plan,
                    topic=_("Closing meeting"),
                    date=plan.end_date,
                    position=len(areas) + 1,
                ),
            ]
            AuditPlanItem.objects.bulk_create(rows)
            if status in (PlanStatus.SENT, PlanStatus.CONFIRMED):
                days = CertificationPolicy.objects.get_or_create(pk=1)[0].objection_days
                team = sorted(
                    AuditorAssignment.objects.filter(
                        application=application, status=AssignmentStatus.ACTIVE
                    ).select_related("auditor__user"),
                    key=lambda a: (a.role != AssignmentRole.LEAD, a.assigned_at),
                )
                plan.status = PlanStatus.SENT
                plan.team = [
                    {
                        "auditor": a.auditor_id,
                        "assignment": a.pk,
                        "name": a.auditor.user.public_name,
                        "role": a.role,
                        "body": a.auditor.organisation_name,
                    }
                    for a in team
                ]
                plan.objection_deadline = timezone.localdate() + timedelta(days=days)
                plan.sent_by, plan.sent_at = by, timezone.now()
                plan.version = 2
                plan.save()
            if status == PlanStatus.CONFIRMED:
                plan.status = PlanStatus.CONFIRMED
                plan.confirmed_by, plan.confirmed_at = confirmer, timezone.now()
                plan.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
        return plan


def _lead_user(application: Application) -> Any:
    with scope(organization=application.organization):
        lead = _lead_of(application)
    return lead.user if lead else None
