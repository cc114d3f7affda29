"""A realistic portal at any size, built with bulk inserts for `make bench`.

The default is the scale the product is designed for: 10,000 signees, 5,000 certificates
with their lifecycle events, 200 audits of 150 criteria each in progress, five years of
Core Team elections, conferences, proposals and published annual reports. Rows are
inserted in large batches (one INSERT … VALUES per batch), never one by one, so 100,000
signees build in well under a minute on PostgreSQL.

It reaches into every feature app (as the root URLconf does); nothing in the portal imports
it, only the bench_dataset command.
"""

import copy
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled

from certification.demo import DEMO_AGREEMENT_TEXT
from certification.models import (
    AgreementAcceptance,
    AgreementStatus,
    AgreementVersion,
    Application,
    ApplicationEvent,
    AuditorAssignment,
    AuditorQualification,
    Certificate,
    CertificateEvent,
    CertificateSequence,
    Evidence,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from certification.services.agreements import acceptance_text
from community.models import (
    AnnualReport,
    AssociationMembership,
    Ballot,
    BallotCast,
    BallotVote,
    Candidate,
    Conference,
    Election,
    ElectionResult,
    Proposal,
    Registration,
    ReportSection,
)
from community.report_figures import take_snapshot
from cpo_portal.accounts.models import Auditor, User
from cpo_portal.binding_text import text_sha256
from cpo_portal.tenancy.models import Membership, Organization
from criteria.demo import demo_catalogue_data
from criteria.models import AssessmentScheme
from criteria.services.catalogue import catalogue_import
from signees.declaration import declaration_text
from signees.models import Signature, Signee, Statement
from signees.views.signing import PAGE_SIZE

BATCH = 5000
CATALOGUE_CODE = "bench-1"
GROUPS = ("it_customer", "it_vendor", "it_service_provider")
# Customers are the majority of signees, as on the real list.
GROUP_CYCLE = ("it_customer", "it_vendor", "it_customer", "it_service_provider", "it_vendor")
COUNTRIES = ("DE", "DE", "DE", "FR", "IT", "AT", "CH", "NL", "SE", "US", "JP", "GB", "ES", "PL")
NAME_STEMS = (
    "Nord", "Rhein", "Alpen", "Baltic", "Nova", "Vertex", "Axis", "Helix", "Orbit", "Quantum",
    "Atlas", "Delta", "Fjord", "Granit", "Isar", "Kepler", "Lumen", "Meridian", "Polaris", "Terra",
)  # fmt: skip
NAME_ENDS = ("werk", "soft", "tec", "data", "sys", "plan", "cad", "link", "form", "logic")
LEGAL_FORMS = ("GmbH", "AG", "SE", "Inc.", "Ltd.", "S.p.A.", "AB", "B.V.")
# A search term that matches one name in twenty: a realistic visitor's query.
SEARCH_TERM = "helix"
BENCH_PASSWORD = "cpo-bench-password"


@dataclass
class Sizes:
    signees: int = 10_000
    certificates: int | None = None  # default: half the signees
    audits: int = 200
    criteria: int = 150
    years: int = 5
    auditors: int = 20

    @property
    def certificate_count(self) -> int:
        return self.signees // 2 if self.certificates is None else self.certificates


@dataclass
class Built:
    """What the load generator needs to address real rows, and what was inserted."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    signee_slugs: list[str] = field(default_factory=list)
    certificate_numbers: list[str] = field(default_factory=list)
    catalogue_version: str = CATALOGUE_CODE
    search_term: str = SEARCH_TERM
    deep_page: int = 1
    # One entry per auditor: its user and audits (the command adds a session).
    auditors: list[dict[str, Any]] = field(default_factory=list)
    # The audits' criteria as [id, version of its score], the same in every audit.
    audit_criteria: list[list[int]] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "seconds": self.seconds,
            "signee_slugs": self.signee_slugs,
            "certificate_numbers": self.certificate_numbers,
            "catalogue_version": self.catalogue_version,
            "search_term": self.search_term,
            "deep_page": self.deep_page,
            "auditors": self.auditors,
            "audit_criteria": self.audit_criteria,
        }


def _bulk(model: type[models.Model], rows: Iterable[models.Model]) -> list[Any]:
    return model._default_manager.bulk_create(list(rows), batch_size=BATCH)


class _Clock:
    def __init__(self, built: Built) -> None:
        self.built = built

    def run(self, name: str, step: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = step()
        self.built.seconds[name] = round(time.perf_counter() - start, 2)
        return result


def _local(*, datetime_args: tuple[int, ...]) -> datetime:
    """An aware datetime in the portal's time zone."""
    return datetime(*datetime_args, tzinfo=timezone.get_current_timezone())


def _name(i: int) -> str:
    stem = NAME_STEMS[i % len(NAME_STEMS)]
    end = NAME_ENDS[(i // len(NAME_STEMS)) % len(NAME_ENDS)]
    return f"{stem}{end} {i}"


def bench_catalogue(criteria_per_scheme: int) -> dict[str, Any]:
    """The demo catalogue, its assessment schemes grown to `criteria_per_scheme` criteria
    each (repeating the demo criteria under new codes); still marked as illustrative."""
    data = demo_catalogue_data()
    data["version"] = CATALOGUE_CODE
    data["title"] = {
        "en": "Code of PLM Openness — illustrative benchmark catalogue",
        "de": "Code of PLM Openness — illustrativer Benchmark-Katalog",
    }
    for scheme in data["schemes"]:
        areas = scheme["subject_areas"]
        originals = [(area, criterion) for area in areas for criterion in area["criteria"]]
        for area in areas:
            area["criteria"] = []
        for n in range(criteria_per_scheme):
            area, criterion = originals[n % len(originals)]
            clone = copy.deepcopy(criterion)
            repeat = n // len(originals)
            if repeat:
                clone["code"] = f"{criterion['code']}.{repeat}"
            area["criteria"].append(clone)
        scheme["subject_areas"] = [area for area in areas if area["criteria"]]
    return data


def _catalogue(criteria_per_scheme: int) -> tuple[Any, dict[str, Any]]:
    version, _outcome = catalogue_import(
        data=bench_catalogue(criteria_per_scheme), by=None, publish=True
    )
    schemes = {s.kind: s for s in AssessmentScheme.objects.filter(version=version)}
    return version, schemes


def _organizations(n: int, stamp: datetime, password: str) -> tuple[list[Any], list[Any]]:
    organizations = _bulk(
        Organization,
        (
            Organization(
                legal_name=f"{_name(i)} {LEGAL_FORMS[i % len(LEGAL_FORMS)]}",
                display_name=_name(i),
                slug=f"{slugify(_name(i))}"[:50],
                legal_form=LEGAL_FORMS[i % len(LEGAL_FORMS)],
                country=COUNTRIES[i % len(COUNTRIES)],
                website=f"https://www.{slugify(_name(i))}.example",
                address=f"Industriestraße {i % 200 + 1}\n{10000 + i % 89999} Musterstadt",
            )
            for i in range(n)
        ),
    )
    owners = _bulk(
        User,
        (
            User(
                email=f"owner-{org.slug}@bench.example",
                full_name=f"Owner of {org.display_name}",
                password=password,
                date_joined=stamp,
            )
            for org in organizations
        ),
    )
    _bulk(
        Membership,
        (
            Membership(organization=org, user=user, role="owner")
            for org, user in zip(organizations, owners, strict=True)
        ),
    )
    return organizations, owners


def _signees(organizations: Sequence[Any], owners: Sequence[Any], version: Any) -> list[Any]:
    now = timezone.now()
    span = 5 * 365
    signees = []
    for i, org in enumerate(organizations):
        signed = now - timedelta(days=span - (i * span) // max(1, len(organizations)), hours=i % 24)
        # One in twenty is still in review or was withdrawn; the rest are listed.
        status = ("pending", "withdrawn")[i % 2] if i % 20 == 7 else "approved"
        group = GROUP_CYCLE[i % len(GROUP_CYCLE)]
        signees.append(
            Signee(
                organization=org,
                group=group,
                status=status,
                catalogue_version=version,
                signed_at=signed,
                approved_at=signed + timedelta(days=3) if status == "approved" else None,
                statement_due=(signed + timedelta(days=91)).date()
                if group == "it_vendor"
                else None,
                listed_name=org.display_name,
            )
        )
    signees = _bulk(Signee, signees)
    # The declaration is rendered once per group and country, with markers for the names
    # (a template render per signee would dominate the build at 100,000 signees). Bench
    # legal names contain their legal form, as the template's own rule then prints it.
    templates: dict[tuple[str, str], str] = {}
    texts = []
    for org, signee, owner in zip(organizations, signees, owners, strict=True):
        key = (signee.group, org.country)
        if key not in templates:
            marker = copy.copy(org)
            marker.legal_name, marker.legal_form = "\x00NAME\x00", ""
            templates[key] = declaration_text(
                organization=marker,
                group=signee.group,
                version=version,
                signatory_name="\x00SIGNATORY\x00",
                signatory_position="Managing Director",
            )
        texts.append(
            templates[key]
            .replace("\x00NAME\x00", org.legal_name)
            .replace("\x00SIGNATORY\x00", owner.full_name)
        )
    _bulk(
        Signature,
        (
            Signature(
                signee=signee,
                catalogue_version=version,
                group=signee.group,
                declaration_text=text,
                declaration_sha256=hashlib.sha256(text.encode()).hexdigest(),
                signatory_name=owner.full_name,
                signatory_position="Managing Director",
                authority_confirmed=True,
                signed_by=owner,
                signed_at=signee.signed_at,
                ip_address="192.0.2.10",
                user_agent="Mozilla/5.0",
            )
            for signee, owner, text in zip(signees, owners, texts, strict=True)
        ),
    )
    # Four in five vendors have published their CPO Statement.
    _bulk(
        Statement,
        (
            Statement(
                signee=signee,
                number=1,
                catalogue_version=version,
                kind="online",
                status="published",
                summary="How our products meet the criteria of the CPO.",
                published_at=signee.signed_at + timedelta(days=60),
            )
            for i, signee in enumerate(signees)
            if signee.group == "it_vendor" and signee.status == "approved" and i % 5
        ),
    )
    return signees


def _certificates(
    signees: Sequence[Any], schemes: dict[str, Any], version: Any, count: int, by: Any
) -> list[Any]:
    """Organizational and product certificates (a product one only for a holder of an
    organizational one), issued over five years, in every status, with their events."""
    holders = [s for s in signees if s.group != "it_customer" and s.status == "approved"]
    if not holders or count < 1:
        return []
    today = timezone.localdate()
    span = 5 * 365
    sequences: dict[tuple[str, int], int] = {}
    plans = []
    for j in range(count):
        holder = holders[(j // 2) % len(holders)]
        kind = "organizational" if j % 2 == 0 else "product"
        issued = today - timedelta(days=span - (j * span) // count)
        key = (kind, issued.year)
        sequences[key] = sequences.get(key, 0) + 1
        number = (
            f"CPO-{'O' if kind == 'organizational' else 'P'}-{issued.year}-{sequences[key]:04d}"
        )
        plans.append((holder, kind, issued, number))
    applications = _bulk(
        Application,
        (
            Application(
                organization_id=holder.organization_id,
                kind=kind,
                scheme=schemes[kind],
                status="decided",
                scope_description="Development and support of PLM software and services.",
                window_start=issued - timedelta(days=60),
                window_end=issued - timedelta(days=30),
                product_name=f"Product {j}" if kind == "product" else "",
                product_version="2.1" if kind == "product" else "",
                recommendation="grant",
                decision="grant",
                decided_by=by,
                decided_at=timezone.make_aware(datetime.combine(issued, datetime.min.time())),
            )
            for j, (holder, kind, issued, _number) in enumerate(plans)
        ),
    )
    certificates = []
    for j, ((holder, kind, issued, number), application) in enumerate(
        zip(plans, applications, strict=True)
    ):
        valid_until = issued + timedelta(days=3 * 365)
        status = "expired" if valid_until < today else ("active",) * 18 + ("suspended", "withdrawn")
        if isinstance(status, tuple):
            status = status[j % len(status)]
        certificates.append(
            Certificate(
                number=number,
                kind=kind,
                organization_id=holder.organization_id,
                holder_name=holder.listed_name,
                holder_country=COUNTRIES[j % len(COUNTRIES)],
                holder_group=holder.group,
                application=application,
                scheme=schemes[kind],
                catalogue_version=version,
                scope_description=application.scope_description,
                product_name=application.product_name,
                product_version=application.product_version,
                issued_on=issued,
                valid_until=valid_until,
                status=status,
                status_changed_at=timezone.now(),
                next_surveillance_due=issued + timedelta(days=365) if status == "active" else None,
                issued_by=by,
            )
        )
    certificates = _bulk(Certificate, certificates)
    later = {"expired": "expire", "suspended": "suspend", "withdrawn": "withdraw"}
    events = []
    for certificate in certificates:
        issued_at = timezone.make_aware(
            datetime.combine(certificate.issued_on, datetime.min.time())
        )
        events.append(
            CertificateEvent(
                certificate=certificate,
                action="issued",
                status_before="",
                status_after="active",
                by=by,
                at=issued_at,
            )
        )
        if certificate.status in later:
            events.append(
                CertificateEvent(
                    certificate=certificate,
                    action=later[certificate.status],
                    status_before="active",
                    status_after=certificate.status,
                    reason="Recorded by the benchmark dataset.",
                    by=by,
                    at=issued_at + timedelta(days=200),
                )
            )
    _bulk(CertificateEvent, events)
    _bulk(
        CertificateSequence,
        (CertificateSequence(kind=k, year=y, last=last) for (k, y), last in sequences.items()),
    )
    return certificates


def _agreements(
    organizations: Sequence[Any], owners: Sequence[Any], applications: Sequence[Any], by: Any
) -> list[Any]:
    """The certification agreement in force (version 1, published before the first
    application) and its acceptance by every organization with an accepted application, by
    its owner, before its first one: the office accepts no application without it."""
    if not applications:
        return []
    first = min(a.window_start for a in applications) - timedelta(days=90)
    published = _local(datetime_args=(first.year, first.month, first.day))
    agreement = AgreementVersion.objects.create(
        number=1,
        title="CPO certification agreement",
        text=DEMO_AGREEMENT_TEXT,
        status=AgreementStatus.PUBLISHED,
        created_by=by,
        published_by=by,
        published_at=published,
    )
    owner_of = {org.pk: owner for org, owner in zip(organizations, owners, strict=True)}
    org_of = {org.pk: org for org in organizations}
    since: dict[int, date] = {}
    for application in applications:
        day = application.window_start - timedelta(days=60)
        since[application.organization_id] = min(day, since.get(application.organization_id, day))
    # As for the signatures: one render per country, the names put in afterwards (bench
    # legal names contain their legal form, as the template's own rule then prints it).
    templates: dict[str, str] = {}
    rows = []
    for org_id, day in sorted(since.items()):
        org, owner = org_of[org_id], owner_of[org_id]
        if org.country not in templates:
            marker = copy.copy(org)
            marker.legal_name, marker.legal_form = "\x00NAME\x00", ""
            templates[org.country] = acceptance_text(
                organization=marker,
                agreement=agreement,
                signatory_name="\x00SIGNATORY\x00",
                signatory_position="Managing Director",
            )
        text = (
            templates[org.country]
            .replace("\x00NAME\x00", org.legal_name)
            .replace("\x00SIGNATORY\x00", owner.full_name)
        )
        rows.append(
            AgreementAcceptance(
                organization_id=org_id,
                agreement=agreement,
                text=text,
                text_sha256=text_sha256(text),
                signatory_name=owner.full_name,
                signatory_position="Managing Director",
                accepted_by=owner,
                accepted_at=max(published, _local(datetime_args=(day.year, day.month, day.day))),
                ip_address="192.0.2.10",
                user_agent="Mozilla/5.0",
            )
        )
    return _bulk(AgreementAcceptance, rows)


def _auditors(n: int, password: str) -> list[Any]:
    users = _bulk(
        User,
        (
            User(email=f"auditor-{k}@bench.example", full_name=f"Auditor {k}", password=password)
            for k in range(n)
        ),
    )
    auditors = _bulk(Auditor, (Auditor(user=u, organisation_name="Bench Audit") for u in users))
    _bulk(
        AuditorQualification,
        (
            # Approved by the office, valid from a year ago to two years ahead.
            AuditorQualification(
                auditor=a,
                scheme_kind=kind,
                status="approved",
                valid_from=timezone.localdate() - timedelta(days=365),
                valid_until=timezone.localdate() + timedelta(days=730),
            )
            for a in auditors
            for kind in ("organizational", "product")
        ),
    )
    for user in users:
        # MFA is mandatory for auditors: each has a TOTP authenticator.
        TOTP.activate(user, generate_totp_secret())
    return auditors


def _audits(
    signees: Sequence[Any], schemes: dict[str, Any], auditors: Sequence[Any], count: int, by: Any
) -> list[Any]:
    """Audits in progress: self-assessment answered, about half of the criteria scored."""
    companies = [s for s in signees if s.group != "it_customer" and s.status == "approved"]
    companies = companies[::-1] or list(signees)
    today = timezone.localdate()
    applications = _bulk(
        Application,
        (
            Application(
                organization_id=companies[k % len(companies)].organization_id,
                kind="organizational",
                scheme=schemes["organizational"],
                status="audit",
                scope_description="The whole company: PLM products and services.",
                window_start=today - timedelta(days=10),
                window_end=today + timedelta(days=30),
                submitted_at=timezone.now() - timedelta(days=40),
                created_by=by,
            )
            for k in range(count)
        ),
    )
    steps = [
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "accepted"),
        ("assign", "accepted", "auditor_assigned"),
        ("start_self_assessment", "auditor_assigned", "self_assessment"),
        ("submit_self_assessment", "self_assessment", "audit"),
    ]
    _bulk(
        ApplicationEvent,
        (
            ApplicationEvent(
                application=a, action=action, status_before=b, status_after=after, by=by
            )
            for a in applications
            for action, b, after in steps
        ),
    )
    _bulk(
        AuditorAssignment,
        (
            AuditorAssignment(
                application=a, auditor=auditors[k % len(auditors)], role="lead", assigned_by=by
            )
            for k, a in enumerate(applications)
        ),
    )
    criteria = list(schemes["organizational"].assessment_criteria.order_by("pk"))
    _bulk(
        SelfAssessmentAnswer,
        (
            SelfAssessmentAnswer(
                application=a,
                criterion=c,
                status="implemented" if n % 4 else "partially",
                explanation="Described in our openness handbook, chapter 3.",
            )
            for a in applications
            for n, c in enumerate(criteria)
        ),
    )
    # "Evidence required": the company backs each such criterion with evidence (a link), so
    # the auditors may rate it fulfilled as the load generator does, without a confirmation.
    _bulk(
        Evidence,
        (
            Evidence(
                application=a,
                criterion=c,
                url=f"https://example.org/handbook/{a.pk}/{c.pk}",
                title="Openness handbook",
            )
            for a in applications
            for c in criteria
            if c.evidence_required
        ),
    )
    now = timezone.now()
    scores = _bulk(
        Score,
        (
            Score(
                application=a,
                criterion=c,
                rating="fulfilled" if n % 2 == 0 else "",
                rationale="Evidence reviewed on site." if n % 2 == 0 else "",
                version=1 if n % 2 == 0 else 0,
                updated_by=auditors[k % len(auditors)].user if n % 2 == 0 else None,
                updated_at=now if n % 2 == 0 else None,
            )
            for k, a in enumerate(applications)
            for n, c in enumerate(criteria)
        ),
    )
    _bulk(
        ScoreChange,
        (
            ScoreChange(
                score=s, version=1, rating=s.rating, rationale=s.rationale, by=s.updated_by, at=now
            )
            for s in scores
            if s.version
        ),
    )
    return applications


def _community(
    organizations: Sequence[Any], owners: Sequence[Any], signees: Sequence[Any], years: int
) -> dict[str, int]:
    """Association members (one in ten signees), and for each past year an election with
    ballots and results, a conference with registrations, proposals and a published report."""
    now = timezone.now()
    today = timezone.localdate()
    members = [
        (org, owner, signee)
        for i, (org, owner, signee) in enumerate(zip(organizations, owners, signees, strict=True))
        if i % 10 == 3 and signee.status == "approved"
    ]
    _bulk(
        AssociationMembership,
        (
            AssociationMembership(
                organization=org,
                number=f"PI-{10000 + i}",
                member_since=today - timedelta(days=2000),
                status="verified",
                valid_until=today + timedelta(days=180),
                declared_at=now - timedelta(days=1900),
                verified_at=now - timedelta(days=1890),
            )
            for i, (org, _owner, _signee) in enumerate(members)
        ),
    )
    counts = {"members": len(members), "ballots": 0, "votes": 0}
    this_year = today.year
    for year in range(this_year - years, this_year):
        opens = _local(datetime_args=(year, 9, 1, 9, 0))
        election = Election.objects.create(
            year=year,
            title=f"Core Team election {year}",
            nomination_opens=opens,
            nomination_closes=opens + timedelta(days=21),
            voting_opens=opens + timedelta(days=28),
            voting_closes=opens + timedelta(days=42),
            tallied_at=opens + timedelta(days=43),
            results_published_at=opens + timedelta(days=44),
        )
        by_group: dict[str, list[tuple[Any, Any, Any]]] = {g: [] for g in GROUPS}
        for member in members:
            by_group[member[2].group].append(member)
        candidates = _bulk(
            Candidate,
            (
                Candidate(
                    election=election,
                    group=group,
                    user=owner,
                    organization=org,
                    nominated_by_organization=org,
                    nominated_by=owner,
                    statement="I stand for open interfaces and fair contracts.",
                    status="accepted",
                    answered_at=opens + timedelta(days=5),
                )
                for group, group_members in by_group.items()
                for org, owner, _s in group_members[(year % 3) : (year % 3) + 8]
            ),
        )
        voters = members[year % 2 :: 2]
        _bulk(
            BallotCast,
            (
                BallotCast(
                    election=election,
                    organization=org,
                    cast_by=owner,
                    cast_at=opens + timedelta(days=30),
                )
                for org, owner, _s in voters
            ),
        )
        ballots = _bulk(
            Ballot,
            (Ballot(election=election, receipt_hash=secrets.token_hex(32)) for _voter in voters),
        )
        votes: dict[int, int] = {c.pk: 0 for c in candidates}
        rows = []
        for b, ballot in enumerate(ballots):
            for c in range(6):
                candidate = candidates[(b * 7 + c * 5) % len(candidates)] if candidates else None
                if candidate is not None and all(r.candidate_id != candidate.pk for r in rows[-c:]):
                    rows.append(BallotVote(ballot=ballot, candidate=candidate))
                    votes[candidate.pk] += 1
        _bulk(BallotVote, rows)
        results = []
        for group in GROUPS:
            ranked = sorted((c for c in candidates if c.group == group), key=lambda c: -votes[c.pk])
            for rank, candidate in enumerate(ranked, start=1):
                results.append(
                    ElectionResult(
                        election=election,
                        candidate=candidate,
                        group=group,
                        votes=votes[candidate.pk],
                        rank=rank,
                        elected=rank <= election.seats(group),
                    )
                )
        _bulk(ElectionResult, results)
        Election.objects.filter(pk=election.pk).update(
            eligible_count=len(members), ballots_count=len(ballots)
        )
        counts["ballots"] += len(ballots)
        counts["votes"] += len(rows)
        conference = Conference.objects.create(
            year=year,
            title=f"CPO Conference {year}",
            starts_on=date(year, 6, 10),
            ends_on=date(year, 6, 11),
            venue="Darmstadt",
            capacity=300,
            registration_opens=_local(datetime_args=(year, 3, 1)),
            registration_closes=_local(datetime_args=(year, 6, 1)),
            is_published=True,
        )
        _bulk(
            Registration,
            (
                Registration(
                    conference=conference,
                    organization=org,
                    attendee_name=owner.full_name,
                    attendee_email=owner.email,
                    status="confirmed",
                    confirmed_at=_local(datetime_args=(year, 4, 1)),
                )
                for org, owner, _s in members[:250]
            ),
        )
        _bulk(
            Proposal,
            (
                Proposal(
                    organization=org,
                    submitted_by=owner,
                    kind="change",
                    title=f"Clarify criterion 2.{1 + n % 7}.{1 + n % 5} ({year})",
                    rationale="The wording leaves room for interpretation.",
                    status=("accepted", "rejected", "discussion", "submitted")[n % 4],
                )
                for n, (org, owner, _s) in enumerate(members[:30])
            ),
        )
        report = AnnualReport.objects.create(
            year=year,
            title=f"CPO annual report {year}",
            snapshot=take_snapshot(year, now=_local(datetime_args=(year, 12, 31, 12))),
            snapshot_taken_at=now,
            published_at=_local(datetime_args=(year + 1, 1, 20, 12)),
        )
        ReportSection.objects.create(
            report=report,
            title="Foreword",
            body=f"The year {year} brought **more signees** and more certificates.",
        )
    return counts


def build(sizes: Sizes) -> Built:
    """Insert the whole dataset in one transaction; times and counts per step."""
    built = Built()
    clock = _Clock(built)
    start = time.perf_counter()
    password = make_password(BENCH_PASSWORD)
    with transaction.atomic(), scopes_disabled():
        office = User.objects.create_user(
            email="office@bench.example", password=BENCH_PASSWORD, is_superuser=True
        )
        version, schemes = clock.run("catalogue", lambda: _catalogue(sizes.criteria))
        organizations, owners = clock.run(
            "organizations", lambda: _organizations(sizes.signees, timezone.now(), password)
        )
        signees = clock.run("signees", lambda: _signees(organizations, owners, version))
        certificates = clock.run(
            "certificates",
            lambda: _certificates(signees, schemes, version, sizes.certificate_count, office),
        )
        auditors = clock.run("auditors", lambda: _auditors(sizes.auditors, password))
        audits = clock.run(
            "audits", lambda: _audits(signees, schemes, auditors, sizes.audits, office)
        )
        acceptances = clock.run(
            "agreements",
            lambda: _agreements(
                organizations, owners, [c.application for c in certificates] + audits, office
            ),
        )
        community = clock.run(
            "community", lambda: _community(organizations, owners, signees, sizes.years)
        )
    built.seconds["total"] = round(time.perf_counter() - start, 2)
    listed = [s for s in signees if s.status == "approved"]
    step = max(1, len(listed) // 200)
    listed_slugs = [
        o.slug for o, s in zip(organizations, signees, strict=True) if s.status == "approved"
    ]
    built.signee_slugs = listed_slugs[::step][:200]
    active = [c.number for c in certificates if c.status == "active"]
    built.certificate_numbers = active[:: max(1, len(active) // 200)][:200]

    built.deep_page = max(1, (len(listed) + PAGE_SIZE - 1) // PAGE_SIZE * 9 // 10)
    built.counts = {
        "signees": len(signees),
        "listed_signees": len(listed),
        "certificates": len(certificates),
        "audits": len(audits),
        "agreement_acceptances": len(acceptances),
        "criteria_per_audit": schemes["organizational"].assessment_criteria.count(),
        "elections": sizes.years,
        "reports": sizes.years,
        **community,
    }
    criteria = schemes["organizational"].assessment_criteria.order_by("pk")
    # As _audits scores them: every second criterion is scored once (version 1).
    built.audit_criteria = [[c.pk, 1 if n % 2 == 0 else 0] for n, c in enumerate(criteria)]
    built.auditors = [
        {
            "user_id": auditor.user_id,
            "audits": [a.pk for k, a in enumerate(audits) if k % len(auditors) == n],
        }
        for n, auditor in enumerate(auditors)
    ]
    return built
