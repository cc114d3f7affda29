"""Certification, part 1: applications, auditors, self-assessment, scores, findings, decision.

One `Application` is one certification case of one organization: its audit type (initial,
surveillance, recertification), the scheme it is assessed against, the auditors assigned,
the company's self-assessment, the auditor's scores and findings, the report and the
office's decision. Its states form one explicit state machine (APPLICATION_EDGES below,
moved along only by services.applications.application_transition).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cpo_portal.states import Edges
from criteria.models import SchemeKind

__all__ = [
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AssignmentRole",
    "AssignmentStatus",
    "AuditType",
    "AuditorAssignment",
    "AuditorConflict",
    "AuditorQualification",
    "Certificate",
    "CertificateEvent",
    "CertificateSequence",
    "CertificateStatus",
    "CertificationPolicy",
    "Evidence",
    "Finding",
    "FindingKind",
    "FindingStatus",
    "OrganizationalGrant",
    "Rating",
    "Recommendation",
    "SchemeKind",
    "Score",
    "ScoreChange",
    "SelfAssessmentAnswer",
    "SelfStatus",
    "SurveillanceReminder",
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


class AuditorQualification(models.Model):
    """An auditor is qualified for a kind of scheme (organizational / product)."""

    auditor = models.ForeignKey(
        "accounts.Auditor", on_delete=models.CASCADE, related_name="qualifications"
    )
    scheme_kind = models.CharField(_("scheme"), max_length=20, choices=SchemeKind.choices)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("auditor qualification")
        verbose_name_plural = _("auditor qualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["auditor", "scheme_kind"], name="auditor_qualification_unique"
            )
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
    description = models.TextField(_("description"), max_length=10000)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    due_date = models.DateField(_("corrective action due"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    corrective_action = models.TextField(_("corrective action"), blank=True, max_length=10000)
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
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    product_version = models.CharField(_("product version"), max_length=100, blank=True)
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


class CertificationPolicy(models.Model):
    """Settings the office keeps for the certificate lifecycle (a single row)."""

    suspend_products_with_organizational = models.BooleanField(
        _("suspend product certificates automatically when the organizational one ends"),
        default=False,
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
