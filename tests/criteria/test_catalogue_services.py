"""Catalogue services: lifecycle, immutability of public versions, import, cloning, editing."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from criteria.interchange import CatalogueInvalid, content_hash, normalize
from criteria.models import (
    AssessmentCriterion,
    CatalogueVersion,
    Criterion,
    Obligation,
    VersionStatus,
)
from criteria.selectors.catalogue import catalogue_as_canonical, current_published_version
from criteria.services.catalogue import (
    _transition,
    catalogue_create_draft,
    catalogue_import,
    catalogue_publish,
    catalogue_retire,
    category_save,
    criterion_delete,
    criterion_save,
)
from criteria.services.schemes import assessment_criterion_map, scheme_save
from tests.criteria.factories import CatalogueVersionFactory, CriterionFactory, build_version
from tests.criteria.helpers import content_counts, two_category_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office_user_without_mfa):
    return office_user_without_mfa


@pytest.fixture
def draft(office) -> CatalogueVersion:
    version, _outcome = catalogue_import(data=two_category_payload("draft-1"), by=office)
    return version


@pytest.fixture
def published(draft, office) -> CatalogueVersion:
    return catalogue_publish(version=draft, by=office)


def activity(verb: str | None = None) -> list[ActivityEntry]:
    with scopes_disabled():
        qs = ActivityEntry.objects.order_by("id")
        return list(qs.filter(verb=verb) if verb else qs)


def reload(version: CatalogueVersion) -> CatalogueVersion:
    return CatalogueVersion.objects.get(pk=version.pk)


# --- Lifecycle ---------------------------------------------------------------------------


def test_lifecycle_runs_from_draft_to_published_to_retired(draft, office):
    assert draft.status == VersionStatus.DRAFT

    published = catalogue_publish(version=draft, by=office)
    assert reload(draft).status == VersionStatus.PUBLISHED
    assert published.is_public and not published.is_draft

    retired = catalogue_retire(version=published, by=office)
    stored = reload(draft)
    assert stored.status == VersionStatus.RETIRED
    assert stored.retired_at is not None
    assert stored.published_at == published.published_at  # retiring keeps the publication
    assert retired.is_public


def test_publish_sets_published_at_and_by_and_logs_before_and_after(draft, office):
    started = timezone.now()

    catalogue_publish(version=draft, by=office)

    stored = reload(draft)
    assert started <= stored.published_at <= timezone.now()
    assert stored.published_by == office
    [entry] = activity("catalogue.published")
    assert entry.actor == office
    assert entry.target_id == str(draft.pk)
    assert entry.data == {"before": "draft", "after": "published"}


def test_retire_sets_retired_at_and_logs_before_and_after(published, office):
    catalogue_retire(version=published, by=office)

    assert reload(published).retired_at is not None
    [entry] = activity("catalogue.retired")
    assert entry.data == {"before": "published", "after": "retired"}


def test_publishing_a_published_version_is_refused(published, office):
    with pytest.raises(TransitionNotAllowed):
        catalogue_publish(version=published, by=office)
    assert len(activity("catalogue.published")) == 1


def test_retired_version_cannot_be_published_again(published, office):
    retired = catalogue_retire(version=published, by=office)

    with pytest.raises(TransitionNotAllowed):
        catalogue_publish(version=retired, by=office)
    assert reload(retired).status == VersionStatus.RETIRED


def test_draft_cannot_be_retired(draft, office):
    with pytest.raises(TransitionNotAllowed):
        catalogue_retire(version=draft, by=office)

    stored = reload(draft)
    assert stored.status == VersionStatus.DRAFT
    assert stored.retired_at is None
    assert activity("catalogue.retired") == []


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "draft"),
        ("draft", "retired"),
        ("published", "draft"),
        ("published", "published"),
        ("retired", "draft"),
        ("retired", "published"),
        ("retired", "retired"),
    ],
)
def test_only_the_two_lifecycle_edges_exist(start, to, office):
    version = CatalogueVersionFactory(status=start)
    entries_before = len(activity())

    with pytest.raises(TransitionNotAllowed):
        _transition(version, to, by=office)

    assert reload(version).status == start
    assert len(activity()) == entries_before


def test_publishing_an_empty_draft_is_refused(office):
    empty = CatalogueVersionFactory()

    with pytest.raises(DomainError) as excinfo:
        catalogue_publish(version=empty, by=office)

    assert "no categories" in str(excinfo.value.message)
    assert "no criteria" in str(excinfo.value.message)
    stored = reload(empty)
    assert stored.status == VersionStatus.DRAFT
    assert stored.published_at is None
    assert activity("catalogue.published") == []


def test_publishing_a_draft_with_a_textless_criterion_is_refused(office):
    criterion = CriterionFactory(text_en="", text_de="")

    with pytest.raises(DomainError, match="no text in any language"):
        catalogue_publish(version=criterion.version, by=office)
    assert reload(criterion.version).status == VersionStatus.DRAFT


def test_current_published_version_is_the_latest_published_not_retired(office):
    assert current_published_version() is None
    older = catalogue_publish(version=CriterionFactory().version, by=office)
    newer = catalogue_publish(version=CriterionFactory().version, by=office)
    CriterionFactory()  # a draft never counts
    CatalogueVersion.objects.filter(pk=older.pk).update(
        published_at=timezone.now() - timedelta(days=30)
    )

    assert current_published_version() == newer

    catalogue_retire(version=newer, by=office)
    assert current_published_version() == older

    catalogue_retire(version=older, by=office)
    assert current_published_version() is None


# --- Immutability of published and retired versions --------------------------------------


def _create_criterion(version: CatalogueVersion, by: Any) -> None:
    criterion_save(
        version=version,
        by=by,
        category=version.categories.get(number="2.1"),
        code="2.1.9",
        title_en="New",
        text_en="A new criterion.",
        obligation=Obligation.MAY,
        applies_to=["it_vendor"],
    )


def _update_criterion(version: CatalogueVersion, by: Any) -> None:
    criterion = version.criteria.get(code="2.1.1")
    criterion.version = version  # the caller's copy of the version, stale or not
    criterion_save(version=version, by=by, criterion=criterion, obligation=Obligation.MAY)


def _delete_criterion(version: CatalogueVersion, by: Any) -> None:
    criterion = version.criteria.get(code="2.1.1")
    criterion.version = version
    criterion_delete(criterion=criterion, by=by)


def _save_category(version: CatalogueVersion, by: Any) -> None:
    category = version.categories.get(number="2.1")
    category.version = version
    category_save(category=category, by=by, title_en="Changed")


def _save_scheme(version: CatalogueVersion, by: Any) -> None:
    scheme = version.schemes.get(kind="product")
    scheme.version = version
    scheme_save(scheme=scheme, by=by, validity_months=24)


def _map_assessment(version: CatalogueVersion, by: Any) -> None:
    assessment = AssessmentCriterion.objects.select_related("scheme").get(
        scheme__version=version, code="O-5.1"
    )
    assessment.scheme.version = version
    assessment_criterion_map(assessment=assessment, criteria=list(version.criteria.all()), by=by)


CONTENT_EDITS: list[Callable[[CatalogueVersion, Any], None]] = [
    _create_criterion,
    _update_criterion,
    _delete_criterion,
    _save_category,
    _save_scheme,
    _map_assessment,
]


def _snapshot(version: CatalogueVersion) -> tuple[Any, ...]:
    stored = reload(version)
    return (
        catalogue_as_canonical(stored),
        stored.content_hash,
        content_counts(),
        len(activity()),
    )


@pytest.mark.parametrize("edit", CONTENT_EDITS, ids=lambda f: f.__name__.strip("_"))
def test_every_content_edit_works_on_a_draft(draft, office, edit):
    before = _snapshot(draft)

    edit(reload(draft), office)

    assert _snapshot(draft) != before
    assert reload(draft).content_hash == ""  # no longer matches any imported file


@pytest.mark.parametrize("status", [VersionStatus.PUBLISHED, VersionStatus.RETIRED])
@pytest.mark.parametrize("edit", CONTENT_EDITS, ids=lambda f: f.__name__.strip("_"))
def test_every_content_edit_of_a_public_version_is_refused_and_changes_nothing(
    published, office, edit, status
):
    version = published
    if status == VersionStatus.RETIRED:
        version = catalogue_retire(version=published, by=office)
    before = _snapshot(version)

    with pytest.raises(DomainError, match="cannot be changed"):
        edit(version, office)

    assert _snapshot(version) == before


@pytest.mark.parametrize("edit", CONTENT_EDITS, ids=lambda f: f.__name__.strip("_"))
def test_content_edit_with_a_stale_draft_object_is_refused_after_publication(draft, office, edit):
    stale = reload(draft)
    catalogue_publish(version=reload(draft), by=office)
    assert stale.status == VersionStatus.DRAFT  # the caller's copy has not seen the publish
    before = _snapshot(draft)

    with pytest.raises(DomainError, match="cannot be changed"):
        edit(stale, office)

    assert _snapshot(draft) == before


def test_saving_a_public_versions_criterion_through_a_draft_is_refused(published, office):
    other_draft = CatalogueVersionFactory()
    criterion = published.criteria.get(code="2.1.1")
    before = _snapshot(published)

    with pytest.raises(DomainError, match="another version"):
        criterion_save(version=other_draft, by=office, criterion=criterion, obligation="may")

    assert _snapshot(published) == before


def test_importing_a_changed_file_for_a_published_version_is_refused_at_version(published, office):
    payload = two_category_payload("draft-1")
    payload["categories"][0]["criteria"][0]["obligation"] = "should"
    before = _snapshot(published)

    with pytest.raises(CatalogueInvalid) as excinfo:
        catalogue_import(data=payload, by=office)

    [error] = excinfo.value.errors
    assert error.path == "version"
    assert "published" in error.reason
    assert "new version" in error.reason
    assert _snapshot(published) == before


@pytest.mark.parametrize("status", [VersionStatus.PUBLISHED, VersionStatus.RETIRED])
def test_importing_an_identical_file_for_a_public_version_is_unchanged(published, office, status):
    if status == VersionStatus.RETIRED:
        catalogue_retire(version=published, by=office)
    before = _snapshot(published)

    version, outcome = catalogue_import(data=two_category_payload("draft-1"), by=office)

    assert outcome == "unchanged"
    assert version.pk == published.pk
    assert version.status == status
    assert _snapshot(published) == before


# --- Import behaviour --------------------------------------------------------------------


def test_import_of_a_new_version_creates_a_draft_and_logs_it(office):
    payload = two_category_payload("new-1")

    version, outcome = catalogue_import(data=payload, by=office)

    assert outcome == "created"
    assert version.status == VersionStatus.DRAFT
    canonical = normalize(two_category_payload("new-1"))
    assert catalogue_as_canonical(version) == canonical
    assert version.content_hash == content_hash(canonical)
    assert version.languages == ["en", "de"]
    assert version.title_de == "Testkatalog"
    [entry] = activity("catalogue.imported_created")
    assert entry.actor == office
    assert entry.data == {"sha256": version.content_hash, "criteria": 4}


def test_importing_the_identical_file_again_is_unchanged_without_new_rows_or_entries(draft, office):
    pks = sorted(Criterion.objects.values_list("pk", flat=True))
    before = _snapshot(draft)

    version, outcome = catalogue_import(data=two_category_payload("draft-1"), by=office)

    assert outcome == "unchanged"
    assert version.pk == draft.pk
    assert _snapshot(draft) == before
    assert sorted(Criterion.objects.values_list("pk", flat=True)) == pks


def test_importing_a_changed_file_for_a_draft_replaces_its_content(draft, office):
    payload = two_category_payload("draft-1")
    payload["title"] = {"en": "Second take", "de": "Zweiter Versuch"}
    payload["categories"][1]["criteria"].pop()  # 2.4.2 goes
    payload["categories"][0]["criteria"][0]["text"]["en"] = "Reworded text."

    version, outcome = catalogue_import(data=payload, by=office)

    assert outcome == "replaced"
    assert version.pk == draft.pk
    assert version.status == VersionStatus.DRAFT
    assert catalogue_as_canonical(reload(draft)) == normalize(payload)
    assert reload(draft).title_en == "Second take"
    assert not Criterion.objects.filter(version=draft, code="2.4.2").exists()
    assert Criterion.objects.filter(version=draft).count() == 3
    [entry] = activity("catalogue.imported_replaced")
    assert entry.data["criteria"] == 3
    assert entry.data["sha256"] == reload(draft).content_hash


def test_import_with_publish_publishes_the_new_version(office):
    version, outcome = catalogue_import(data=two_category_payload("pub-1"), by=office, publish=True)

    assert outcome == "created"
    assert version.status == VersionStatus.PUBLISHED
    assert reload(version).published_by == office
    assert [e.verb for e in activity()] == ["catalogue.imported_created", "catalogue.published"]


def test_import_with_publish_of_an_unchanged_published_version_does_nothing(published, office):
    before = _snapshot(published)

    version, outcome = catalogue_import(
        data=two_category_payload("draft-1"), by=office, publish=True
    )

    assert (outcome, version.status) == ("unchanged", VersionStatus.PUBLISHED)
    assert _snapshot(published) == before


def test_one_language_catalogue_imports_and_falls_back_to_german(office):
    version, outcome = catalogue_import(
        data=two_category_payload("de-only", languages=("de",)), by=office
    )

    assert outcome == "created"
    assert version.languages == ["de"]
    criterion = version.criteria.get(code="2.1.1")
    assert criterion.text_en == ""
    text = criterion.localized("text", "en")
    assert text == "Das System exportiert seine Daten in einem neutralen Format."
    assert text.language == "de"
    assert text.is_fallback is True
    german = criterion.localized("text", "de")
    assert german.is_fallback is False
    assert catalogue_as_canonical(version)["languages"] == ["de"]


def test_an_edited_draft_no_longer_matches_its_file_and_reimport_replaces_the_edit(draft, office):
    criterion = draft.criteria.get(code="2.1.1")
    criterion_save(version=draft, by=office, criterion=criterion, obligation="may")

    _version, outcome = catalogue_import(data=two_category_payload("draft-1"), by=office)

    assert outcome == "replaced"
    assert draft.criteria.get(code="2.1.1").obligation == "shall"


# --- Clone -------------------------------------------------------------------------------


def _criterion_fields(version: CatalogueVersion) -> list[tuple[Any, ...]]:
    return [
        (
            c.category.number,
            c.code,
            c.title_en,
            c.title_de,
            c.text_en,
            c.text_de,
            c.obligation,
            c.applies_to,
            c.justification_required,
            c.evidence_required,
            c.na_allowed,
            c.position,
        )
        for c in version.criteria.select_related("category").order_by("category__position", "pk")
    ]


def test_create_draft_copies_the_whole_version_into_a_new_draft(published, office):
    source_before = _snapshot(published)

    clone = catalogue_create_draft(source=published, code="draft-2", by=office)

    assert clone.status == VersionStatus.DRAFT
    assert clone.cloned_from == published
    assert clone.published_at is None
    source_canonical = catalogue_as_canonical(published)
    clone_canonical = catalogue_as_canonical(clone)
    assert clone_canonical == {**source_canonical, "version": "draft-2"}
    assert _criterion_fields(clone) == _criterion_fields(published)
    assert (clone.title_en, clone.notes_de, clone.languages, clone.is_demo) == (
        published.title_en,
        published.notes_de,
        published.languages,
        published.is_demo,
    )
    assert clone.categories.count() == published.categories.count()
    assert clone.schemes.count() == 2
    assert AssessmentCriterion.objects.filter(scheme__version=clone).count() == 2
    links = AssessmentCriterion.verifies.through.objects
    assert links.filter(criterion__version=clone).count() == 3
    assert not links.filter(
        criterion__version=clone, assessmentcriterion__scheme__version=published
    )
    assert clone.content_hash == content_hash(clone_canonical)
    # The source is untouched (apart from the new activity entry).
    canonical, digest, _counts, _entries = _snapshot(published)
    assert (canonical, digest) == source_before[:2]
    assert reload(published).status == VersionStatus.PUBLISHED
    [entry] = activity("catalogue.draft_created")
    assert entry.data == {"from": "draft-1"}


def test_create_draft_clone_can_be_edited_while_the_source_stays_immutable(published, office):
    clone = catalogue_create_draft(source=published, code="draft-2", by=office)

    criterion_save(
        version=clone, by=office, criterion=clone.criteria.get(code="2.1.1"), obligation="may"
    )

    assert clone.criteria.get(code="2.1.1").obligation == "may"
    assert published.criteria.get(code="2.1.1").obligation == "shall"


def test_create_draft_with_an_existing_code_is_refused(published, office):
    before = content_counts()

    with pytest.raises(DomainError, match="already exists"):
        catalogue_create_draft(source=published, code="draft-1", by=office)

    assert content_counts() == before
    assert activity("catalogue.draft_created") == []


# --- Editing drafts ----------------------------------------------------------------------


def test_criterion_save_creates_a_criterion_and_logs_it(draft, office):
    category = draft.categories.get(number="2.4")

    criterion = criterion_save(
        version=draft,
        by=office,
        category=category,
        code="2.4.3",
        title_en="Versioned interfaces",
        text_de="Schnittstellen sind versioniert.",
        obligation=Obligation.SHOULD,
        applies_to=["it_vendor"],
        position=5,
    )

    stored = Criterion.objects.get(pk=criterion.pk)
    assert (stored.version, stored.category, stored.code) == (draft, category, "2.4.3")
    assert stored.text_de == "Schnittstellen sind versioniert."
    [entry] = activity("criterion.created")
    assert entry.actor == office
    assert entry.data["version"] == "draft-1"
    assert entry.data["before"]["code"] == ""  # a new criterion has no values yet
    assert entry.data["before"]["category"] is None
    assert entry.data["after"]["code"] == "2.4.3"
    assert entry.data["after"]["category"] == category.pk
    assert entry.data["after"]["obligation"] == "should"


def test_criterion_save_updates_and_logs_before_and_after(draft, office):
    criterion = draft.criteria.get(code="2.1.1")

    criterion_save(
        version=draft,
        by=office,
        criterion=criterion,
        obligation=Obligation.SHOULD,
        text_en="Reworded.",
    )

    stored = Criterion.objects.get(pk=criterion.pk)
    assert (stored.obligation, stored.text_en) == ("should", "Reworded.")
    [entry] = activity("criterion.updated")
    assert entry.data["before"] == {
        "obligation": "shall",
        "text_en": "The system exports its data in a neutral format.",
    }
    assert entry.data["after"] == {"obligation": "should", "text_en": "Reworded."}


def test_criterion_without_any_text_is_refused_on_create(draft, office):
    before = _snapshot(draft)

    with pytest.raises(DomainError, match="text in at least one language"):
        criterion_save(
            version=draft,
            by=office,
            category=draft.categories.first(),
            code="2.1.9",
            title_en="Empty",
            obligation="may",
        )

    assert _snapshot(draft) == before


def test_criterion_update_that_removes_every_text_is_refused(draft, office):
    criterion = draft.criteria.get(code="2.1.1")
    before = _snapshot(draft)

    with pytest.raises(DomainError, match="text in at least one language"):
        criterion_save(version=draft, by=office, criterion=criterion, text_en="", text_de="")

    assert _snapshot(draft) == before


def test_criterion_with_a_category_of_another_version_is_refused(draft, office):
    other = catalogue_create_draft(source=draft, code="other-1", by=office)
    before = (_snapshot(draft), _snapshot(other))

    with pytest.raises(DomainError, match="category belongs to another version"):
        criterion_save(
            version=draft,
            by=office,
            criterion=draft.criteria.get(code="2.1.1"),
            category=other.categories.get(number="2.4"),
        )
    with pytest.raises(DomainError, match="category belongs to another version"):
        criterion_save(
            version=other,
            by=office,
            category=draft.categories.get(number="2.4"),
            code="2.4.9",
            text_en="Text.",
            obligation="may",
        )

    assert (_snapshot(draft), _snapshot(other)) == before
    assert not Criterion.objects.filter(code="2.4.9").exists()


def test_criterion_save_refuses_a_code_that_exists_in_the_version(draft, office):
    before = _snapshot(draft)

    with pytest.raises(ValidationError, match="already exists"):
        criterion_save(
            version=draft,
            by=office,
            category=draft.categories.get(number="2.4"),
            code="2.1.1",
            text_en="Same code again.",
            obligation="may",
            applies_to=["it_vendor"],
        )

    assert _snapshot(draft) == before


def test_criterion_save_refuses_a_field_that_is_not_a_criterion_field(draft, office):
    criterion = draft.criteria.get(code="2.1.1")

    with pytest.raises(TypeError, match="not a criterion field"):
        criterion_save(version=draft, by=office, criterion=criterion, version_id=99)


def test_criterion_save_validates_the_obligation(draft, office):
    criterion = draft.criteria.get(code="2.1.1")

    with pytest.raises(ValidationError):
        criterion_save(version=draft, by=office, criterion=criterion, obligation="must")

    assert Criterion.objects.get(pk=criterion.pk).obligation == "shall"


def test_criterion_delete_removes_it_and_logs_the_code(draft, office):
    criterion = draft.criteria.get(code="2.4.1")

    criterion_delete(criterion=criterion, by=office)

    assert not draft.criteria.filter(code="2.4.1").exists()
    # Its mapping links go with it.
    assert not AssessmentCriterion.verifies.through.objects.filter(criterion__code="2.4.1")
    [entry] = activity("criterion.deleted")
    assert entry.data == {"version": "draft-1", "code": "2.4.1"}


def test_category_save_changes_titles_and_refuses_structural_fields(draft, office):
    category = draft.categories.get(number="2.4")

    category_save(category=category, by=office, title_en="Interfaces (APIs)")
    with pytest.raises(TypeError):
        category_save(category=category, by=office, number="9.9")

    stored = draft.categories.get(pk=category.pk)
    assert (stored.title_en, stored.number) == ("Interfaces (APIs)", "2.4")
    [entry] = activity("category.updated")
    assert entry.details == {"title_en": "Interfaces (APIs)"}


def test_publishing_refuses_what_the_import_would_refuse(db):
    """An emptied category or an unmapped assessment criterion would not round-trip."""
    from cpo_portal.errors import DomainError
    from criteria.models import AssessmentCriterion
    from criteria.services.catalogue import catalogue_publish, criterion_delete

    version = build_version("hollow-1", 7)
    only = version.criteria.order_by("position").first()
    criterion_delete(criterion=only, by=None)
    with pytest.raises(DomainError) as refused:
        catalogue_publish(version=version, by=None)
    assert "a category has no criteria" in str(refused.value)
    assert "verifies no CPO criterion" in str(refused.value)
    assert AssessmentCriterion.objects.filter(scheme__version=version).exists()
    version.refresh_from_db()
    assert version.is_draft
