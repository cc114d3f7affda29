"""The versioned CPO catalogue and the two assessment schemes tied to each version.

A version is a draft until the CPO office publishes it; from then on it is immutable
(services refuse every change) until it is retired. Texts come in English and German;
a catalogue may come in one language only (e.g. the licensed official text).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .groups import SigneeGroup

CONTENT_LANGUAGES = ("en", "de")

# \A…\Z, not ^…$: "$" also matches before a trailing newline.
version_code_validator = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z",
    _("Use letters, digits, dots, dashes and underscores (at most 40)."),
)
# Codes and numbers appear in URLs (permalinks): no slashes, spaces or control characters.
CODE_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,19}\Z"
code_validator = RegexValidator(
    CODE_PATTERN, _("Use letters, digits, dots, dashes and underscores (at most 20).")
)


class Obligation(models.TextChoices):
    SHALL = "shall", _("shall")
    SHOULD = "should", _("should")
    MAY = "may", _("may")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


# The lifecycle: draft → published → retired; nothing else.
VERSION_EDGES: dict[str, tuple[str, ...]] = {
    VersionStatus.DRAFT: (VersionStatus.PUBLISHED,),
    VersionStatus.PUBLISHED: (VersionStatus.RETIRED,),
}
# What the public may read: a draft exists for nobody outside the office.
PUBLIC_VERSION_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.RETIRED)


# The status as it reads inside a sentence ("Version 2.0 is published and …"); own msgids,
# because a capitalised label lower-cased is wrong in German ("entwurf").
_STATUS_IN_SENTENCE = {
    VersionStatus.DRAFT: pgettext_lazy("version status in a sentence", "a draft"),
    VersionStatus.PUBLISHED: pgettext_lazy("version status in a sentence", "published"),
    VersionStatus.RETIRED: pgettext_lazy("version status in a sentence", "retired"),
}


def status_in_sentence(status: str) -> str:
    return str(_STATUS_IN_SENTENCE[VersionStatus(status)])


class SchemeKind(models.TextChoices):
    ORGANIZATIONAL = "organizational", _("Organizational")
    PRODUCT = "product", _("Product")


class LocalizedText(str):
    """A text in the requested language, or in the catalogue's language with a flag."""

    language: str
    is_fallback: bool

    def __new__(cls, value: str, language: str, is_fallback: bool) -> "LocalizedText":
        obj = super().__new__(cls, value)
        obj.language = language
        obj.is_fallback = is_fallback
        return obj


class Localized(models.Model):
    """Fields named `<name>_en` / `<name>_de`, read in the active language."""

    class Meta:
        abstract = True

    def localized(self, name: str, language: str | None = None) -> LocalizedText:
        wanted = (language or get_language() or "en")[:2]
        order = [wanted, *[c for c in CONTENT_LANGUAGES if c != wanted]]
        for code in order:
            value = getattr(self, f"{name}_{code}", "")
            if value:
                return LocalizedText(value, code, code != wanted)
        return LocalizedText("", wanted, False)

    @property
    def title(self) -> LocalizedText:
        return self.localized("title")


class CatalogueVersion(Localized):
    code = models.CharField(
        _("version"), max_length=40, unique=True, validators=[version_code_validator]
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    notes_de = models.TextField(_("notes (German)"), blank=True)
    languages = models.JSONField(_("content languages"), default=list)
    is_demo = models.BooleanField(
        _("illustrative demo"),
        default=False,
        help_text=_("Demo text written for this portal, not the official DIN SPEC 91372 text."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    # SHA-256 of the canonical import payload: re-importing an identical file is a no-op.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")
        ordering = ["-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_VERSION_STATUSES

    @property
    def notes(self) -> LocalizedText:
        return self.localized("notes")


class Category(Localized):
    version = models.ForeignKey(
        CatalogueVersion, on_delete=models.CASCADE, related_name="categories"
    )
    number = models.CharField(_("number"), max_length=10)
    key = models.SlugField(_("key"), max_length=40)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="category_number_unique"),
            models.UniqueConstraint(fields=["version", "key"], name="category_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def description(self) -> LocalizedText:
        return self.localized("description")


class Criterion(Localized):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="criteria")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=300, blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    text_de = models.TextField(_("text (German)"), blank=True)
    obligation = models.CharField(_("obligation"), max_length=6, choices=Obligation.choices)
    applies_to = models.JSONField(
        _("applies to"),
        default=list,
        help_text=_("The signee groups this criterion applies to."),
    )
    justification_required = models.BooleanField(_("justification required"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    na_allowed = models.BooleanField(_("“not applicable” allowed"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["version", "category__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="criterion_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def text(self) -> LocalizedText:
        return self.localized("text")

    def applies_to_labels(self) -> list[str]:
        labels = dict(SigneeGroup.choices)
        return [str(labels[g]) for g in self.applies_to if g in labels]


class AssessmentScheme(Localized):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="schemes")
    kind = models.CharField(_("kind"), max_length=20, choices=SchemeKind.choices)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    should_share = models.DecimalField(
        _("share of “should” criteria to meet"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"), default=36, validators=[MinValueValidator(1)]
    )
    surveillance_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"), default=12, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["version", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="scheme_kind_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version.code} {self.get_kind_display()}"


class SubjectArea(Localized):
    """A section of a scheme: one of the eight organizational areas, or a CPO category."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="areas")
    number = models.CharField(_("number"), max_length=10)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("subject area")
        verbose_name_plural = _("subject areas")
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="area_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AssessmentCriterion(Localized):
    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.CASCADE, related_name="assessment_criteria"
    )
    area = models.ForeignKey(SubjectArea, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=300, blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    text_de = models.TextField(_("text (German)"), blank=True)
    obligation = models.CharField(_("obligation"), max_length=6, choices=Obligation.choices)
    justification_required = models.BooleanField(_("justification required"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    na_allowed = models.BooleanField(_("“not applicable” allowed"), default=False)
    # The published mapping between conformity-assessment criteria and CPO criteria.
    verifies = models.ManyToManyField(
        Criterion, related_name="verified_by", blank=True, verbose_name=_("verifies")
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["scheme", "area__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="assessment_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def text(self) -> LocalizedText:
        return self.localized("text")
