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

from cpo_portal.documents.models import Document
from criteria.models import Category, Criterion

from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Signee,
    SigneeGroup,
    SigneeStatus,
    Statement,
    StatementAnswer,
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
