"""Benchmark: the annual CPO report for 10,000 signees and 5,000 certificates.

Builds the data with bulk_create (organizations, signees, prostep ivip memberships, CPO
Statements, applications and certificates, a conference with registrations, proposals),
takes the report's snapshot, renders its PDF through document_render (the worker's code
path) and prints seconds and peak RSS (resource.getrusage).

Everything happens inside one transaction that is rolled back at the end (the rendered
file is deleted too), so the command leaves the database as it found it. Still, run it
against a throwaway database:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py bench_annual_report

(DEBUG=true or a SECRET_KEY is needed as for any management command.)
"""

import json
import resource
import sys
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Application, ApplicationStatus, Certificate
from community.models import (
    AnnualReport,
    AssociationMembership,
    Conference,
    Proposal,
    ProposalStatus,
    Registration,
)
from community.services import reports
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.documents.services import document_render, document_request
from cpo_portal.tenancy.models import Organization
from criteria.demo import demo_catalogue_data
from criteria.models import AssessmentScheme, SchemeKind
from criteria.selectors.catalogue import current_published_version
from criteria.services.catalogue import catalogue_import
from signees.models import Signee, Statement

GROUPS = ("it_customer", "it_vendor", "it_service_provider")
BATCH = 1000


class _Rollback(Exception):
    pass


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _published_catalogue() -> Any:
    version = current_published_version()
    if version is None:
        data = demo_catalogue_data()
        version, _ = catalogue_import(data=data, by=None, publish=True)
    schemes = {}
    for kind in SchemeKind.values:
        schemes[kind], _ = AssessmentScheme.objects.get_or_create(version=version, kind=kind)
    return version, schemes


def build_dataset(*, signees: int, certificates: int, year: int) -> dict[str, int]:
    """Bulk-create a realistic portal: every third signee an IT vendor, a fifth of them
    community members, half the vendors with a published statement, certificates of both
    kinds in every status."""
    version, schemes = _published_catalogue()
    now = timezone.now()
    today = timezone.localdate()
    stamp = int(time.time())
    organizations = Organization.objects.bulk_create(
        (
            Organization(
                legal_name=f"Bench {i} GmbH",
                display_name=f"Bench {i}",
                slug=f"bench-{stamp}-{i}",
                country="DE",
            )
            for i in range(signees)
        ),
        batch_size=BATCH,
    )
    # SQLite and PostgreSQL return the primary keys from bulk_create.
    Signee.objects.bulk_create(
        (
            Signee(
                organization=org,
                group=GROUPS[i % 3],
                status="approved" if i % 10 else "pending",
                catalogue_version=version,
                signed_at=now - timedelta(days=i % 2000),
                approved_at=now - timedelta(days=i % 2000) if i % 10 else None,
                statement_due=today - timedelta(days=(i % 2000) - 90),
                listed_name=org.display_name,
            )
            for i, org in enumerate(organizations)
        ),
        batch_size=BATCH,
    )
    signee_ids = dict(
        Signee.objects.filter(organization__in=organizations).values_list("organization_id", "pk")
    )
    Statement.objects.bulk_create(
        (
            Statement(
                signee_id=signee_ids[org.pk],
                number=1,
                catalogue_version=version,
                status="published",
                published_at=now - timedelta(days=i % 700),
            )
            for i, org in enumerate(organizations)
            if i % 3 == 1 and i % 2
        ),
        batch_size=BATCH,
    )
    AssociationMembership.objects.bulk_create(
        (
            AssociationMembership(
                organization=org,
                number=f"PI-{i}",
                member_since=today - timedelta(days=800),
                status="verified",
                valid_until=today + timedelta(days=200),
                declared_at=now,
                verified_at=now,
            )
            for i, org in enumerate(organizations)
            if i % 5 == 0
        ),
        batch_size=BATCH,
    )
    holders = organizations[: max(1, min(len(organizations), certificates))]
    applications = Application.objects.bulk_create(
        (
            Application(
                organization=holders[j % len(holders)],
                kind="organizational" if j % 2 else "product",
                scheme=schemes["organizational" if j % 2 else "product"],
                status=ApplicationStatus.DECIDED,
                decision="grant",
                scope_description="Benchmark scope",
                window_start=today - timedelta(days=400),
                window_end=today - timedelta(days=380),
            )
            for j in range(certificates)
        ),
        batch_size=BATCH,
    )
    statuses = ("active", "active", "active", "suspended", "withdrawn", "expired")
    Certificate.objects.bulk_create(
        (
            Certificate(
                number=f"CPO-{'O' if app.kind == 'organizational' else 'P'}-{stamp}-{j}",
                kind=app.kind,
                organization_id=app.organization_id,
                holder_name="Bench",
                holder_country="DE",
                holder_group="it_vendor",
                application=app,
                scheme=app.scheme,
                catalogue_version=version,
                scope_description="Benchmark scope",
                issued_on=today - timedelta(days=j % 1400),
                valid_until=today + timedelta(days=1095 - j % 1400),
                status=statuses[j % len(statuses)],
                status_changed_at=now,
            )
            for j, app in enumerate(applications)
        ),
        batch_size=BATCH,
    )
    conference, _ = Conference.objects.get_or_create(
        year=year,
        defaults={
            "title": f"CPO Conference {year}",
            "starts_on": today,
            "ends_on": today,
            "capacity": 300,
            "registration_opens": now - timedelta(days=30),
            "registration_closes": now + timedelta(days=30),
            "is_published": True,
        },
    )
    members = [org for i, org in enumerate(organizations) if i % 5 == 0][:400]
    Registration.objects.bulk_create(
        (
            Registration(
                conference=conference,
                organization=org,
                attendee_name=f"Attendee {i}",
                attendee_email=f"bench-{stamp}-{i}@example.org",
                status="confirmed" if i < 300 else "waitlisted",
            )
            for i, org in enumerate(members)
        ),
        batch_size=BATCH,
    )
    outcomes = ProposalStatus.values
    Proposal.objects.bulk_create(
        (
            Proposal(
                organization=org,
                kind="change",
                title=f"Proposal {i}",
                rationale="Benchmark",
                status=outcomes[i % len(outcomes)],
            )
            for i, org in enumerate(members[:200])
        ),
        batch_size=BATCH,
    )
    return {
        "signees": signees,
        "certificates": certificates,
        "community_members": len([i for i in range(signees) if i % 5 == 0]),
    }


class Command(BaseCommand):
    help = (
        "Build 10,000 signees and 5,000 certificates, snapshot the annual report and render "
        "its PDF; print seconds and peak RSS. Rolled back at the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signees", type=int, default=10_000)
        parser.add_argument("--certificates", type=int, default=5_000)
        parser.add_argument("--year", type=int, default=timezone.now().year)
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["signees"] < 1 or options["certificates"] < 0:
            raise CommandError("--signees must be at least 1 and --certificates at least 0.")
        year = options["year"]
        stored: list[str] = []
        summary: dict[str, Any] = {}
        try:
            with transaction.atomic(), scopes_disabled():
                start = time.perf_counter()
                summary.update(
                    build_dataset(
                        signees=options["signees"],
                        certificates=options["certificates"],
                        year=year,
                    )
                )
                summary["build_s"] = round(time.perf_counter() - start, 2)
                AnnualReport.objects.filter(year=year).delete()
                report = AnnualReport.objects.create(year=year, title=f"CPO annual report {year}")
                reports.report_section_save(
                    report=report,
                    by=_editor(),
                    title="Foreword",
                    body="A year of **openness**.\n\n- more signees\n- more certificates",
                )
                start = time.perf_counter()
                reports.report_snapshot_take(report=report, by=_editor())
                summary["snapshot_s"] = round(time.perf_counter() - start, 3)
                document = document_request(
                    kind="annual_report", owner=report, organization=None, title=report.title
                )
                start = time.perf_counter()
                result = document_render(document_id=document.pk)
                summary["render_s"] = round(time.perf_counter() - start, 3)
                if result is None or result.status != DocumentStatus.READY:
                    document.refresh_from_db()
                    raise CommandError(f"render failed: {document.last_error}")
                stored.append(str(result.file.name))
                report.refresh_from_db()
                snapshot: dict[str, Any] = report.snapshot or {}
                summary["pdf_bytes"] = result.size
                summary["snapshot_signees"] = snapshot["signees"]["total"]
                summary["snapshot_certificates"] = sum(
                    k["issued_total"] for k in snapshot["certificates"]["by_kind"].values()
                )
                summary["snapshot_plus_render_s"] = round(
                    summary["snapshot_s"] + summary["render_s"], 3
                )
                raise _Rollback
        except _Rollback:
            pass
        finally:
            for name in stored:
                default_storage.delete(name)
        summary["peak_rss_mb"] = _peak_rss_mb()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key:>24}: {value}")


_EDITOR: list[Any] = []


def _editor() -> Any:
    """A throwaway superuser (inside the rolled-back transaction): the office may edit."""
    if _EDITOR:
        return _EDITOR[0]

    user = get_user_model().objects.create_user(
        email=f"bench-{time.time_ns()}@example.org", is_superuser=True
    )
    _EDITOR.append(user)
    return user
