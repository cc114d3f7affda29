"""Benchmark: render certificate PDFs, signature included, through document_render.

Every render is the worker's code path: claim the pending Document, build the context,
HTML → PDF (WeasyPrint), PAdES signature (pyHanko), store the file and its SHA-256. By
default a throwaway certificate is set up inside a transaction that is rolled back at the
end (its stored files are deleted too), so the command leaves the database as it found it.
"""

import json
import statistics
import time
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Application, ApplicationStatus, AuditType, Certificate
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render, document_request
from cpo_portal.tenancy.models import Organization
from criteria.demo import demo_catalogue_data
from criteria.models import AssessmentScheme, SchemeKind
from criteria.services.catalogue import catalogue_import


class _Rollback(Exception):
    pass


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _throwaway_certificate() -> Any:
    """A certificate on the published scheme (the demo catalogue is imported if none)."""
    scheme = (
        AssessmentScheme.objects.filter(kind=SchemeKind.ORGANIZATIONAL, version__status="published")
        .select_related("version")
        .first()
    )
    if scheme is None:
        data = demo_catalogue_data()
        version, _ = catalogue_import(data=data, by=None, publish=True)
        scheme = AssessmentScheme.objects.get(version=version, kind=SchemeKind.ORGANIZATIONAL)
    today = timezone.localdate()
    organization = Organization.objects.create(
        legal_name="Benchmark Müller & Söhne GmbH",
        display_name="Benchmark Müller & Söhne",
        slug=f"bench-{int(time.time() * 1000)}",
        country="DE",
    )
    application = Application.objects.create(
        organization=organization,
        kind=SchemeKind.ORGANIZATIONAL,
        audit_type=AuditType.INITIAL,
        scheme=scheme,
        status=ApplicationStatus.DECIDED,
        decision="grant",
        scope_description="Whole company: PLM products, services and the partner network.",
        window_start=today - timedelta(days=60),
        window_end=today - timedelta(days=30),
    )
    return Certificate.objects.create(
        number=f"CPO-O-{today.year}-BENCH",
        kind=SchemeKind.ORGANIZATIONAL,
        organization=organization,
        holder_name=organization.legal_name,
        holder_country="DE",
        holder_group="it_vendor",
        application=application,
        scheme=scheme,
        catalogue_version=scheme.version,
        scope_description=application.scope_description,
        issued_on=today,
        valid_until=today + timedelta(days=3 * 365),
        status_changed_at=timezone.now(),
    )


class Command(BaseCommand):
    help = "Render N signed certificate PDFs through the Document pipeline; print median/p95."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", "--renders", type=int, default=20, help="timed renders")
        parser.add_argument("--warmup", type=int, default=1, help="untimed renders first")
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        renders, warmup = options["renders"], options["warmup"]
        if renders < 1 or warmup < 0:
            raise CommandError("--renders must be at least 1 and --warmup at least 0.")
        stored: list[str] = []
        timings: list[float] = []
        cold: float | None = None
        size = 0
        try:
            with transaction.atomic(), scopes_disabled():
                certificate = _throwaway_certificate()
                document = document_request(
                    kind="certificate",
                    owner=certificate,
                    organization=certificate.organization,
                    title=f"Certificate {certificate.number}",
                )
                for i in range(warmup + renders):
                    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.PENDING)
                    start = time.perf_counter()
                    result = document_render(document_id=document.pk)
                    elapsed = time.perf_counter() - start
                    if result is None or result.status != DocumentStatus.READY:
                        error = Document.objects.get(pk=document.pk).last_error
                        raise CommandError(f"render failed: {error}")
                    stored.append(str(result.file.name))
                    size = result.size or 0
                    if i == 0:
                        cold = elapsed
                    if i >= warmup:
                        timings.append(elapsed)
                raise _Rollback
        except _Rollback:
            pass
        finally:
            for name in stored:
                default_storage.delete(name)
        summary = {
            "renders": renders,
            "median_s": round(statistics.median(timings), 4),
            "p95_s": round(_p95(timings), 4),
            "min_s": round(min(timings), 4),
            "max_s": round(max(timings), 4),
            "first_render_s": round(cold or 0.0, 4),
            "pdf_bytes": size,
        }
        if options["json"]:
            self.stdout.write(json.dumps({"bench": "certificate_pdf", **summary}))
            return
        self.stdout.write(
            f"certificate PDF (signed) x{renders}: median {summary['median_s']:.3f} s, "
            f"p95 {summary['p95_s']:.3f} s (min {summary['min_s']:.3f}, max "
            f"{summary['max_s']:.3f}; first render {summary['first_render_s']:.3f} s; "
            f"{size} bytes)"
        )
