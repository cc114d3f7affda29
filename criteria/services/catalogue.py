"""Every change to the catalogue: lifecycle, draft editing, import and cloning.

A published or retired version is immutable: every service that changes content calls
`ensure_draft` first, so the office UI, the admin and the API all get the same refusal.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_request, document_rerender
from cpo_portal.errors import DomainError
from cpo_portal.states import check_transition

from ..documents import CATALOGUE_DOCUMENT_KIND, PDF_LANGUAGES
from ..extensions import version_published
from ..interchange import (
    RESERVED_VERSION_CODES,
    CatalogueInvalid,
    ImportError_,
    content_hash,
    normalize,
)
from ..models import (
    CONTENT_LANGUAGES,
    PUBLIC_VERSION_STATUSES,
    VERSION_EDGES,
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    SubjectArea,
    VersionStatus,
    status_in_sentence,
)
from ..selectors.catalogue import catalogue_as_canonical, catalogue_pdf_document


def ensure_draft(version: CatalogueVersion) -> None:
    # Read the status from the locked row, not the caller's copy: a publish that committed
    # a moment ago (or in another request) must win over an edit of a stale object.
    version.status = (
        CatalogueVersion.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=version.pk)
    )
    if version.status != VersionStatus.DRAFT:
        raise DomainError(
            _(
                "Version %(version)s is %(status)s and cannot be changed. "
                "Create a new draft from it instead."
            )
            % {"version": version.code, "status": status_in_sentence(version.status)}
        )


def _transition(version: CatalogueVersion, to: str, *, by: User | None) -> CatalogueVersion:
    version = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
    check_transition(
        VERSION_EDGES,
        version.status,
        to,
        message=_("Version %(version)s is %(status)s and cannot become %(to)s.")
        % {
            "version": version.code,
            "status": status_in_sentence(version.status),
            "to": status_in_sentence(to),
        },
    )
    before = version.status
    now = timezone.now()
    version.status = to
    fields = ["status"]
    if to == VersionStatus.PUBLISHED:
        version.published_at, version.published_by = now, by
        fields += ["published_at", "published_by"]
    elif to == VersionStatus.RETIRED:
        version.retired_at = now
        fields.append("retired_at")
    version.save(update_fields=fields)
    activity_record(
        actor=by, verb=f"catalogue.{to}", target=version, data={"before": before, "after": to}
    )
    return version


@transaction.atomic
def catalogue_publish(*, version: CatalogueVersion, by: User | None) -> CatalogueVersion:
    """Publish a draft: from now on it is immutable and the current public catalogue."""
    problems = []
    if not version.categories.exists():
        problems.append(_("it has no categories"))
    if not version.criteria.exists():
        problems.append(_("it has no criteria"))
    if version.criteria.filter(**{f"text_{lang}": "" for lang in CONTENT_LANGUAGES}).exists():
        problems.append(_("a criterion has no text in any language"))
    # What the import would refuse, publishing refuses too: a published version always
    # exports to a file that imports again.
    if version.categories.filter(criteria__isnull=True).exists():
        problems.append(_("a category has no criteria"))
    if AssessmentCriterion.objects.filter(scheme__version=version, verifies__isnull=True).exists():
        problems.append(_("an assessment criterion verifies no CPO criterion"))
    if problems:
        raise DomainError(
            _("Version %(version)s cannot be published: %(problems)s.")
            % {"version": version.code, "problems": "; ".join(problems)}
        )
    version = _transition(version, VersionStatus.PUBLISHED, by=by)
    # The apps on top (signees: notices to signees, statement updates) queue their work.
    version_published(version)
    return version


@transaction.atomic
def catalogue_retire(*, version: CatalogueVersion, by: User | None) -> CatalogueVersion:
    """Retire a published version; its pages stay public for the certificates that cite it."""
    return _transition(version, VersionStatus.RETIRED, by=by)


def _write_content(version: CatalogueVersion, canonical: dict[str, Any]) -> None:
    """Create categories, criteria, schemes and mappings of a canonical payload."""

    def texts(prefix: str, values: dict[str, str]) -> dict[str, str]:
        return {f"{prefix}_{lang}": values.get(lang, "") for lang in CONTENT_LANGUAGES}

    categories: dict[str, Category] = {}
    criteria: list[Criterion] = []
    for position, c in enumerate(canonical["categories"]):
        category = Category.objects.create(
            version=version,
            number=c["number"],
            key=c["key"],
            position=position,
            **texts("title", c["title"]),
            **texts("description", c["description"]),
        )
        categories[c["number"]] = category
        for pos, cr in enumerate(c["criteria"]):
            criteria.append(
                Criterion(
                    version=version,
                    category=category,
                    code=cr["code"],
                    obligation=cr["obligation"],
                    applies_to=cr["applies_to"],
                    justification_required=cr["justification_required"],
                    evidence_required=cr["evidence_required"],
                    na_allowed=cr["not_applicable_allowed"],
                    position=pos,
                    **texts("title", cr["title"]),
                    **texts("text", cr["text"]),
                )
            )
    by_code = {c.code: c for c in Criterion.objects.bulk_create(criteria)}
    if any(c.pk is None for c in by_code.values()):  # backends without RETURNING
        by_code = {c.code: c for c in version.criteria.all()}

    mappings = []
    for s in canonical["schemes"]:
        scheme = AssessmentScheme.objects.create(
            version=version,
            kind=s["kind"],
            should_share=str(s["pass_rule"]["should_share"]),
            validity_months=s["pass_rule"]["validity_months"],
            surveillance_months=s["pass_rule"]["surveillance_months"],
            **texts("title", s["title"]),
        )
        for position, a in enumerate(s["subject_areas"]):
            area_category = categories.get(a.get("category", ""))
            title = a.get("title") or {}
            area = SubjectArea.objects.create(
                scheme=scheme,
                number=a.get("number") or a.get("category"),
                category=area_category,
                position=position,
                **texts("title", title),
            )
            for pos, ac in enumerate(a["criteria"]):
                assessment = AssessmentCriterion.objects.create(
                    scheme=scheme,
                    area=area,
                    code=ac["code"],
                    obligation=ac["obligation"],
                    justification_required=ac["justification_required"],
                    evidence_required=ac["evidence_required"],
                    na_allowed=ac["not_applicable_allowed"],
                    position=pos,
                    **texts("title", ac["title"]),
                    **texts("text", ac["text"]),
                )
                mappings += [
                    AssessmentCriterion.verifies.through(
                        assessmentcriterion_id=assessment.pk, criterion_id=by_code[code].pk
                    )
                    for code in ac["verifies"]
                ]
    AssessmentCriterion.verifies.through.objects.bulk_create(mappings)


def _clear_content(version: CatalogueVersion) -> None:
    version.schemes.all().delete()
    version.criteria.all().delete()
    version.categories.all().delete()


def _apply_header(version: CatalogueVersion, canonical: dict[str, Any]) -> None:
    for lang in CONTENT_LANGUAGES:
        setattr(version, f"title_{lang}", canonical["title"].get(lang, ""))
        setattr(version, f"notes_{lang}", canonical["notes"].get(lang, ""))
    version.languages = canonical["languages"]
    version.is_demo = canonical["demo"]


@transaction.atomic
def catalogue_import(
    *, data: dict[str, Any], by: User | None, publish: bool = False
) -> tuple[CatalogueVersion, str]:
    """Import a parsed payload; returns the version and "created", "replaced" or "unchanged".

    Refused as a whole (CatalogueInvalid, nothing written) when the payload has any error.
    """
    canonical = normalize(data)
    digest = content_hash(canonical)
    version = CatalogueVersion.objects.select_for_update().filter(code=canonical["version"]).first()
    if version is not None and version.content_hash == digest:
        outcome = "unchanged"
    elif version is not None:
        if version.status != VersionStatus.DRAFT:
            message = _(
                "Version %(version)s is %(status)s and cannot be changed; "
                "import the new text under a new version."
            ) % {"version": version.code, "status": status_in_sentence(version.status)}
            raise CatalogueInvalid([ImportError_("version", message)])
        _clear_content(version)
        _apply_header(version, canonical)
        version.content_hash = digest
        version.save()
        _write_content(version, canonical)
        outcome = "replaced"
    else:
        version = CatalogueVersion(code=canonical["version"], content_hash=digest)
        _apply_header(version, canonical)
        version.full_clean()
        version.save()
        _write_content(version, canonical)
        outcome = "created"
    if outcome != "unchanged":
        activity_record(
            actor=by,
            verb=f"catalogue.imported_{outcome}",
            target=version,
            data={
                "sha256": digest,
                "criteria": sum(len(c["criteria"]) for c in canonical["categories"]),
            },
        )
    if publish and version.status == VersionStatus.DRAFT:
        version = catalogue_publish(version=version, by=by)
    return version, outcome


@transaction.atomic
def catalogue_create_draft(
    *, source: CatalogueVersion, code: str, by: User | None
) -> CatalogueVersion:
    """Clone a version (any status) into a new draft under a new version code."""
    if CatalogueVersion.objects.filter(code=code).exists():
        raise DomainError(_("Version %(version)s already exists.") % {"version": code})
    if code in RESERVED_VERSION_CODES:
        raise DomainError(
            _("“%(version)s” is reserved; choose another version.") % {"version": code}
        )
    canonical = catalogue_as_canonical(source)
    canonical["version"] = code
    draft = CatalogueVersion(code=code, cloned_from=source)
    _apply_header(draft, canonical)
    draft.full_clean()
    draft.save()
    _write_content(draft, canonical)
    draft.content_hash = content_hash(canonical)
    draft.save(update_fields=["content_hash"])
    activity_record(
        actor=by, verb="catalogue.draft_created", target=draft, data={"from": source.code}
    )
    return draft


def mark_edited(version: CatalogueVersion) -> None:
    # Edited drafts no longer match any imported file.
    CatalogueVersion.objects.filter(pk=version.pk).update(content_hash="")


# What criterion_save accepts, in form order (the admin and the office forms use it too).
CRITERION_EDITABLE_FIELDS: tuple[str, ...] = (
    "category",
    "code",
    "title_en",
    "title_de",
    "text_en",
    "text_de",
    "obligation",
    "applies_to",
    "justification_required",
    "evidence_required",
    "na_allowed",
    "position",
)


@transaction.atomic
def criterion_save(
    *, version: CatalogueVersion, by: User | None, criterion: Criterion | None = None, **fields: Any
) -> Criterion:
    """Create or change a criterion of a draft; the log keeps before and after."""
    ensure_draft(version)
    unknown = set(fields) - set(CRITERION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not a criterion field: {', '.join(sorted(unknown))}")
    creating = criterion is None
    criterion = criterion or Criterion(version=version)
    if criterion.version_id != version.pk:
        raise DomainError(_("That criterion belongs to another version."))
    before = {f: getattr(criterion, f"{f}_id" if f == "category" else f, None) for f in fields}
    for field, value in fields.items():
        setattr(criterion, field, value)
    if criterion.category.version_id != version.pk:
        raise DomainError(_("That category belongs to another version."))
    foreign = [
        lang
        for lang in CONTENT_LANGUAGES
        if lang not in version.languages
        and (getattr(criterion, f"title_{lang}") or getattr(criterion, f"text_{lang}"))
    ]
    if foreign:
        raise DomainError(
            _("This catalogue has no texts in %(languages)s.") % {"languages": ", ".join(foreign)}
        )
    if not any(getattr(criterion, f"text_{lang}") for lang in version.languages):
        raise DomainError(_("A criterion needs a text in at least one language."))
    criterion.full_clean()
    criterion.save()
    mark_edited(version)
    after = {f: getattr(criterion, f"{f}_id" if f == "category" else f) for f in fields}
    activity_record(
        actor=by,
        verb="criterion.created" if creating else "criterion.updated",
        target=criterion,
        data={"version": version.code, "before": before, "after": after},
    )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, by: User | None) -> None:
    ensure_draft(criterion.version)
    code, version = criterion.code, criterion.version
    criterion.delete()
    mark_edited(version)
    activity_record(
        actor=by, verb="criterion.deleted", data={"version": version.code, "code": code}
    )


@transaction.atomic
def category_save(*, category: Category, by: User | None, **fields: Any) -> Category:
    ensure_draft(category.version)
    allowed = {"title_en", "title_de", "description_en", "description_de"}
    if set(fields) - allowed:
        raise TypeError("only titles and descriptions of a category can be edited")
    for field, value in fields.items():
        setattr(category, field, value)
    category.full_clean()
    category.save(update_fields=list(fields))
    mark_edited(category.version)
    activity_record(actor=by, verb="category.updated", target=category, data=fields)
    return category


@transaction.atomic
def catalogue_pdf_request(*, version: CatalogueVersion, language: str) -> Document:
    """The printable edition of a published version in `language`: the existing document, or
    one requested now (rendered after commit). One per version and language, also when two
    visitors ask at once (the version row is locked); a failed rendering is tried again once
    it has rested as long as the sweeper lets a stuck one."""
    if language not in PDF_LANGUAGES:
        raise DomainError(_("The catalogue is printed in English and German only."))
    version = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in PUBLIC_VERSION_STATUSES:
        raise DomainError(_("Only a published catalogue version is printed."))
    document = catalogue_pdf_document(version, language)
    if document is None:
        with translation.override(language):
            title = _("CPO catalogue, version %(version)s") % {"version": version.code}
        return document_request(
            kind=CATALOGUE_DOCUMENT_KIND,
            owner=version,
            organization=None,
            title=title,
            language=language,
            by=None,
        )
    rested = timezone.now() - timedelta(seconds=settings.DOCUMENT_STUCK_AFTER_SECONDS)
    if document.status == DocumentStatus.FAILED and document.status_changed_at < rested:
        return document_rerender(document=document, by=None)
    return document
