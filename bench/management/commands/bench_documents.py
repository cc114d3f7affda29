"""Document benchmarks on the benchmark dataset, one measurement per call (a fresh process
each, so peak memory is the measurement's own):

    bench_documents floor -n 30         bare WeasyPrint render of a one-line page
    bench_documents certificate -n 30   signed certificate PDFs through document_render
    bench_documents batch -n 200        queue N certificate PDFs to the Celery workers and
                                        wait until every one is ready (needs a broker)
    bench_documents report              the annual report of this year: snapshot + PDF

Each prints one JSON line. certificate and report roll their rows back and delete their
files; batch leaves its rendered documents (the dataset is thrown away afterwards).
"""

import json
import resource
import statistics
import sys
import time
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Certificate
from community.models import AnnualReport
from community.services import reports
from cpo_portal.accounts.models import User
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import document_render, document_request

FLOOR_PAGE = "<!doctype html><html><body><p>Code of PLM Openness</p></body></html>"


class _Rollback(Exception):
    pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


class Command(BaseCommand):
    help = "Document benchmarks: floor, certificate, batch or report (one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["floor", "certificate", "batch", "report"])
        parser.add_argument("-n", type=int, default=30, help="renders (or documents in batch)")
        parser.add_argument("--timeout", type=float, default=600.0, help="batch: seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["n"]
        if n < 1:
            raise CommandError("-n must be at least 1.")
        what = options["what"]
        if what == "floor":
            result = _floor(n)
        elif what == "certificate":
            result = _certificate(n)
        elif what == "batch":
            result = _batch(n, options["timeout"])
        else:
            result = _report()
        result["peak_rss_mb"] = peak_rss_mb()
        self.stdout.write(json.dumps(result))


def _floor(n: int) -> dict[str, Any]:
    """The cheapest PDF WeasyPrint makes: what any rendered document costs at least."""
    from weasyprint import HTML  # heavy: loaded by this measurement only

    HTML(string=FLOOR_PAGE).write_pdf()  # warm-up: fonts and the layout engine
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        HTML(string=FLOOR_PAGE).write_pdf()
        timings.append(time.perf_counter() - start)
    return _stats(timings)


def _certificate(n: int) -> dict[str, Any]:
    out = StringIO()
    call_command("bench_certificate_pdf", renders=n, warmup=1, json=True, stdout=out)
    summary = json.loads(out.getvalue())
    return {
        "renders": n,
        "median_s": summary["median_s"],
        "p95_s": summary["p95_s"],
        "pdf_bytes": summary["pdf_bytes"],
    }


def _batch(n: int, timeout: float) -> dict[str, Any]:
    """N certificate PDFs through the real queue: requested in one commit, rendered by
    whatever workers consume the broker, timed until the last one is ready."""
    if not settings.CELERY_BROKER_URL:
        raise CommandError("batch needs a broker (REDIS_URL) and running workers.")
    with scopes_disabled():
        certificates = list(Certificate.objects.select_related("organization").order_by("pk")[:n])
        if len(certificates) < n:
            raise CommandError(f"The dataset has only {len(certificates)} certificates.")
        start = time.perf_counter()
        with transaction.atomic():
            ids = [
                document_request(
                    kind="certificate",
                    owner=c,
                    organization=c.organization,
                    title=f"Certificate {c.number}",
                ).pk
                for c in certificates
            ]
        deadline = start + timeout
        while True:
            statuses = dict(
                Document.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk"))
            )
            if statuses.get(DocumentStatus.FAILED):
                raise CommandError(f"{statuses[DocumentStatus.FAILED]} documents failed.")
            if statuses.get(DocumentStatus.READY, 0) == n:
                break
            if time.perf_counter() > deadline:
                raise CommandError(f"Not all documents ready after {timeout:.0f} s: {statuses}")
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
    return {"documents": n, "seconds": round(elapsed, 2), "per_second": round(n / elapsed, 2)}


def _report() -> dict[str, Any]:
    """This year's annual report on the whole dataset: snapshot, then the PDF."""
    year = timezone.localdate().year
    stored: list[str] = []
    result: dict[str, Any] = {}
    try:
        with transaction.atomic(), scopes_disabled():
            editor = User.objects.filter(is_superuser=True).order_by("pk").first()
            if editor is None:
                raise CommandError("The dataset has no office user.")
            AnnualReport.objects.filter(year=year).delete()
            start = time.perf_counter()
            report = AnnualReport.objects.create(year=year, title=f"CPO annual report {year}")
            reports.report_section_save(
                report=report,
                by=editor,
                title="Foreword",
                body="A year of **openness**.\n\n- more signees\n- more certificates",
            )
            reports.report_snapshot_take(report=report, by=editor)
            snapshot_s = time.perf_counter() - start
            document = document_request(
                kind="annual_report", owner=report, organization=None, title=report.title
            )
            rendered = document_render(document_id=document.pk)
            if rendered is None or rendered.status != DocumentStatus.READY:
                raise CommandError("The annual report did not render.")
            stored.append(str(rendered.file.name))
            report.refresh_from_db()
            result = {
                "snapshot_s": round(snapshot_s, 2),
                "seconds": round(time.perf_counter() - start, 2),
                "pdf_bytes": rendered.size,
                "signees": report.snapshot["signees"]["total"],
            }
            raise _Rollback
    except _Rollback:
        pass
    finally:
        for name in stored:
            default_storage.delete(name)
    return result


def _stats(timings: list[float]) -> dict[str, Any]:
    return {
        "renders": len(timings),
        "median_s": round(statistics.median(timings), 4),
        "p95_s": round(percentile(timings, 0.95), 4),
    }
