"""Reads of signees: the public list, one signee, counts, exports, the home page; an
organization's own signing status for its members; and the CPO office's review queue.

The public sees approved signees only: every public read here starts from
`published_signees()`, so a pending, returned, rejected, unpublished or withdrawn signee
cannot reach a visitor, an export or the API through a forgotten filter. Signees are
tenant-owned (scoped); the public reads are deliberately unscoped and say so in their name,
the organization's own read enters that organization's scope.

The office sees every organization, so its selectors (named `…_for_office`) disable the
tenant scope inside and return plain querysets or lists; nothing they return needs a scope
to be evaluated later.
"""

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_countries import countries
from django_scopes import scope, scopes_disabled

from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Membership, Organization

from .. import extensions
from ..models import (
    PUBLIC_STATEMENT_STATUSES,
    SIGNED_STATUSES,
    Signature,
    Signee,
    SigneeGroup,
    SigneeReview,
    SigneeStatus,
    Statement,
    StatementKind,
    StatementStatus,
)

# Sort keys of the list, page and API alike; the pk keeps pages stable between equal keys.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("listed_name").asc(), "pk"),
    "-name": (Lower("listed_name").desc(), "-pk"),
    "since": (F("approved_at").asc(), "pk"),
    "-since": (F("approved_at").desc(), "-pk"),
}
DEFAULT_SORT = "name"
# More words than this in a search are ignored: each word is one more condition.
MAX_SEARCH_WORDS = 8
EXPORT_CHUNK_SIZE = 2000
# The columns of the CSV and JSON exports, in order.
EXPORT_FIELDS = (
    "listed_name",
    "organization__display_name",
    "organization__legal_name",
    "organization__slug",
    "organization__country",
    "organization__website",
    "group",
    "approved_at",
    "statement_kind",
    "statement_link",
    "seals",
)
# ?seal=… on the list: the kind of valid seal a signee must hold ("" for any kind).
SEAL_FILTERS: dict[str, str] = {
    "valid": "",
    "organizational": "organizational",
    "product": "product",
}


@dataclass(frozen=True)
class SigneeFilter:
    q: str = ""
    group: str = ""
    country: str = ""
    sort: str = DEFAULT_SORT
    seal: str = ""  # a key of SEAL_FILTERS

    @property
    def active(self) -> bool:
        return bool(self.q or self.group or self.country or self.seal)


def published_signees() -> QuerySet[Signee]:
    """Approved signees with their organization: all the public ever sees of signees."""
    with scopes_disabled():
        return Signee.objects.filter(status=SigneeStatus.APPROVED).select_related("organization")


def _published_statements() -> QuerySet[Statement]:
    with scopes_disabled():
        return Statement.objects.filter(status=StatementStatus.PUBLISHED)


def with_current_statement(signees: QuerySet[Signee]) -> QuerySet[Signee]:
    """Annotate the kind and external link of each signee's newest published statement.

    Two correlated subqueries instead of a prefetch: a page or an export stays one query.
    """
    newest = _published_statements().filter(signee=OuterRef("pk")).order_by("-number")
    return signees.annotate(
        statement_kind=Subquery(newest.values("kind")[:1]),
        statement_link=Subquery(newest.values("external_url")[:1]),
    )


def with_seals(signees: QuerySet[Signee]) -> QuerySet[Signee]:
    """Annotate `seals`: the organization's current seals, read with `listed_seals()`.

    One correlated subquery, registered by the app that issues certificates; without it
    nobody holds a seal.
    """
    provider = extensions.listed_seal_provider()
    if provider is None:
        return signees.annotate(seals=Value(None, output_field=CharField()))
    return signees.annotate(seals=provider.annotation())


def listed_seals(value: Any) -> list[extensions.ListedSeal]:
    """The seals of one row annotated by `with_seals()`."""
    provider = extensions.listed_seal_provider()
    return provider.read(value) if provider is not None and value else []


def _holding_seal(signees: QuerySet[Signee], seal: str) -> QuerySet[Signee]:
    if seal not in SEAL_FILTERS:
        return signees
    provider = extensions.listed_seal_provider()
    if provider is None:
        return signees.none()
    return signees.filter(provider.holds_valid(SEAL_FILTERS[seal]))


def _search(signees: QuerySet[Signee], q: str) -> QuerySet[Signee]:
    for word in q.split()[:MAX_SEARCH_WORDS]:
        signees = signees.filter(
            Q(listed_name__icontains=word)
            | Q(organization__display_name__icontains=word)
            | Q(organization__legal_name__icontains=word)
            | Q(organization__website__icontains=word)
        )
    return signees


def _filtered(
    signees: QuerySet[Signee], filters: SigneeFilter, *, by_group: bool = True
) -> QuerySet[Signee]:
    if filters.q:
        signees = _search(signees, filters.q)
    if filters.country:
        signees = signees.filter(organization__country=filters.country)
    if by_group and filters.group:
        signees = signees.filter(group=filters.group)
    if filters.seal:
        signees = _holding_seal(signees, filters.seal)
    return signees


def published_signee_list(filters: SigneeFilter) -> QuerySet[Signee]:
    """The public list, filtered and sorted, with the current CPO Statement and the seals
    annotated."""
    signees = _filtered(published_signees(), filters)
    sort = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return with_seals(with_current_statement(signees)).order_by(*sort)


def published_group_counts(filters: SigneeFilter | None = None) -> dict[str, int]:
    """Published signees per group (every group, zeros included), in one query.

    Search and country apply, the group filter does not: the counts tell a visitor how many
    they would see in each group.
    """
    signees = _filtered(published_signees(), filters or SigneeFilter(), by_group=False)
    rows = signees.order_by().values("group").annotate(n=Count("pk"))
    found = {row["group"]: row["n"] for row in rows}
    return {group: found.get(group, 0) for group in SigneeGroup.values}


def published_countries() -> list[tuple[str, str]]:
    """(code, name) of the countries of published signees, by name in the active language."""
    codes = (
        published_signees().order_by().values_list("organization__country", flat=True).distinct()
    )
    named = [(code, str(countries.name(code))) for code in codes if code]
    return sorted(named, key=lambda item: item[1].casefold())


def published_signee(slug: str) -> Signee | None:
    """One published signee by its organization's slug, its seals annotated; None for
    everything else."""
    return (
        with_seals(published_signees())
        .select_related("catalogue_version")
        .filter(organization__slug=slug)
        .first()
    )


@dataclass(frozen=True)
class FormerSignee:
    """What the public may know of a signee that left the list: its name, its group, and
    when it was a signee (never why, nor who asked)."""

    name: str
    group: str
    since: datetime
    until: datetime | None
    withdrawn: bool  # by the company itself; else the office took it off the list


def former_signee(slug: str) -> FormerSignee | None:
    """The tombstone of a signee that was published once and then withdrew or was taken off
    the list; None for every other address (never published, pending, rejected). Two queries."""
    with scopes_disabled():
        signee = (
            Signee.objects.filter(
                organization__slug=slug,
                status__in=(SigneeStatus.WITHDRAWN, SigneeStatus.UNPUBLISHED),
                approved_at__isnull=False,
            )
            .select_related("organization")
            .first()
        )
        if signee is None:
            return None
        left = (
            SigneeReview.objects.filter(signee=signee, status_after=signee.status)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)
            .first()
        )
    assert signee.approved_at is not None
    return FormerSignee(
        name=signee.listed_name or signee.organization.display_name,
        group=signee.get_group_display(),
        since=signee.approved_at,
        until=left,
        withdrawn=signee.status == SigneeStatus.WITHDRAWN,
    )


def published_statement_of(signee: Signee) -> Statement | None:
    """The signee's newest published CPO Statement, if any (only for a published signee)."""
    if signee.status != SigneeStatus.APPROVED:
        return None
    statements = _published_statements().select_related("catalogue_version")
    return statements.filter(signee=signee).order_by("-number").first()


def latest_published_signees(limit: int = 5) -> list[Signee]:
    """The most recently approved signees, for the home page."""
    return list(published_signees().order_by("-approved_at", "-pk")[:limit])


def published_signee_rows(filters: SigneeFilter) -> Iterator[dict[str, Any]]:
    """The export's rows as plain dicts, fetched in chunks: memory stays constant."""
    rows = published_signee_list(filters).values(*EXPORT_FIELDS)
    return rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)


def signee_of_organization(organization: Organization) -> Signee | None:
    """The organization's own signee record, whatever its status (for its members)."""
    with scope(organization=organization):
        return (
            Signee.objects.select_related("organization", "catalogue_version")
            .filter(organization=organization)
            .first()
        )


# --- what the public reads of one signee --------------------------------------------------


def openness_level_1(signee: Signee, statement: Statement | None) -> bool:
    """OL1 of the Quick Check: the company has signed and published a CPO Statement."""
    return signee.is_listed and statement is not None


def safe_link(url: str) -> str:
    """Only web links become clickable; anything else in the field is not linked."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def statement_path(slug: str, kind: str | None, external_url: str | None) -> str:
    """Where the signee's published CPO Statement is read: its external link or its page."""
    if kind == StatementKind.LINK:
        return safe_link(external_url or "")
    if kind:
        return reverse("signees:public_statement", args=[slug])
    return ""


# --- the CPO office: normalisation --------------------------------------------------------


# Legal forms dropped before comparing names: "Alpha GmbH" and "Alpha AG" are one company
# as far as a duplicate check is concerned. Dots are removed first, so "B.V." is "bv".
# fmt: off
LEGAL_FORMS = frozenset((
    "ab", "ag", "as", "asa", "bv", "co", "corp", "corporation", "cv", "eg", "ev", "gbr", "gmbh",
    "inc", "incorporated", "kg", "kgaa", "lda", "llc", "llp", "lp", "ltd", "limited", "mbh",
    "nv", "oy", "oyj", "plc", "pty", "sa", "sarl", "sas", "se", "spa", "sl", "srl", "ug",
))
# fmt: on
# Names this similar (difflib ratio) or more are flagged as likely the same company.
SIMILAR_NAME_RATIO = 0.9


def normalised_name(name: str) -> str:
    """Lower case, accents and punctuation gone, legal forms dropped, single spaces."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace(".", ""))
    words = text.split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    # A name made only of legal forms ("AG") is compared as it is.
    return " ".join(kept or words)


def website_domain(url: str) -> str:
    """The host of a website address without "www.", lower case; "" when there is none."""
    url = (url or "").strip()
    if not url:
        return ""
    if "//" not in url:
        url = f"//{url}"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".").lower()
    return host.removeprefix("www.")


def email_domain(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().rstrip(".").lower()


def same_domain(a: str, b: str) -> bool:
    """True when one domain is the other or a subdomain of it (mail.alpha.de ~ alpha.de)."""
    if not a or not b:
        return False
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return a == b or a.endswith(f".{b}") or b.endswith(f".{a}")


def _parent_domains(domain: str) -> list[str]:
    """alpha.example.co.uk → [example.co.uk, co.uk]; never a single label."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - 1)]


# --- the CPO office: warnings -------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """Another signee that is likely the same company, and why."""

    pk: int
    name: str
    status: str
    same_website: bool
    similar_name: bool

    @property
    def status_label(self) -> str:
        return str(SigneeStatus(self.status).label)


@dataclass(frozen=True)
class EmailMismatch:
    email: str
    email_domain: str
    website_domain: str


@dataclass
class SigneeWarnings:
    duplicates: list[Duplicate] = field(default_factory=list)
    email_mismatches: list[EmailMismatch] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.duplicates) + len(self.email_mismatches)


@dataclass(frozen=True)
class _Candidate:
    pk: int
    legal_name: str
    status: str
    name_key: str
    domain: str


class _DuplicateIndex:
    """Every signee's normalised name and website domain, built from one query."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str]]) -> None:
        self.by_pk: dict[int, _Candidate] = {}
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_length: dict[int, list[_Candidate]] = defaultdict(list)
        self.by_domain: dict[str, set[int]] = defaultdict(set)
        # A domain and each of its parents → signees whose website is on or below it.
        self.by_domain_or_parent: dict[str, set[int]] = defaultdict(set)
        for pk, legal_name, website, status in rows:
            candidate = _Candidate(
                pk, legal_name, status, normalised_name(legal_name), website_domain(website)
            )
            self.by_pk[pk] = candidate
            if candidate.name_key:
                self.by_name[candidate.name_key].add(pk)
                self.by_length[len(candidate.name_key)].append(candidate)
            if candidate.domain:
                self.by_domain[candidate.domain].add(pk)
                for name in [candidate.domain, *_parent_domains(candidate.domain)]:
                    self.by_domain_or_parent[name].add(pk)

    def same_website(self, domain: str) -> set[int]:
        if not domain:
            return set()
        found = set(self.by_domain_or_parent.get(domain, ()))
        for parent in _parent_domains(domain):
            found |= self.by_domain.get(parent, set())
        return found

    def similar_names(self, key: str) -> set[int]:
        if not key:
            return set()
        found = set(self.by_name.get(key, ()))
        # ratio = 2·matches / (len a + len b): lengths too far apart cannot reach the bar.
        low = int(len(key) * SIMILAR_NAME_RATIO / (2 - SIMILAR_NAME_RATIO))
        high = int(len(key) * (2 - SIMILAR_NAME_RATIO) / SIMILAR_NAME_RATIO) + 1
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for length in range(max(low, 1), high + 1):
            for other in self.by_length.get(length, ()):
                if other.pk in found:
                    continue
                matcher.set_seq1(other.name_key)
                if (
                    matcher.real_quick_ratio() >= SIMILAR_NAME_RATIO
                    and matcher.quick_ratio() >= SIMILAR_NAME_RATIO
                    and matcher.ratio() >= SIMILAR_NAME_RATIO
                ):
                    found.add(other.pk)
        return found

    def duplicates_of(self, pk: int) -> list[Duplicate]:
        me = self.by_pk.get(pk)
        if me is None:
            return []
        by_website = self.same_website(me.domain) - {pk}
        by_name = self.similar_names(me.name_key) - {pk}
        return sorted(
            (
                Duplicate(
                    pk=other,
                    name=self.by_pk[other].legal_name,
                    status=self.by_pk[other].status,
                    same_website=other in by_website,
                    similar_name=other in by_name,
                )
                for other in by_website | by_name
            ),
            key=lambda d: (d.name.casefold(), d.pk),
        )


def _duplicate_index() -> _DuplicateIndex:
    with scopes_disabled():
        rows = Signee.objects.values_list(
            "pk", "organization__legal_name", "organization__website", "status"
        )
        return _DuplicateIndex(list(rows))


def _latest_signers(signee_ids: list[int]) -> dict[int, str]:
    """The e-mail address of the user who signed most recently, per signee (one query)."""
    with scopes_disabled():
        rows = (
            Signature.objects.filter(signee_id__in=signee_ids)
            .order_by("signee_id", "-signed_at", "-pk")
            .values_list("signee_id", "signed_by__email")
        )
        latest: dict[int, str] = {}
        for signee_id, email in rows:
            latest.setdefault(signee_id, email or "")
        return latest


def email_mismatch(email: str, website: str) -> EmailMismatch | None:
    """A warning when the signer's e-mail domain is not the company's website domain."""
    site, mail = website_domain(website), email_domain(email)
    if not site or not mail or same_domain(mail, site):
        return None
    return EmailMismatch(email=email, email_domain=mail, website_domain=site)


def warnings_for_office(signees: list[Signee]) -> dict[int, SigneeWarnings]:
    """Duplicate and e-mail warnings for a page of signees, in two queries however long."""
    if not signees:
        return {}
    index = _duplicate_index()
    signers = _latest_signers([s.pk for s in signees])
    warnings = {}
    for signee in signees:
        found = SigneeWarnings(duplicates=index.duplicates_of(signee.pk))
        mismatch = email_mismatch(signers.get(signee.pk, ""), signee.organization.website)
        if mismatch:
            found.email_mismatches.append(mismatch)
        warnings[signee.pk] = found
    return warnings


# --- the CPO office: the queue ------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """What the office asked the queue for; "" means "any"."""

    status: str = SigneeStatus.PENDING
    group: str = ""
    country: str = ""
    statement_overdue: bool = False
    q: str = ""


def _published_statement() -> Exists:
    return Exists(
        Statement.objects.filter(signee=OuterRef("pk"), status__in=PUBLIC_STATEMENT_STATUSES)
    )


def _overdue(today: date) -> Q:
    # The rule of statement_overdue(): an IT vendor still signed, past its deadline, with no
    # statement ever published.
    return Q(
        group=SigneeGroup.IT_VENDOR,
        status__in=SIGNED_STATUSES,
        statement_due__lt=today,
        has_published_statement=False,
    )


def _overdue_flag(today: date) -> Case:
    return Case(
        When(_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def signees_for_office(
    filters: QueueFilter | None = None, *, today: date | None = None
) -> QuerySet[Signee]:
    """The office's review queue: pending signees first in line (oldest signature first)."""
    filters = filters or QueueFilter()
    today = today or timezone.localdate()
    with scopes_disabled():
        qs = Signee.objects.select_related("organization").annotate(
            has_published_statement=_published_statement()
        )
        qs = qs.annotate(statement_overdue=_overdue_flag(today))
        if filters.status:
            qs = qs.filter(status=filters.status)
        if filters.group:
            qs = qs.filter(group=filters.group)
        if filters.country:
            qs = qs.filter(organization__country=filters.country)
        if filters.statement_overdue:
            qs = qs.filter(statement_overdue=True)
        if filters.q:
            qs = qs.filter(
                Q(organization__legal_name__icontains=filters.q)
                | Q(organization__display_name__icontains=filters.q)
                | Q(organization__website__icontains=filters.q)
            )
        if filters.status == SigneeStatus.PENDING:
            return qs.order_by("signed_at", "pk")
        return qs.order_by("-signed_at", "-pk")


def signee_countries_for_office() -> list[str]:
    """The country codes signees come from, for the queue's country filter."""
    with scopes_disabled():
        codes = Signee.objects.order_by().values_list("organization__country", flat=True).distinct()
        return sorted(str(code) for code in codes)


# --- the CPO office: one signee -----------------------------------------------------------


def signee_for_office(pk: int, *, today: date | None = None) -> Signee | None:
    with scopes_disabled():
        return (
            signees_for_office(QueueFilter(status=""), today=today)
            .select_related("catalogue_version")
            .filter(pk=pk)
            .first()
        )


@dataclass
class SignatureRecord:
    signature: Signature
    declaration: Document | None
    email_mismatch: EmailMismatch | None


@dataclass
class SigneeRecord:
    """Everything the office needs to decide on one signee."""

    signee: Signee
    organization: Organization
    signatures: list[SignatureRecord]
    reviews: list[SigneeReview]
    members: list[Membership]
    warnings: SigneeWarnings


def _declarations(signatures: list[Signature]) -> dict[str, Document]:
    """The newest signed-declaration document per signature, in one query."""
    if not signatures:
        return {}
    with scopes_disabled():
        documents = Document.objects.filter(
            kind="signed_declaration",
            owner_type=ContentType.objects.get_for_model(Signature),
            owner_id__in=[str(s.pk) for s in signatures],
        ).order_by("owner_id", "-created_at", "-pk")
        found: dict[str, Document] = {}
        for document in documents:
            found.setdefault(document.owner_id, document)
        return found


def signee_record_for_office(signee: Signee) -> SigneeRecord:
    """The full record of one signee: signatures with their PDFs, reviews, members, warnings."""
    organization = signee.organization
    with scopes_disabled():
        signatures = list(
            Signature.objects.filter(signee=signee)
            .select_related("signed_by", "catalogue_version")
            .order_by("-signed_at", "-pk")
        )
        reviews = list(SigneeReview.objects.filter(signee=signee).select_related("by"))
        members = list(
            Membership.objects.filter(organization=organization)
            .select_related("user")
            .order_by("user__email")
        )
    declarations = _declarations(signatures)
    records = [
        SignatureRecord(
            signature=s,
            declaration=declarations.get(str(s.pk)),
            email_mismatch=email_mismatch(
                s.signed_by.email if s.signed_by else "", organization.website
            ),
        )
        for s in signatures
    ]
    warnings = SigneeWarnings(duplicates=_duplicate_index().duplicates_of(signee.pk))
    # The queue flags the latest signer only; the record lists every signature's mismatch.
    warnings.email_mismatches = [r.email_mismatch for r in records[:1] if r.email_mismatch]
    return SigneeRecord(
        signee=signee,
        organization=organization,
        signatures=records,
        reviews=reviews,
        members=members,
        warnings=warnings,
    )
