"""Reads of CPO Statements: the workspace's own statements, the public ones, the deadline.

Public readers only ever reach published (or superseded) statements of approved signees;
the functions that serve them say so in their name.
"""

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Membership, Role
from criteria.diff import CatalogueDiff, CriterionChange, catalogue_diff
from criteria.models import CatalogueVersion, Category, Criterion, VersionStatus
from criteria.selectors.catalogue import current_published_version

from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Fulfilment,
    Signee,
    SigneeGroup,
    SigneeStatus,
    Statement,
    StatementAnswer,
    StatementKind,
    StatementStatus,
)

STATEMENT_DOCUMENT_KIND = "cpo_statement"


@dataclass
class Row:
    """One criterion of the statement and the answer given to it (if any)."""

    criterion: Criterion
    answer: StatementAnswer | None


@dataclass
class Block:
    category: Category
    rows: list[Row]


@dataclass
class Progress:
    answered: int
    total: int
    missing: list[Criterion] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.answered >= self.total


@dataclass
class StatementView:
    """A statement with its criteria in display order, read in a fixed number of queries."""

    statement: Statement
    blocks: list[Block]
    progress: Progress


# --- the workspace ------------------------------------------------------------------------


def statements_of_signee(signee: Signee) -> list[Statement]:
    """Every version, newest first (the draft, if any, on top)."""
    with scope(organization=signee.organization):
        statements = list(
            Statement.objects.filter(signee=signee)
            .select_related("catalogue_version")
            .order_by("-number")
        )
    for statement in statements:
        statement.signee = signee
    return statements


def statement_of_signee(signee: Signee, number: int) -> Statement | None:
    with scope(organization=signee.organization):
        statement = (
            Statement.objects.filter(signee=signee, number=number)
            .select_related("catalogue_version")
            .first()
        )
    if statement is not None:
        statement.signee = signee
    return statement


def draft_of_signee(signee: Signee) -> Statement | None:
    with scope(organization=signee.organization):
        statement = (
            Statement.objects.filter(signee=signee, status=StatementStatus.DRAFT)
            .select_related("catalogue_version")
            .first()
        )
    if statement is not None:
        statement.signee = signee
    return statement


def applicable_criteria(statement: Statement) -> list[Criterion]:
    """The criteria of the statement's catalogue version that apply to the signee's group."""
    group = statement.signee.group
    criteria = (
        Criterion.objects.filter(version_id=statement.catalogue_version_id)
        .select_related("category")
        .order_by("category__position", "position")
    )
    # applies_to is a short JSON list; filtered in Python for SQLite/PostgreSQL parity.
    return [c for c in criteria if group in c.applies_to]


def _answers(statement: Statement) -> dict[int, StatementAnswer]:
    with scope(organization=statement.signee.organization):
        return {a.criterion_id: a for a in StatementAnswer.objects.filter(statement=statement)}


def statement_progress(statement: Statement) -> Progress:
    """How many applicable criteria are answered: publishing needs all of them."""
    answers = _answers(statement)
    criteria = applicable_criteria(statement)
    missing = [c for c in criteria if c.pk not in answers]
    return Progress(answered=len(criteria) - len(missing), total=len(criteria), missing=missing)


def statement_view(statement: Statement) -> StatementView:
    """Criteria grouped by category with their answers: two queries, whatever the size."""
    answers = _answers(statement)
    criteria = applicable_criteria(statement)
    blocks = [
        Block(category=category, rows=[Row(c, answers.get(c.pk)) for c in group])
        for category, group in groupby(criteria, key=lambda c: c.category)
    ]
    missing = [c for c in criteria if c.pk not in answers]
    progress = Progress(answered=len(criteria) - len(missing), total=len(criteria), missing=missing)
    return StatementView(statement=statement, blocks=blocks, progress=progress)


def statement_row(statement: Statement, criterion_id: int) -> Row | None:
    """One row of the editor (after an autosave); None if the criterion is not part of it."""
    criterion = next((c for c in applicable_criteria(statement) if c.pk == criterion_id), None)
    if criterion is None:
        return None
    return Row(criterion, _answers(statement).get(criterion.pk))


def statement_documents(statements: list[Statement]) -> dict[int, Document]:
    """The newest rendered-PDF document of each statement, in one query."""
    if not statements:
        return {}
    organization = statements[0].signee.organization
    owner_type = ContentType.objects.get_for_model(Statement)
    with scope(organization=organization):
        documents = Document.objects.filter(
            kind=STATEMENT_DOCUMENT_KIND,
            owner_type=owner_type,
            owner_id__in=[str(s.pk) for s in statements],
        ).order_by("created_at", "pk")
        return {int(d.owner_id): d for d in documents}


def statement_document(statement: Statement) -> Document | None:
    return statement_documents([statement]).get(statement.pk)


# --- the deadline -------------------------------------------------------------------------


def has_public_statement(signee: Signee) -> bool:
    """Whether the signee has published a CPO Statement: its deadline is met for good."""
    with scopes_disabled():
        return Statement.objects.filter(
            signee=signee, status__in=PUBLIC_STATEMENT_STATUSES
        ).exists()


def open_statement_due(signee: Signee | None) -> date | None:
    """When the signee's CPO Statement is due while it still owes one (nothing published);
    None once it has published one, or when it owes none."""
    if signee is None or signee.statement_due is None or signee.group != SigneeGroup.IT_VENDOR:
        return None
    return None if has_public_statement(signee) else signee.statement_due


# --- the CPO office -----------------------------------------------------------------------


def overdue_statement_signees(today: date | None = None) -> QuerySet[Signee]:
    """IT vendors whose statement deadline has passed with nothing published (office flag)."""
    today = today or timezone.localdate()
    with scopes_disabled():
        return (
            Signee.objects.filter(
                group=SigneeGroup.IT_VENDOR,
                status__in=SIGNED_STATUSES,
                statement_due__lt=today,
            )
            .exclude(statements__status__in=PUBLIC_STATEMENT_STATUSES)
            .select_related("organization")
            .order_by("statement_due", "pk")
        )


# --- the public ---------------------------------------------------------------------------


def published_statement_for_public(slug: str, number: int | None = None) -> Statement | None:
    """The latest published statement of an approved signee, or one of its earlier versions."""
    with scopes_disabled():
        statements = Statement.objects.filter(
            signee__organization__slug=slug, signee__status=SigneeStatus.APPROVED
        ).select_related("signee__organization", "catalogue_version")
        if number is None:
            return statements.filter(status=StatementStatus.PUBLISHED).first()
        return statements.filter(number=number, status__in=PUBLIC_STATEMENT_STATUSES).first()


def published_versions_for_public(signee: Signee) -> list[Statement]:
    """Every published version of a signee's statement (current and superseded), newest first."""
    with scopes_disabled():
        statements = list(
            Statement.objects.filter(signee=signee, status__in=PUBLIC_STATEMENT_STATUSES)
            .select_related("catalogue_version")
            .order_by("-number")
        )
    for statement in statements:
        statement.signee = signee
    return statements


# --- Following the catalogue ----------------------------------------------------------------
# A statement answers one catalogue version. When the office publishes a newer one, the vendor
# starts the next version of its statement from the old one: an answer is carried over where
# the criterion kept its code and its meaning, and left open where it is new or changed.


def meaning_changed(change: CriterionChange) -> bool:
    """Whether a criterion asks something else now: its wording (title or text, in any
    language) or its obligation changed. A move to another category, other groups or other
    assessment flags leave the question, and so the answer to it, as it was."""
    return change.reworded or change.obligation_changed


def answer_carries_over(fulfilment: str, new: Criterion, change: CriterionChange | None) -> bool:
    """Whether an answer is copied to the same code in the next version: not where the
    meaning changed, nor a "not applicable" the criterion no longer allows."""
    if change is not None and meaning_changed(change):
        return False
    return fulfilment != Fulfilment.NOT_APPLICABLE or new.na_allowed


def statement_version_in_force() -> CatalogueVersion | None:
    """The catalogue version a statement should answer: the one in force."""
    return current_published_version()


def answers_older_version(statement: Statement, in_force: CatalogueVersion | None) -> bool:
    """Whether `statement` answers another catalogue version than the one in force."""
    return in_force is not None and statement.catalogue_version_id != in_force.pk


@dataclass
class ChangedRow:
    """A criterion of the signee's group whose meaning (or only its place) changed."""

    change: CriterionChange
    old_answer: StatementAnswer | None
    carried: bool  # the old answer was copied into the draft


@dataclass
class RemovedRow:
    criterion: Criterion
    old_answer: StatementAnswer | None


@dataclass
class StatementChanges:
    """What changed between the catalogue version of the statement a draft was started from
    and the version the draft answers, seen from the signee's group."""

    based_on: Statement
    old: CatalogueVersion
    new: CatalogueVersion
    added: list[Criterion]
    changed: list[ChangedRow]
    removed: list[RemovedRow]
    unchanged: int

    @property
    def dropped(self) -> list[StatementAnswer]:
        """Old answers not carried into the draft (their criterion changed or went)."""
        return [r.old_answer for r in self.changed if r.old_answer and not r.carried] + [
            r.old_answer for r in self.removed if r.old_answer
        ]

    @property
    def to_answer(self) -> int:
        return len(self.added) + sum(1 for r in self.changed if not r.carried)


def _applies(criterion: Criterion, group: str) -> bool:
    return group in criterion.applies_to


def statement_changes(statement: Statement) -> StatementChanges | None:
    """The differences a draft shows against the statement it was started from; None when it
    was not started from one answering another catalogue version. A fixed number of queries."""
    if statement.based_on_id is None:
        return None
    with scopes_disabled():
        based_on = (
            Statement.objects.select_related("catalogue_version")
            .filter(pk=statement.based_on_id, signee_id=statement.signee_id)
            .first()
        )
    if based_on is None or based_on.catalogue_version_id == statement.catalogue_version_id:
        return None
    based_on.signee = statement.signee
    diff = catalogue_diff(based_on.catalogue_version, statement.catalogue_version)
    return _changes_for_group(statement, based_on, diff)


def _changes_for_group(
    statement: Statement, based_on: Statement, diff: CatalogueDiff
) -> StatementChanges:
    group = statement.signee.group
    old_answers = _answers(based_on)
    changed: list[ChangedRow] = []
    for change in diff.changed:
        if not (_applies(change.new, group) or _applies(change.old, group)):
            continue
        old_answer = old_answers.get(change.old.pk)
        carried = (
            old_answer is not None
            and _applies(change.new, group)
            and answer_carries_over(old_answer.fulfilment, change.new, change)
        )
        changed.append(ChangedRow(change=change, old_answer=old_answer, carried=carried))
    return StatementChanges(
        based_on=based_on,
        old=diff.old,
        new=diff.new,
        added=[c for c in diff.added if _applies(c, group)],
        changed=changed,
        removed=[
            RemovedRow(criterion=c, old_answer=old_answers.get(c.pk))
            for c in diff.removed
            if _applies(c, group)
        ],
        unchanged=diff.unchanged,
    )


def previous_public_version(version: CatalogueVersion) -> CatalogueVersion | None:
    """The version published before `version` (the other side of its differences)."""
    if version.published_at is None:
        return None
    return (
        CatalogueVersion.objects.filter(
            status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED],
            published_at__lt=version.published_at,
        )
        .exclude(pk=version.pk)
        .order_by("-published_at", "-pk")
        .first()
    )


@dataclass
class OutdatedStatement:
    """A vendor's published statement answering an older version, and who is told."""

    statement: Statement
    people: list[User]


@dataclass
class CataloguePublishedAudience:
    """Who hears of a newly published catalogue version: the vendors whose statement answers
    an older version (their own text), and the owners and admins of every approved signee."""

    outdated: list[OutdatedStatement]
    everyone: list[User]


def catalogue_published_audience(version: CatalogueVersion) -> CataloguePublishedAudience:
    """Two queries, whatever the number of signees."""
    with scopes_disabled():
        memberships = list(
            Membership.objects.filter(
                organization__signee__status=SigneeStatus.APPROVED,
                role__in=[Role.OWNER, Role.ADMIN],
                user__is_active=True,
            )
            .select_related("user")
            .order_by("organization_id", "user_id")
        )
        statements = list(
            Statement.objects.filter(
                status=StatementStatus.PUBLISHED,
                signee__status=SigneeStatus.APPROVED,
                signee__group=SigneeGroup.IT_VENDOR,
            )
            .exclude(catalogue_version=version)
            .select_related("signee__organization", "catalogue_version")
            .order_by("signee_id")
        )
    people: dict[int, list[User]] = {}
    for membership in memberships:
        people.setdefault(membership.organization_id, []).append(membership.user)
    outdated = [
        OutdatedStatement(statement=s, people=people.get(s.signee.organization_id, []))
        for s in statements
    ]
    everyone = {m.user_id: m.user for m in memberships}
    return CataloguePublishedAudience(outdated=outdated, everyone=list(everyone.values()))


def outdated_statement_documents(version: CatalogueVersion) -> list[Document]:
    """The rendered PDFs of current online statements answering another version than
    `version`: rendered again, they say so (one query)."""
    owner_type = ContentType.objects.get_for_model(Statement)
    with scopes_disabled():
        ids = [
            str(pk)
            for pk in Statement.objects.filter(
                status=StatementStatus.PUBLISHED,
                kind=StatementKind.ONLINE,
                signee__status=SigneeStatus.APPROVED,
            )
            .exclude(catalogue_version=version)
            .values_list("pk", flat=True)
        ]
        return list(
            Document.objects.filter(
                kind=STATEMENT_DOCUMENT_KIND, owner_type=owner_type, owner_id__in=ids
            ).order_by("pk")
        )
