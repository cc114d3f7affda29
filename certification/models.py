"""Certification, part 1: applications, auditors, self-assessment, scores, findings, decision.

One `Application` is one certification case of one organization: its audit type (initial,
surveillance, recertification), the scheme it is assessed against, the auditors assigned,
the company's self-assessment, the auditor's scores and findings, the report and the
office's decision. Its states form one explicit state machine (APPLICATION_EDGES below,
moved along only by services.applications.application_transition).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cpo_portal.states import Edges
from criteria.models import SchemeKind

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

__all__ = [
    "AgreementAcceptance",
    "AgreementStatus",
    "AgreementVersion",
    "Appeal",
    "AppealEvent",
    "AppealOutcome",
    "AppealStatus",
    "AppealSubject",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AssignmentRole",
    "AssignmentStatus",
    "AuditMode",
    "AuditPlan",
    "AuditPlanItem",
    "AuditType",
    "AuditorAssignment",
    "AuditorConflict",
    "AuditorObjection",
    "AuditorQualification",
    "Certificate",
    "CertificateEvent",
    "CertificateSequence",
    "CertificateStatus",
    "CertificationPolicy",
    "ClarificationMessage",
    "ClarificationRequest",
    "ClarificationSide",
    "ClarificationStatus",
    "Complaint",
    "ComplaintEvent",
    "ComplaintOutcome",
    "ComplaintStatus",
    "ComplaintSubject",
    "Deadline",
    "DeadlineKind",
    "DeadlineParty",
    "Evidence",
    "Finding",
    "FindingKind",
    "FindingStatus",
    "FindingStep",
    "FindingStepKind",
    "ObjectionStatus",
    "OrganizationalGrant",
    "PlanStatus",
    "QualificationStatus",
    "Rating",
    "Recommendation",
    "ReferenceSequence",
    "SchemeKind",
    "Score",
    "ScoreChange",
    "SelfAssessmentAnswer",
    "SelfStatus",
    "SurveillanceReminder",
    "WorkingPaper",
    "WorkingPaperKind",
]


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for completion")
    REJECTED = "rejected", _("Rejected")
    ACCEPTED = "accepted", _("Accepted")
    AUDITOR_ASSIGNED = "auditor_assigned", _("Auditor assigned")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    AUDIT = "audit", _("Audit")
    CORRECTIVE_ACTIONS = "corrective_actions", _("Corrective actions")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus

OPEN_STATES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.ACCEPTED,
    S.AUDITOR_ASSIGNED,
    S.SELF_ASSESSMENT,
    S.AUDIT,
    S.CORRECTIVE_ACTIONS,
    S.REPORT_SUBMITTED,
)
# States in which assigned auditors work on the case (see it, score, raise findings).
AUDITOR_STATES = (
    S.AUDITOR_ASSIGNED,
    S.SELF_ASSESSMENT,
    S.AUDIT,
    S.CORRECTIVE_ACTIONS,
    S.REPORT_SUBMITTED,
)
SCORING_STATES = (S.AUDIT, S.CORRECTIVE_ACTIONS)
SELF_ASSESSMENT_STATES = (S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT)
# Evidence can be added while the company answers and, to nonconformities, during the audit.
EVIDENCE_STATES = (*SELF_ASSESSMENT_STATES, S.AUDIT, S.CORRECTIVE_ACTIONS)
# A case that is over: its auditors keep read-only access to it (their record of work).
PAST_STATES = (S.DECIDED, S.WITHDRAWN)
# A case that no longer runs: a new one (a recertification, a surveillance audit) may start.
CLOSED_STATES = (S.DECIDED, S.WITHDRAWN, S.REJECTED)


def _edges(sources: tuple[str, ...], to: str) -> dict[str, tuple[str]]:
    return dict.fromkeys(sources, (to,))


# The application's state machine, one set of edges per action (the services' only way to
# change the status is `application_transition`, which checks them):
#
#     draft ──submit──▶ submitted ──accept──▶ accepted ──assign lead──▶ auditor_assigned
#       ▲                 │  ╲──return──▶ returned ──submit──▶ submitted
#       │                 ╰──reject──▶ rejected          (returned ──reject──▶ rejected)
#     auditor_assigned ──first answer──▶ self_assessment ──submit──▶ audit
#     auditor_assigned ──lead declines / is removed──▶ accepted
#     audit ──request corrective actions──▶ corrective_actions ──resume──▶ audit
#     audit / corrective_actions ──submit report──▶ report_submitted ──decide──▶ decided
#     report_submitted ──reopen (office)──▶ audit
#     any open state ──withdraw (company)──▶ withdrawn
APPLICATION_EDGES: dict[str, Edges] = {
    "submit": _edges((S.DRAFT, S.RETURNED), S.SUBMITTED),
    "accept": _edges((S.SUBMITTED,), S.ACCEPTED),
    "return": _edges((S.SUBMITTED,), S.RETURNED),
    "reject": _edges((S.SUBMITTED, S.RETURNED), S.REJECTED),
    "assign": _edges((S.ACCEPTED,), S.AUDITOR_ASSIGNED),
    "unassign": _edges((S.AUDITOR_ASSIGNED,), S.ACCEPTED),
    "start_self_assessment": _edges((S.AUDITOR_ASSIGNED,), S.SELF_ASSESSMENT),
    "submit_self_assessment": _edges((S.SELF_ASSESSMENT,), S.AUDIT),
    "request_corrections": _edges((S.AUDIT,), S.CORRECTIVE_ACTIONS),
    "resume_audit": _edges((S.CORRECTIVE_ACTIONS,), S.AUDIT),
    "submit_report": _edges((S.AUDIT, S.CORRECTIVE_ACTIONS), S.REPORT_SUBMITTED),
    "reopen_audit": _edges((S.REPORT_SUBMITTED,), S.AUDIT),
    "decide": _edges((S.REPORT_SUBMITTED,), S.DECIDED),
    "withdraw": _edges(OPEN_STATES, S.WITHDRAWN),
}
# The company must be told why.
APPLICATION_REASON_REQUIRED = {"return", "reject", "reopen_audit"}
# The office's review of a submitted application: the actions its record page offers.
REVIEW_ACTIONS = ("accept", "return", "reject")


class AuditType(models.TextChoices):
    INITIAL = "initial", _("Initial certification")
    SURVEILLANCE = "surveillance", _("Surveillance audit")
    RECERTIFICATION = "recertification", _("Recertification")
    # Opened outside the cycle, e.g. after a complaint about a certified client.
    SPECIAL = "special", _("Special audit")


class Recommendation(models.TextChoices):
    GRANT = "grant", _("Grant")
    DENY = "deny", _("Deny")


class Application(models.Model):
    """An organization's application for a certificate, and the audit that answers it."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="certification_applications",
        verbose_name=_("organization"),
    )
    kind = models.CharField(_("certificate"), max_length=20, choices=SchemeKind.choices)
    audit_type = models.CharField(
        _("audit type"), max_length=20, choices=AuditType.choices, default=AuditType.INITIAL
    )
    scheme = models.ForeignKey(
        "criteria.AssessmentScheme",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessment scheme"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    # The reason given with the last return / rejection / withdrawal; the company sees it.
    status_reason = models.TextField(_("reason"), blank=True)
    scope_description = models.TextField(_("scope"), max_length=5000)
    # The certificate states its scope in English and German; empty: the English one is used.
    scope_description_de = models.TextField(_("scope (German)"), max_length=5000, blank=True)
    window_start = models.DateField(_("audit window from"))
    window_end = models.DateField(_("audit window until"))
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    product_version = models.CharField(_("product version"), max_length=100, blank=True)
    product_description = models.TextField(_("product description"), max_length=5000, blank=True)
    # Surveillance and recertification audits concern an issued certificate.
    certificate = models.ForeignKey(
        "Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("certificate concerned"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The audit report.
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    report_summary = models.TextField(_("report summary"), blank=True, max_length=20000)
    report_submitted_at = models.DateTimeField(_("report submitted"), null=True, blank=True)
    report_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The decision (four-eyes: never by an auditor of this application).
    decision = models.CharField(
        _("decision"), max_length=10, choices=Recommendation.choices, blank=True
    )
    decision_rationale = models.TextField(_("rationale"), blank=True, max_length=20000)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("certification application")
        verbose_name_plural = _("certification applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.product_name:
            label = f"{label}: {self.product_name} {self.product_version}".strip()
        return f"#{self.pk} {label}"

    @property
    def is_product(self) -> bool:
        return self.kind == SchemeKind.PRODUCT

    def allows(self, action: str) -> bool:
        """Whether the state machine has an edge for `action` from the current status."""
        return self.status in APPLICATION_EDGES[action]


class ApplicationEvent(models.Model):
    """Every transition of an application: who, when, from, to, why. The case history."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    status_before = models.CharField(max_length=20)
    status_after = models.CharField(max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.status_before} → {self.status_after}"


class OrganizationalGrant(models.Model):
    """An organizational certification the office recorded by hand (before the portal
    issued certificates); it satisfies the precondition of product applications."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="organizational_grants",
        verbose_name=_("organization"),
    )
    reference = models.CharField(_("reference"), max_length=100)
    valid_until = models.DateField(_("valid until"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("recorded organizational certification")
        verbose_name_plural = _("recorded organizational certifications")
        ordering = ["-valid_until"]

    def __str__(self) -> str:
        return f"{self.reference} (≤ {self.valid_until})"


# --- Auditors ----------------------------------------------------------------------------


class QualificationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    # Applied for, then taken back by the auditor.
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Ended by the office before its validity ran out.
    REVOKED = "revoked", _("Revoked")
    # Replaced by a later approval of the same scheme (a renewal).
    SUPERSEDED = "superseded", _("Renewed")


# applied ──approve──▶ approved ──(renewal approved)──▶ superseded
#    │ ╲──refuse──▶ refused               ╲──revoke──▶ revoked
#    ╰──withdraw──▶ withdrawn
QUALIFICATION_EDGES: dict[str, Edges] = {
    "approve": {QualificationStatus.APPLIED: (QualificationStatus.APPROVED,)},
    "refuse": {QualificationStatus.APPLIED: (QualificationStatus.REFUSED,)},
    "withdraw": {QualificationStatus.APPLIED: (QualificationStatus.WITHDRAWN,)},
    "revoke": {QualificationStatus.APPROVED: (QualificationStatus.REVOKED,)},
    "supersede": {QualificationStatus.APPROVED: (QualificationStatus.SUPERSEDED,)},
}


class AuditorQualification(models.Model):
    """An auditor's qualification for a kind of scheme (organizational / product): applied for
    with evidence of competence, approved by the office with a validity (ISO/IEC 17065 §6.1).
    Rows are kept: an auditor's competence record is their history."""

    auditor = models.ForeignKey(
        "accounts.Auditor", on_delete=models.CASCADE, related_name="qualifications"
    )
    scheme_kind = models.CharField(_("scheme"), max_length=20, choices=SchemeKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=QualificationStatus.choices,
        default=QualificationStatus.APPLIED,
    )
    training = models.TextField(_("training"), blank=True, max_length=5000)
    experience = models.TextField(_("professional experience"), blank=True, max_length=5000)
    audits_witnessed = models.TextField(_("audits witnessed"), blank=True, max_length=5000)
    evidence_file = models.FileField(
        _("evidence"), upload_to="qualifications/%Y/", blank=True, max_length=300
    )
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("reason"), blank=True, max_length=5000)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    # Empty only on qualifications recorded before the office approved them (migration 0004).
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("auditor qualification")
        verbose_name_plural = _("auditor qualifications")
        ordering = ["scheme_kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["auditor", "scheme_kind"],
                condition=Q(status="applied"),
                name="auditor_qualification_one_open_application",
            ),
            models.UniqueConstraint(
                fields=["auditor", "scheme_kind"],
                condition=Q(status="approved"),
                name="auditor_qualification_one_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor}: {self.get_scheme_kind_display()}"


class AuditorConflict(models.Model):
    """A declared conflict of interest: the auditor must not audit this organization."""

    auditor = models.ForeignKey(
        "accounts.Auditor", on_delete=models.CASCADE, related_name="conflicts"
    )
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Empty: without end.
    until = models.DateField(_("until"), null=True, blank=True)
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-declared_at"]

    def __str__(self) -> str:
        return f"{self.auditor} × {self.organization}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead auditor")
    CO = "co", _("Co-auditor")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("Assigned")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


class AuditorAssignment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    auditor = models.ForeignKey(
        "accounts.Auditor", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=5, choices=AssignmentRole.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
    )
    reason = models.TextField(_("reason"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("auditor assignment")
        verbose_name_plural = _("auditor assignments")
        ordering = ["role", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "role"],
                condition=Q(status="active", role="lead"),
                name="one_active_lead_auditor",
            ),
            models.UniqueConstraint(
                fields=["application", "auditor"],
                condition=Q(status="active"),
                name="auditor_assigned_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor} ({self.get_role_display()}) on {self.application_id}"


# --- Self-assessment ---------------------------------------------------------------------


class SelfStatus(models.TextChoices):
    IMPLEMENTED = "implemented", _("Implemented")
    PARTIALLY = "partially", _("Partially implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class SelfAssessmentAnswer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(
        "criteria.AssessmentCriterion", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=SelfStatus.choices)
    explanation = models.TextField(_("explanation"), blank=True, max_length=10000)
    # Where the criterion requires evidence and the company gives none, it says why.
    no_evidence_reason = models.TextField(
        _("why there is no evidence"), blank=True, max_length=2000
    )
    # Guards against lost updates like Score.version: 0 means "not answered yet", each save +1.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="self_assessment_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.criterion_id}: {self.status}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # Private storage: nothing under MEDIA_URL is served; downloads go through a checked view.
    application = instance.application
    return f"evidence/org-{application.organization_id}/app-{application.pk}/{filename}"


class Evidence(models.Model):
    """A file or link backing a self-assessment answer or a corrective action."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(
        "criteria.AssessmentCriterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finding = models.ForeignKey(
        "Finding", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    # Given in answer to an auditor's clarification request (the criterion is set too).
    clarification = models.ForeignKey(
        "ClarificationRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(criterion__isnull=False) | Q(finding__isnull=False),
                name="evidence_has_subject",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.file)


# --- Scoring -----------------------------------------------------------------------------


class Rating(models.TextChoices):
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTIALLY = "partially", _("Partially fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Score(models.Model):
    """The auditor's rating of one criterion. `version` guards against lost updates:
    a save names the version it was based on and is refused when another save came first."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "criteria.AssessmentCriterion", on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rationale = models.TextField(_("rationale"), blank=True, max_length=10000)
    # Rated fulfilled although the criterion requires evidence and none was given: the
    # auditor was warned and confirmed it (the report says so).
    without_evidence = models.BooleanField(_("rated without evidence"), default=False)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.criterion_id}: {self.rating or '–'} v{self.version}"


class ScoreChange(models.Model):
    """Every saved score, kept: who rated what, when (visible to the office)."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    rationale = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    objects = ScopedManager(organization="score__application__organization")

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.score_id} v{self.version}: {self.rating}"


# --- Findings ----------------------------------------------------------------------------


class FindingKind(models.TextChoices):
    MAJOR = "major", _("Major nonconformity")
    MINOR = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    IMPROVEMENT = "improvement", _("Opportunity for improvement")


NONCONFORMITIES = (FindingKind.MAJOR, FindingKind.MINOR)


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Corrective action proposed")
    CLOSED = "closed", _("Closed")


class Finding(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind.choices)
    criteria = models.ManyToManyField(
        "criteria.AssessmentCriterion", related_name="+", verbose_name=_("criteria")
    )
    # The auditor's statement of the nonconformity and the objective evidence behind it.
    description = models.TextField(_("description"), max_length=10000)
    objective_evidence = models.TextField(_("objective evidence"), blank=True, max_length=10000)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    # By when the company must answer (correction, root cause, corrective action).
    due_date = models.DateField(_("answer due"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    # The company's answer, in the steps of a quality system: what it fixed at once
    # (correction), why it happened (root cause), what keeps it from recurring (corrective
    # action) and by when that action is complete.
    correction = models.TextField(_("correction"), blank=True, max_length=10000)
    root_cause = models.TextField(_("root-cause analysis"), blank=True, max_length=10000)
    corrective_action = models.TextField(_("corrective action"), blank=True, max_length=10000)
    action_due_on = models.DateField(_("corrective action completed by"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    verification_note = models.TextField(_("verification"), blank=True, max_length=10000)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_nonconformity(self) -> bool:
        return self.kind in NONCONFORMITIES


class FindingStepKind(models.TextChoices):
    RAISED = "raised", _("Finding raised")
    ANSWERED = "answered", _("Correction and corrective action proposed")
    ACCEPTED = "accepted", _("Effectiveness verified")
    SENT_BACK = "sent_back", _("Sent back to the company")
    CLOSED = "closed", _("Closed")


class FindingStep(models.Model):
    """One dated, attributed step of a finding, with the text of that step as it was
    (`data`: the fields the step set). The finding's full history, for the record and
    the audit report."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=12, choices=FindingStepKind.choices)
    data = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    objects = ScopedManager(organization="finding__application__organization")

    class Meta:
        verbose_name = _("finding step")
        verbose_name_plural = _("finding steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.step}"


# --- Clarification requests and working papers ------------------------------------------


class ClarificationStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the company's answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


_CS = ClarificationStatus
# The clarification request's edges, one set per action (`clarification_transition` checks
# them); closed is final:
#
#     open ──answer (company)──▶ answered ──ask again (auditor)──▶ open
#     open / answered ──close (auditor)──▶ closed
CLARIFICATION_EDGES: dict[str, Edges] = {
    "answer": _edges((_CS.OPEN,), _CS.ANSWERED),
    "ask_again": _edges((_CS.ANSWERED,), _CS.OPEN),
    "close": _edges((_CS.OPEN, _CS.ANSWERED), _CS.CLOSED),
}


class ClarificationRequest(models.Model):
    """An auditor's question to the company on one criterion, without raising a finding.
    The thread (`messages`, and evidence given in answer) is part of the case record."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="clarifications"
    )
    criterion = models.ForeignKey(
        "criteria.AssessmentCriterion", on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"), max_length=10000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClarificationStatus.choices,
        default=ClarificationStatus.OPEN,
    )
    due_on = models.DateField(_("answer due"), null=True, blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("clarification request")
        verbose_name_plural = _("clarification requests")
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.criterion_id}: {self.get_status_display()}"


class ClarificationSide(models.TextChoices):
    AUDITOR = "auditor", _("Auditor")
    COMPANY = "company", _("Company")
    OFFICE = "office", _("CPO office")


class ClarificationMessage(models.Model):
    """One message of a clarification thread: the question's follow-ups and the answers."""

    request = models.ForeignKey(
        ClarificationRequest, on_delete=models.CASCADE, related_name="messages"
    )
    side = models.CharField(_("from"), max_length=10, choices=ClarificationSide.choices)
    body = models.TextField(_("message"), max_length=10000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    objects = ScopedManager(organization="request__application__organization")

    class Meta:
        verbose_name = _("clarification message")
        verbose_name_plural = _("clarification messages")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.side} {self.at:%Y-%m-%d}"


class WorkingPaperKind(models.TextChoices):
    NOTE = "note", _("Note")
    INTERVIEW = "interview", _("Interview notes")
    TEST = "test", _("Test result")
    SAMPLE = "sample", _("Sample record")
    OTHER = "other", _("Other")


def working_paper_upload_to(instance: "WorkingPaper", filename: str) -> str:
    # Private storage, apart from the company's evidence: downloads go through a checked view.
    application = instance.application
    return f"working-papers/org-{application.organization_id}/app-{application.pk}/{filename}"


class WorkingPaper(models.Model):
    """An auditor's working paper on one criterion (or the audit as a whole): notes and
    files such as interview notes and test results. Private to the audit team and the
    office; the company never sees them. `version` guards edits like Score.version."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="working_papers"
    )
    criterion = models.ForeignKey(
        "criteria.AssessmentCriterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=WorkingPaperKind.choices, default=WorkingPaperKind.NOTE
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("notes"), blank=True, max_length=20000)
    file = models.FileField(
        _("file"), upload_to=working_paper_upload_to, blank=True, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"))

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("working paper")
        verbose_name_plural = _("working papers")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Certificates (part 2) ---------------------------------------------------------------


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded by a successor")


C = CertificateStatus
# A certificate in force (suspended is still in force, only not valid while it lasts).
LIVE = (C.ACTIVE, C.SUSPENDED)

# The certificate's lifecycle, one set of edges per action:
#
#     active ──suspend──▶ suspended ──reinstate──▶ active
#     active / suspended ──withdraw──▶ withdrawn
#     active / suspended ──expire (validity ended, daily task)──▶ expired
#     active / suspended ──supersede (successor issued on recertification)──▶ superseded
CERTIFICATE_EDGES: dict[str, Edges] = {
    "suspend": _edges((C.ACTIVE,), C.SUSPENDED),
    "reinstate": _edges((C.SUSPENDED,), C.ACTIVE),
    "withdraw": _edges(LIVE, C.WITHDRAWN),
    "expire": _edges(LIVE, C.EXPIRED),
    "supersede": _edges(LIVE, C.SUPERSEDED),
}
# Shown publicly on the verification page: the reason must be given.
CERTIFICATE_REASON_REQUIRED = {"suspend", "withdraw"}


class Certificate(models.Model):
    """An issued CPO certificate. What it certifies never changes after issuance; its
    status changes only through lifecycle events, all of which are public."""

    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    kind = models.CharField(_("certificate"), max_length=20, choices=SchemeKind.choices)
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    # What the certificate says, as issued (the organization may rename itself later).
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_country = models.CharField(_("country"), max_length=2)
    holder_group = models.CharField(_("group"), max_length=30)
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        related_name="issued_certificate",
        verbose_name=_("audit"),
    )
    scheme = models.ForeignKey(
        "criteria.AssessmentScheme", on_delete=models.PROTECT, related_name="+"
    )
    catalogue_version = models.ForeignKey(
        "criteria.CatalogueVersion", on_delete=models.PROTECT, related_name="+"
    )
    scope_description = models.TextField(_("scope"))
    # The scope in German; empty on certificates issued before both languages were asked for.
    scope_description_de = models.TextField(_("scope (German)"), blank=True)
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    product_version = models.CharField(_("product version"), max_length=100, blank=True)
    # A product certificate rests on its holder's organizational certificate, named on it.
    organizational_certificate = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="product_certificates",
        verbose_name=_("organizational certificate"),
    )
    # The certification body as the certificate names it, frozen at issuance (legal name,
    # address, accreditation body, number): {} on certificates issued before it was kept.
    issuer = models.JSONField(_("certification body"), default=dict, blank=True)
    issued_on = models.DateField(_("issued"))
    valid_until = models.DateField(_("valid until"), db_index=True)
    predecessor = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successor",
        verbose_name=_("predecessor"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CertificateStatus.choices,
        default=CertificateStatus.ACTIVE,
        db_index=True,
    )
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), db_index=True)
    next_surveillance_due = models.DateField(
        _("next surveillance audit due"), null=True, blank=True
    )
    # Set when the holder's organizational certificate ended or was suspended.
    flagged_reason = models.CharField(_("flagged for the office"), max_length=300, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-number"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_product(self) -> bool:
        return self.kind == SchemeKind.PRODUCT


class CertificateEvent(models.Model):
    """One step in a certificate's life: issued, suspended, reinstated, withdrawn, expired,
    superseded, surveillance passed. Public, as the verification page shows them all."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("event"), max_length=30)
    status_before = models.CharField(max_length=12, blank=True)
    status_after = models.CharField(max_length=12)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), db_index=True)

    objects = ScopedManager(organization="certificate__organization")

    # Each step in words, as the verification page, the feed and the office show it.
    LABELS = {
        "issued": _("Issued"),
        "suspend": _("Suspended"),
        "reinstate": _("Reinstated"),
        "withdraw": _("Withdrawn"),
        "expire": _("Expired"),
        "supersede": _("Superseded"),
        "surveillance_passed": _("Surveillance audit passed"),
        "special_audit_passed": _("Special audit passed"),
    }

    class Meta:
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action}"

    @property
    def label(self) -> str:
        label = self.LABELS.get(self.action)
        return str(label) if label else self.action.replace("_", " ").capitalize()


class CertificateSequence(models.Model):
    """The last number used per certificate type and year; locked while a number is drawn,
    so numbers are gapless and unique under concurrent grants."""

    kind = models.CharField(max_length=20, choices=SchemeKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="certificate_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


def _days(
    label: "str | _StrPromise", default: int, help_text: "str | _StrPromise" = ""
) -> "models.PositiveSmallIntegerField[int, int]":
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=help_text,
    )


class CertificationPolicy(models.Model):
    """Settings the office keeps for the certification process (a single row): the
    certificate lifecycle and the due dates of every waiting step."""

    suspend_products_with_organizational = models.BooleanField(
        _("suspend product certificates automatically when the organizational one ends"),
        default=True,
    )
    self_assessment_days = _days(
        _("self-assessment: days to submit"),
        30,
        _("Counted from the assignment of the lead auditor."),
    )
    finding_answer_days = _days(
        _("findings: days to answer"),
        30,
        _("Counted from the day the finding is raised; the correction and corrective action."),
    )
    audit_report_days = _days(
        _("audit report: days to submit"),
        30,
        _("Counted from the submission of the self-assessment."),
    )
    decision_days = _days(
        _("certification decision: days to decide"),
        14,
        _("Counted from the submission of the audit report."),
    )
    objection_days = _days(
        _("audit plan: days to object to an auditor"),
        7,
        _("Counted from the day the plan is sent to the company."),
    )
    objection_decision_days = _days(_("objections: days for the office to decide"), 5)
    agreement_acceptance_days = _days(
        _("certification agreement: days to accept a new version"),
        60,
        _("For holders of a certificate, counted from the publication of the version."),
    )
    reminder_days_before = _days(
        _("reminder: days before the due date"),
        7,
        _("A reminder is sent this many days before the due date, and one on the day."),
    )
    qualification_warning_days = _days(
        _("qualifications: flag this many days before they expire"), 60
    )
    clarification_answer_days = _days(
        _("clarification requests: days to answer"),
        14,
        _("Counted from the day the auditor asks."),
    )
    appeal_days = _days(
        _("appeals: days to appeal"),
        30,
        _("Counted from the decision, suspension, withdrawal or finding appealed against."),
    )
    appeal_decision_days = _days(
        _("appeals: days to decide"), 60, _("Counted from the day the appeal is filed.")
    )
    complaint_acknowledge_days = _days(
        _("complaints: days to acknowledge"), 5, _("Counted from the day it is received.")
    )
    complaint_answer_days = _days(
        _("complaints: days to answer"), 60, _("Counted from the day it is received.")
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("certification policy")
        verbose_name_plural = _("certification policy")

    def __str__(self) -> str:
        return str(_("Certification policy"))


class SurveillanceReminder(models.Model):
    """A surveillance reminder that was sent; unique, so the daily task is idempotent."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="surveillance_reminders"
    )
    kind = models.CharField(max_length=10)  # "60", "30", "7", "overdue"
    due = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="certificate__organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "due"], name="surveillance_reminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind} {self.due}"


# --- The certification agreement (ISO/IEC 17065 §4.1.2) ------------------------------------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AgreementVersion(models.Model):
    """A version of the certification agreement the office publishes; once published its
    text never changes (a new version is a new row)."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), max_length=100000)
    changes = models.TextField(
        _("what changed"),
        blank=True,
        max_length=5000,
        help_text=_("Shown to certificate holders asked to accept the new version."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Two office members editing the same draft: the second is told (cpo_portal.forms).
    version = models.PositiveIntegerField(default=1)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification agreement")
        verbose_name_plural = _("certification agreements")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})"


class AgreementAcceptance(models.Model):
    """A company accepted a version of the agreement: who, when, and the exact text with its
    SHA-256, recorded like the CPO signature."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    agreement = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    text = models.TextField(_("text accepted"))
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    signatory_name = models.CharField(_("accepted by"), max_length=200)
    signatory_position = models.CharField(_("position"), max_length=200)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("acceptance of the certification agreement")
        verbose_name_plural = _("acceptances of the certification agreement")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "agreement"], name="agreement_accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} × {self.agreement}"


# --- Evaluation planning (ISO/IEC 17065 §7.4, ISO/IEC 17021-1 §9.2) -------------------------


class AuditMode(models.TextChoices):
    ON_SITE = "on_site", _("On-site")
    REMOTE = "remote", _("Remote")
    HYBRID = "hybrid", _("On-site and remote")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the company")
    CONFIRMED = "confirmed", _("Confirmed by the company")
    # A later version was sent; this one stays in the case record.
    SUPERSEDED = "superseded", _("Replaced by a later version")


class AuditPlan(models.Model):
    """One version of a case's audit plan: dates, mode, sites, agenda, team, duration.

    Drafted by the office or the lead auditor, sent to the company (who may object to an
    auditor until `objection_deadline`) and confirmed by it. A change after sending is a new
    version; the earlier ones are kept for the record."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    mode = models.CharField(
        _("audit mode"), max_length=10, choices=AuditMode.choices, default=AuditMode.REMOTE
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    sites = models.TextField(_("sites"), blank=True, max_length=5000)
    site_count = models.PositiveSmallIntegerField(
        _("number of sites"), default=1, validators=[MinValueValidator(1)]
    )
    method = models.TextField(_("method and sampling"), blank=True, max_length=10000)
    person_days = models.DecimalField(_("duration (person-days)"), max_digits=5, decimal_places=2)
    # What the documented rule (certification/duration.py) gave; a different duration needs
    # a reason.
    person_days_rule = models.DecimalField(max_digits=5, decimal_places=2)
    person_days_reason = models.TextField(
        _("reason for a different duration"), blank=True, max_length=2000
    )
    # The team as sent: [{"auditor": pk, "name": ..., "role": ...}], kept for the record.
    team = models.JSONField(_("audit team"), default=list, blank=True)
    change_note = models.TextField(_("what changed"), blank=True, max_length=2000)
    objection_deadline = models.DateField(_("objections until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ScopedManager(organization="application__organization")

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")
        ordering = ["application", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="audit_plan_number"),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="draft"),
                name="audit_plan_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} plan {self.number}"


class AuditPlanItem(models.Model):
    """One line of the agenda: a subject area (or another topic) on a day, with an auditor."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    area = models.ForeignKey(
        "criteria.SubjectArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject area"),
    )
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    auditor = models.ForeignKey(
        "accounts.Auditor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auditor"),
    )

    objects = ScopedManager(organization="plan__application__organization")

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["plan", "date", "start_time", "position", "pk"]

    def __str__(self) -> str:
        return self.topic or str(self.area)


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the office's decision")
    UPHELD = "upheld", _("Upheld: the auditor is replaced")
    DISMISSED = "dismissed", _("Dismissed: the auditor stays")


OBJECTION_EDGES: dict[str, Edges] = {
    "uphold": {ObjectionStatus.PENDING: (ObjectionStatus.UPHELD,)},
    "dismiss": {ObjectionStatus.PENDING: (ObjectionStatus.DISMISSED,)},
}


class AuditorObjection(models.Model):
    """The company objects to an auditor of a sent plan, with a reason, within the window;
    the office decides."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.CASCADE, related_name="objections")
    assignment = models.ForeignKey(
        AuditorAssignment, on_delete=models.CASCADE, related_name="objections"
    )
    reason = models.TextField(_("reason"), max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.PENDING,
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=5000)

    objects = ScopedManager(organization="plan__application__organization")

    class Meta:
        verbose_name = _("objection to an auditor")
        verbose_name_plural = _("objections to auditors")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="objection_one_pending_per_auditor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} ({self.get_status_display()})"


# --- Complaints and appeals (ISO/IEC 17065 §7.13) ----------------------------------------


class ReferenceSequence(models.Model):
    """The last reference number used per kind of record and year (complaints, appeals);
    locked while a number is drawn, so references are gapless and unique."""

    name = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="reference_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.last}"


class ComplaintSubject(models.TextChoices):
    COMPANY = "company", _("A certified company")
    PRODUCT = "product", _("A certified product")
    SEAL_MISUSE = "seal_misuse", _("Misuse of the CPO seal or logo")
    BODY = "body", _("The certification body itself")
    OTHER = "other", _("Something else")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Under investigation")
    DECIDED = "decided", _("Decided and answered")
    CLOSED = "closed", _("Closed")


_CP = ComplaintStatus
# The complaint's lifecycle, one set of edges per action (`complaint_transition` checks them):
# acknowledged before anything is decided; investigated when the office needs to (a plain
# answer may follow the acknowledgement); closed once answered.
#
#     received ──acknowledge──▶ acknowledged ──investigate──▶ investigating
#     acknowledged / investigating ──decide──▶ decided ──close──▶ closed
COMPLAINT_EDGES: dict[str, Edges] = {
    "acknowledge": _edges((_CP.RECEIVED,), _CP.ACKNOWLEDGED),
    "investigate": _edges((_CP.ACKNOWLEDGED,), _CP.INVESTIGATING),
    "decide": _edges((_CP.ACKNOWLEDGED, _CP.INVESTIGATING), _CP.DECIDED),
    "close": _edges((_CP.DECIDED,), _CP.CLOSED),
}
# A complaint not yet decided: its dates, links and notes may still change.
COMPLAINT_OPEN_STATES = (_CP.RECEIVED, _CP.ACKNOWLEDGED, _CP.INVESTIGATING)


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    NOT_ADMISSIBLE = "not_admissible", _("Not within the certification body's remit")


class Complaint(models.Model):
    """A complaint from anyone about a certified company or product, about misuse of the
    seal or the logo, or about the certification body. Seen by the office only: nothing
    about the complainant is ever public. Its steps are `events`."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    subject = models.CharField(_("about"), max_length=20, choices=ComplaintSubject.choices)
    # What the complainant named (a company, a product, a web address showing the logo).
    subject_detail = models.CharField(_("concerning"), max_length=300, blank=True)
    description = models.TextField(_("complaint"), max_length=10000)
    # The company and certificate concerned, as the complainant chose them or the office
    # linked them; never shown to the complainant beyond what they named.
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company concerned"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("certificate concerned"),
    )
    special_audit = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("special audit"),
    )
    complainant_name = models.CharField(_("name"), max_length=200)
    complainant_email = models.EmailField(_("e-mail address"))
    complainant_organization = models.CharField(_("organization"), max_length=200, blank=True)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
        db_index=True,
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    # Due dates the office sets (defaults from the policy).
    acknowledge_by = models.DateField(_("acknowledge by"))
    answer_by = models.DateField(_("answer by"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ComplaintOutcome.choices, blank=True
    )
    # The office's findings and reasons (internal) and the answer sent to the complainant.
    decision = models.TextField(_("findings and reasons"), blank=True, max_length=20000)
    answer = models.TextField(_("answer to the complainant"), blank=True, max_length=20000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.reference


class CaseStep(models.Model):
    """One step of a complaint or an appeal (their status history): what was done, the
    status before and after, a note, who and when."""

    action = models.CharField(_("step"), max_length=30)
    status_before = models.CharField(max_length=15, blank=True)
    status_after = models.CharField(max_length=15, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class ComplaintEvent(CaseStep):
    """One step of a complaint: status changes, notes, links to a case or certificate."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseStep.Meta):
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class AppealSubject(models.TextChoices):
    REFUSAL = "refusal", _("Refusal of certification")
    SUSPENSION = "suspension", _("Suspension of a certificate")
    WITHDRAWAL = "withdrawal", _("Withdrawal of a certificate")
    FINDING = "finding", _("A finding of the audit")
    OTHER = "other", _("Another decision")


class AppealStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_AP = AppealStatus
# The appeal's states, one set of edges per action (`appeal_transition` checks them):
#
#     filed ──assign──▶ under review (──assign again: another decider──▶ under review)
#     under review ──decide──▶ decided
#     filed / under review ──withdraw (the company)──▶ withdrawn
APPEAL_EDGES: dict[str, Edges] = {
    "assign": _edges((_AP.FILED, _AP.UNDER_REVIEW), _AP.UNDER_REVIEW),
    "decide": _edges((_AP.UNDER_REVIEW,), _AP.DECIDED),
    "withdraw": _edges((_AP.FILED, _AP.UNDER_REVIEW), _AP.WITHDRAWN),
}


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the decision is changed")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    DISMISSED = "dismissed", _("Dismissed: the decision stands")


class Appeal(models.Model):
    """A client's appeal against a certification decision (refusal, suspension, withdrawal,
    a finding), decided by a person who took no part in the decision or the audit."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="certification_appeals",
        verbose_name=_("organization"),
    )
    subject = models.CharField(_("against"), max_length=12, choices=AppealSubject.choices)
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("case"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("certificate"),
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("finding"),
    )
    # The day of the decision appealed against: the period to appeal runs from it.
    decision_on = models.DateField(_("decision of"))
    grounds = models.TextField(_("grounds"), max_length=20000)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=AppealStatus.choices,
        default=AppealStatus.FILED,
        db_index=True,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"), db_index=True)
    due_on = models.DateField(_("decision due"))
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=15, choices=AppealOutcome.choices, blank=True
    )
    reasons = models.TextField(_("reasons"), blank=True, max_length=20000)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return self.reference


class AppealEvent(CaseStep):
    """One step of an appeal: filed, decider assigned, decided, withdrawn."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")

    objects = ScopedManager(organization="appeal__organization")

    class Meta(CaseStep.Meta):
        verbose_name = _("appeal step")
        verbose_name_plural = _("appeal steps")

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action}"


# --- Deadlines ---------------------------------------------------------------------------


class DeadlineKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Submit the self-assessment")
    FINDING_ANSWER = "finding_answer", _("Answer a finding")
    AUDIT_REPORT = "audit_report", _("Submit the audit report")
    DECISION = "decision", _("Take the certification decision")
    OBJECTION = "objection", _("Decide an objection to an auditor")
    AGREEMENT = "agreement", _("Accept the certification agreement")
    CLARIFICATION = "clarification", _("Answer a clarification request")
    APPEAL = "appeal", _("Decide an appeal")


class DeadlineParty(models.TextChoices):
    """Who must act (and is reminded); the office is told when a step is overdue."""

    COMPANY = "company", _("Company")
    AUDITOR = "auditor", _("Lead auditor")
    OFFICE = "office", _("CPO office")


DEADLINE_PARTY = {
    DeadlineKind.SELF_ASSESSMENT: DeadlineParty.COMPANY,
    DeadlineKind.FINDING_ANSWER: DeadlineParty.COMPANY,
    DeadlineKind.AUDIT_REPORT: DeadlineParty.AUDITOR,
    DeadlineKind.DECISION: DeadlineParty.OFFICE,
    DeadlineKind.OBJECTION: DeadlineParty.OFFICE,
    DeadlineKind.AGREEMENT: DeadlineParty.COMPANY,
    DeadlineKind.CLARIFICATION: DeadlineParty.COMPANY,
    DeadlineKind.APPEAL: DeadlineParty.OFFICE,
}


class Deadline(models.Model):
    """A waiting step with its due date from the office's policy: open until the step is done
    (`closed_at`), reminded before and on the due date, escalated to the office when overdue.
    Each stamp is set once, so the daily job sends each message once."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("step"), max_length=20, choices=DeadlineKind.choices)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    objection = models.ForeignKey(
        AuditorObjection,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    agreement = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    clarification = models.ForeignKey(
        ClarificationRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    opened_at = models.DateTimeField(_("since"))
    due_on = models.DateField(_("due"), db_index=True)
    closed_at = models.DateTimeField(_("done"), null=True, blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["closed_at", "due_on"], name="deadline_open_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≤ {self.due_on}"

    @property
    def party(self) -> str:
        return DEADLINE_PARTY[DeadlineKind(self.kind)]
