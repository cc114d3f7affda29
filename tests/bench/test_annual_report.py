"""The benchmark command runs end to end on small numbers and leaves nothing behind."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled


@pytest.mark.django_db
def test_bench_annual_report_small_and_rolled_back():
    from certification.models import Certificate
    from community.models import AnnualReport
    from signees.models import Signee

    out = StringIO()
    call_command("bench_annual_report", signees=30, certificates=12, json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["snapshot_signees"] == 27  # every tenth signee is still pending
    assert summary["snapshot_certificates"] == 12
    assert summary["pdf_bytes"] > 1000 and summary["peak_rss_mb"] > 0
    with scopes_disabled():
        assert not Signee.objects.exists() and not Certificate.objects.exists()
    assert not AnnualReport.objects.exists()
