"""Signees of the CPO: the signature, its review by the CPO office, and CPO Statements.

Each signee belongs to exactly one group. A signee is listed publicly only while approved.
"""

import html
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from criteria.groups import SigneeGroup

from .declaration import declaration_sha256

__all__ = [
    "DeclarationFormat",
    "Signature",
    "Signee",
    "SigneeGroup",
    "SigneeReview",
    "SigneeStatus",
    "Statement",
    "StatementAnswer",
    "StatementReminder",
]

# IT vendors publish their CPO Statement within three months of signing.
STATEMENT_DUE_AFTER = timedelta(days=91)


class SigneeStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    CHANGES_REQUESTED = "changes_requested", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    UNPUBLISHED = "unpublished", _("Unpublished")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _edges(sources: tuple[str, ...], to: str) -> dict[str, tuple[str]]:
    return dict.fromkeys(sources, (to,))


S = SigneeStatus
# The signee's state machine, one set of edges per action (the services change the status
# only through their `_transition`, which checks them).
SIGNEE_EDGES: dict[str, dict[str, tuple[str]]] = {
    "sign": _edges((S.REJECTED, S.WITHDRAWN), S.PENDING),
    "approve": _edges((S.PENDING, S.UNPUBLISHED), S.APPROVED),
    "reject": _edges((S.PENDING, S.CHANGES_REQUESTED), S.REJECTED),
    "return": _edges((S.PENDING,), S.CHANGES_REQUESTED),
    "resubmit": _edges((S.CHANGES_REQUESTED,), S.PENDING),
    "unpublish": _edges((S.APPROVED,), S.UNPUBLISHED),
    "rereview": _edges((S.APPROVED,), S.PENDING),
    "withdraw": _edges((S.PENDING, S.CHANGES_REQUESTED, S.APPROVED, S.UNPUBLISHED), S.WITHDRAWN),
}
# Decisions the company must be told the reason of.
SIGNEE_REASON_REQUIRED = frozenset({"reject", "return", "unpublish"})

# A signee that has signed and not been turned down or withdrawn: it works on its statement.
SIGNED_STATUSES = (SigneeStatus.APPROVED, SigneeStatus.PENDING)
# A signee in one of these states may sign again (a new signature, a new review).
SIGN_AGAIN_STATUSES = frozenset({SigneeStatus.REJECTED, SigneeStatus.WITHDRAWN})
# States with a signature in force: it can be withdrawn and its group changed.
ACTIVE_STATUSES = frozenset(
    {
        SigneeStatus.PENDING,
        SigneeStatus.CHANGES_REQUESTED,
        SigneeStatus.APPROVED,
        SigneeStatus.UNPUBLISHED,
    }
)


class Signee(models.Model):
    """An organization's signature of the CPO and the group it signed in."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="signee",
        verbose_name=_("organization"),
    )
    group = models.CharField(_("group"), max_length=30, choices=SigneeGroup.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SigneeStatus.choices,
        default=SigneeStatus.PENDING,
        db_index=True,
    )
    # The reason the office gave for its last decision; the company sees it.
    status_reason = models.TextField(_("reason"), blank=True)
    catalogue_version = models.ForeignKey(
        "criteria.CatalogueVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalogue version"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    # "Signee since": the first approval; kept through later re-reviews.
    approved_at = models.DateTimeField(_("signee since"), null=True, blank=True, db_index=True)
    statement_due = models.DateField(_("CPO Statement due"), null=True, blank=True)
    # Denormalised for the public list: sorting and filtering without a join.
    listed_name = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("signee")
        verbose_name_plural = _("signees")
        indexes = [models.Index(fields=["status", "group"])]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_group_display()})"

    @property
    def is_listed(self) -> bool:
        return self.status == SigneeStatus.APPROVED


class DeclarationFormat(models.TextChoices):
    """How the declaration's text is stored; its SHA-256 is always over the stored bytes."""

    TEXT = "text", _("plain text")
    # Signatures made before December 2026 stored the text HTML-escaped ("&amp;" for "&").
    # Those bytes are what their hash proves, so they are kept and only read unescaped.
    HTML_ESCAPED = "html_escaped", _("HTML-escaped text")


class Signature(models.Model):
    """One act of signing: who, for which catalogue version, the exact text, from where."""

    signee = models.ForeignKey(Signee, on_delete=models.CASCADE, related_name="signatures")
    catalogue_version = models.ForeignKey(
        "criteria.CatalogueVersion", on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("group"), max_length=30, choices=SigneeGroup.choices)
    declaration_text = models.TextField(_("declaration"))
    declaration_sha256 = models.CharField(_("SHA-256 of the declaration"), max_length=64)
    declaration_format = models.CharField(
        _("format of the declaration"),
        max_length=20,
        choices=DeclarationFormat.choices,
        default=DeclarationFormat.TEXT,
    )
    signatory_name = models.CharField(_("signatory"), max_length=200)
    signatory_position = models.CharField(_("position"), max_length=200)
    authority_confirmed = models.BooleanField(_("authority to sign confirmed"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = ScopedManager(organization="signee__organization")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.signee} {self.signed_at:%Y-%m-%d}"

    @property
    def declaration_as_signed(self) -> str:
        """The declaration as the signer read it (plain text), whatever its stored format."""
        if self.declaration_format == DeclarationFormat.HTML_ESCAPED:
            return html.unescape(self.declaration_text)
        return self.declaration_text

    @property
    def declaration_recorded_escaped(self) -> bool:
        """The stored bytes (which the hash covers) differ from the text as read."""
        return self.declaration_as_signed != self.declaration_text

    @property
    def declaration_verifies(self) -> bool:
        """The recorded SHA-256 matches the stored text."""
        return declaration_sha256(self.declaration_text) == self.declaration_sha256


class SigneeReview(models.Model):
    """The office's decisions on a signee, kept in full (the company sees the reasons)."""

    signee = models.ForeignKey(Signee, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(_("action"), max_length=20)
    status_before = models.CharField(max_length=20)
    status_after = models.CharField(max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager(organization="signee__organization")

    class Meta:
        verbose_name = _("signee review")
        verbose_name_plural = _("signee reviews")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.status_before} → {self.status_after}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# What the public may read of a signee's statements: never a draft.
PUBLIC_STATEMENT_STATUSES = (StatementStatus.PUBLISHED, StatementStatus.SUPERSEDED)


class StatementKind(models.TextChoices):
    ONLINE = "online", _("Filled in online")
    LINK = "link", _("External link")
    UPLOAD = "upload", _("Uploaded PDF")


class Fulfilment(models.TextChoices):
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTIALLY = "partially", _("Partially fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Statement(models.Model):
    """A CPO Statement: how the signee's software meets each criterion. Versioned."""

    signee = models.ForeignKey(Signee, on_delete=models.CASCADE, related_name="statements")
    number = models.PositiveIntegerField(_("version"))
    catalogue_version = models.ForeignKey(
        "criteria.CatalogueVersion", on_delete=models.PROTECT, related_name="+"
    )
    # The statement this one was started from (answers carried over where the criterion is
    # unchanged), e.g. after a new catalogue version: the differences are shown against it.
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=StatementKind.choices, default=StatementKind.ONLINE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    summary = models.TextField(_("summary"), blank=True)
    external_url = models.URLField(_("link to the statement"), max_length=500, blank=True)
    file = models.FileField(_("PDF"), upload_to="statements/", blank=True, max_length=300)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = ScopedManager(organization="signee__organization")

    class Meta:
        verbose_name = _("CPO Statement")
        verbose_name_plural = _("CPO Statements")
        ordering = ["signee", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["signee", "number"], name="statement_number_unique"),
            # At most one draft per signee at a time.
            models.UniqueConstraint(
                fields=["signee"],
                condition=models.Q(status="draft"),
                name="statement_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signee.organization} statement v{self.number}"


class StatementAnswer(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey("criteria.Criterion", on_delete=models.PROTECT, related_name="+")
    fulfilment = models.CharField(_("fulfilment"), max_length=15, choices=Fulfilment.choices)
    explanation = models.TextField(_("explanation"), blank=True, max_length=5000)
    link = models.URLField(_("link"), max_length=500, blank=True)
    # Guards against lost updates: 0 means "not answered yet", each save +1 (see Score.version).
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(organization="statement__signee__organization")

    class Meta:
        verbose_name = _("statement answer")
        verbose_name_plural = _("statement answers")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "criterion"], name="statement_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.criterion_id}: {self.fulfilment}"


class ReminderKind(models.TextChoices):
    DUE_IN_30 = "30", _("30 days before the deadline")
    DUE_IN_7 = "7", _("7 days before the deadline")
    OVERDUE = "overdue", _("Deadline passed")


class StatementReminder(models.Model):
    """A deadline reminder that was sent; the unique constraint makes sending idempotent."""

    signee = models.ForeignKey(Signee, on_delete=models.CASCADE, related_name="statement_reminders")
    kind = models.CharField(_("reminder"), max_length=10, choices=ReminderKind.choices)
    # The deadline the reminder was about: a new deadline (signed again) gets its own reminders.
    due = models.DateField(_("CPO Statement due"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    objects = ScopedManager(organization="signee__organization")

    class Meta:
        verbose_name = _("CPO Statement reminder")
        verbose_name_plural = _("CPO Statement reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["signee", "kind", "due"], name="statement_reminder_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signee_id} {self.kind} {self.due}"
