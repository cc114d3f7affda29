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
    AuditorFactory(user=auditor_user, qualified=True)             # both schemes

The application is assessed against the scheme of the catalogue version in force: import
one first (the root `catalogue` fixture). Every timestamp is timezone.now() (time_machine
moves it), the one instant of the whole path.
"""

from typing import Any

import factory
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from certification.models import (
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
    Rating,
    Recommendation,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
    SelfStatus,
)
from certification.selectors.audits import AUDIT_REPORT_KIND
from certification.selectors.seal import CERTIFICATE_DOCUMENT_KIND
from certification.services.certificates import add_months, next_number
from cpo_portal.accounts.models import Auditor
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.models import Membership, Role
from criteria.models import AssessmentCriterion, AssessmentScheme, SchemeKind
from criteria.selectors.catalogue import current_published_version
from criteria.selectors.schemes import scheme_of_version
from signees.selectors.signing import signee_of_organization
from tests.factories import OrganizationFactory, UserFactory

from .helpers import WINDOW

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


class AuditorFactory(factory.django.DjangoModelFactory):
    """An auditor as auditor_create leaves it (or the user's existing profile), qualified as
    `qualified` says, True for every scheme or a list of scheme kinds, as
    auditor_qualifications_set leaves it (one qualification row per kind, without end)."""

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
            AuditorQualification.objects.filter(auditor=auditor).values_list(
                "scheme_kind", flat=True
            )
        )
        AuditorQualification.objects.bulk_create(
            AuditorQualification(auditor=auditor, scheme_kind=kind)
            for kind in sorted(set(kinds) - current)
        )


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application as the services leave it at one stage of its state machine.

    Traits (each the path before it, then one step; `advance` takes the steps):
    - draft: application_create by `created_by` (the organization's owner by default).
    - submitted: application_submit by `created_by`.
    - accepted: application_accept by `office`.
    - assigned: auditor_assign of `lead` (an Auditor; a new qualified one if not given) as
      lead auditor, by `office`.
    - in_audit: every criterion answered "implemented" by `created_by` (as answer_all), then
      self_assessment_submit by them: the audit is open, one empty score row per criterion.
    - reported: every criterion scored "fulfilled" by the lead (as score_all), then
      report_submit recommending grant (`summary`), with the report's pending document row.
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

    @classmethod
    def _create(cls, model_class: type[Application], *args: Any, **kwargs: Any) -> Application:
        to, office, lead = kwargs.pop("status"), kwargs.pop("office"), kwargs.pop("lead")
        summary = kwargs.pop("summary")
        with scope(organization=kwargs["organization"]):
            application = model_class.objects.create(*args, **kwargs)
        return advance(application, to=to, office=office, lead=lead, summary=summary)


def advance(
    application: Application,
    *,
    to: str,
    office: Any = None,
    lead: Any = None,
    summary: str = SUMMARY,
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
        _walk(application, to=to, office=office, auditor=auditor, summary=summary)
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


def _nothing(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    return {}


def _criteria(application: Application) -> list[AssessmentCriterion]:
    return list(
        AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
            "area__position", "position"
        )
    )


def _submit(application: Application, people: dict[str, Any]) -> dict[str, Any]:
    return {"submitted_at": timezone.now()}


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
    scores = list(Score.objects.filter(application=application).order_by("pk"))
    for score in scores:
        score.rating, score.rationale, score.version = Rating.FULFILLED, RATIONALE, 1
        score.updated_by, score.updated_at = auditor, now
    Score.objects.bulk_update(
        scores, ["rating", "rationale", "version", "updated_by", "updated_at"]
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
        with scope(organization=organization):
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
            today = timezone.now().date()
            scheme = application.scheme
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
