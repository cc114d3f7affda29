"""`make bench` cannot rot: its dataset command at a tiny size, and the paths and sessions
its load generator uses, against the real pages."""

import json

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django_scopes import scopes_disabled

from bench.run import endpoints
from bench.views import CEILING_BODY, ceiling
from certification.models import AgreementAcceptance, Application
from certification.selectors.agreements import agreement_in_force
from certification.services.agreements import text_sha256

pytestmark = pytest.mark.django_db


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.json"
    call_command(
        "bench_dataset",
        signees=40,
        audits=2,
        criteria=12,
        years=1,
        auditors=2,
        manifest=path,
    )
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_dataset_is_built_and_described(manifest):
    counts = manifest["counts"]
    assert counts["signees"] == 40
    assert counts["certificates"] == 20
    assert counts["audits"] == 2
    assert counts["criteria_per_audit"] == 12
    assert counts["elections"] == counts["reports"] == 1
    assert manifest["signee_slugs"] and manifest["certificate_numbers"]
    assert {"catalogue", "signees", "certificates", "total"} <= set(manifest["seconds"])
    assert len(manifest["audit_criteria"]) == 12


def test_every_accepted_application_has_its_organizations_agreement_acceptance(manifest):
    with scopes_disabled():
        agreement = agreement_in_force()
        accepted = set(
            Application.objects.exclude(status__in=["draft", "submitted"]).values_list(
                "organization_id", flat=True
            )
        )
        acceptances = list(AgreementAcceptance.objects.filter(agreement=agreement))
    assert agreement is not None and agreement.number == 1
    assert {a.organization_id for a in acceptances} == accepted
    assert manifest["counts"]["agreement_acceptances"] == len(accepted)
    for acceptance in acceptances:
        assert acceptance.text_sha256 == text_sha256(acceptance.text)
        assert acceptance.signatory_name in acceptance.text
        assert acceptance.accepted_at >= agreement.published_at


def test_every_path_of_the_load_answers_200(manifest):
    client = Client()
    for name, _kind, paths in endpoints(manifest):
        for path in paths[:3]:
            response = client.get(path)
            assert response.status_code == 200, (name, path, response.status_code)


def test_an_auditors_session_autosaves_as_the_load_generator_does(manifest, settings):
    auditor = next(a for a in manifest["auditors"] if a["audits"])
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = auditor["session"]
    audit = auditor["audits"][0]
    assert client.get(f"/audit/{audit}/").status_code == 200
    # bench/locustfile.py: a 32-character secret as cookie and header (double submit).
    token = "b" * 32
    client.cookies["csrftoken"] = token
    criterion, version = manifest["audit_criteria"][0]
    response = client.post(
        f"/audit/{audit}/scores/{criterion}/",
        {"rating": "fulfilled", "rationale": "", "version": str(version)},
        HTTP_X_CSRFTOKEN=token,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200


def test_a_second_build_into_the_same_database_is_refused(manifest):
    with pytest.raises(Exception, match="empty one"):
        call_command("bench_dataset", signees=5, audits=1, criteria=5, years=1, auditors=1)


def test_the_ceiling_is_a_constant():
    response = ceiling(RequestFactory().get("/bench/ceiling"))
    assert response.status_code == 200
    assert response.content == CEILING_BODY
