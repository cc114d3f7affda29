"""The certification API for auditors: declining an assignment, the office's
assignments, the auditor's own profile (qualifications, conflicts of interest)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    ApplicationStatus,
    AuditorAssignment,
)
from certification.services.auditors import auditor_conflict_declare
from tests.certification.helpers import (
    as_user,
    counts,
)

pytestmark = pytest.mark.django_db


def test_decline_needs_a_reason_and_ends_the_assignment(api, case, auditor_user):
    as_user(api, auditor_user)
    url = f"/api/v1/audits/{case['id']}/decline/"
    before = counts()
    assert api.post(url, {}, format="json").status_code == 400
    assert api.post(url, {"reason": "   "}, format="json").status_code == 400
    assert counts() == before
    assert api.post(url, {"reason": "Overbooked."}, format="json").status_code == 204
    assert api.get(f"/api/v1/audits/{case['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"auditor_id": 999999, "role": "lead"}, "auditor_id"),
        ({"auditor_id": "x", "role": "lead"}, "auditor_id"),
        ({"role": "lead"}, "auditor_id"),
        ({"auditor_id": "{lead}", "role": "boss"}, "role"),
        ({"auditor_id": "{lead}", "role": "co"}, "non_field_errors"),  # lead first
        ({"auditor_id": "{conflicted}", "role": "lead"}, "auditor_id"),
        ({"auditor_id": "{unqualified}", "role": "lead"}, "auditor_id"),
    ],
)
def test_bad_assignment_is_400_and_writes_nothing(
    api, accepted, office_user, lead, co, alpha, make_user, payload, field
):
    from tests.certification.helpers import make_auditor

    auditor_conflict_declare(auditor=co, organization=alpha, by=co.user)
    unqualified = make_auditor(make_user(email="p@example.org"), "product")
    ids = {"{lead}": lead.pk, "{conflicted}": co.pk, "{unqualified}": unqualified.pk}
    data = {k: ids.get(v, v) for k, v in payload.items()}
    before = counts()
    response = as_user(api, office_user).post(
        f"/api/v1/office/applications/{accepted.pk}/assignments/", data, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before
    accepted.refresh_from_db()
    assert accepted.status == ApplicationStatus.ACCEPTED


# --- The auditor's profile -----------------------------------------------------------------

PROFILE_URL = "/api/v1/audit/profile/"


def test_auditor_keeps_their_profile(api, co, co_user, beta):
    as_user(api, co_user)
    profile = api.get(PROFILE_URL).json()
    assert [q["scheme_kind"] for q in profile["qualifications"]] == ["organizational", "product"]
    assert profile["conflicts"] == []

    response = api.put(
        PROFILE_URL + "qualifications/", {"scheme_kinds": ["product"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["qualifications"] == [
        {"scheme_kind": "product", "scheme_label": "Product", "valid_until": None}
    ]

    until = timezone.now().date() + timedelta(days=30)
    response = api.post(
        PROFILE_URL + "conflicts/",
        {"organization": "beta", "until": str(until), "reason": "Former employer"},
        format="json",
    )
    assert response.status_code == 201, response.content
    conflict = response.json()
    assert (conflict["organization_slug"], conflict["until"], conflict["reason"]) == (
        "beta",
        str(until),
        "Former employer",
    )
    assert [c["id"] for c in api.get(PROFILE_URL).json()["conflicts"]] == [conflict["id"]]

    assert api.delete(f"{PROFILE_URL}conflicts/{conflict['id']}/").status_code == 204
    assert api.delete(f"{PROFILE_URL}conflicts/{conflict['id']}/").status_code == 404
    assert co.conflicts.count() == 0
    assert set(co.qualifications.values_list("scheme_kind", flat=True)) == {"product"}


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("qualifications/", {"scheme_kinds": ["space"]}, "scheme_kinds"),
        ("qualifications/", {}, "scheme_kinds"),
        ("conflicts/", {}, "organization"),
        ("conflicts/", {"organization": "no-such-org"}, "organization"),
        ("conflicts/", {"organization": "beta", "until": "soon"}, "until"),
        ("conflicts/", {"organization": "beta", "until": "2001-01-01"}, "until"),
        ("conflicts/", {"organization": "beta", "reason": "x" * 501}, "reason"),
    ],
)
def test_bad_profile_input_is_400_and_writes_nothing(api, co, co_user, beta, path, payload, field):
    before = counts()
    response = as_user(api, co_user).generic(
        "PUT" if path == "qualifications/" else "POST",
        PROFILE_URL + path,
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts() == before


def test_conflict_declared_through_the_api_ends_the_assignment(api, assigned, auditor_user):
    as_user(api, auditor_user)
    assert api.get(f"/api/v1/audits/{assigned.pk}/").status_code == 200

    response = api.post(PROFILE_URL + "conflicts/", {"organization": "alpha"}, format="json")

    assert response.status_code == 201, response.content
    with scopes_disabled():
        ended = AuditorAssignment.objects.get(application=assigned)
    assert (ended.status, ended.reason) == ("ended", "conflict of interest declared")
    assert api.get(f"/api/v1/audits/{assigned.pk}/").status_code == 404
    assert api.get("/api/v1/audits/").json()["count"] == 0


def test_removing_a_qualification_while_assigned_is_400(api, assigned, auditor_user):
    before = counts()
    response = as_user(api, auditor_user).put(
        PROFILE_URL + "qualifications/", {"scheme_kinds": ["product"]}, format="json"
    )
    assert response.status_code == 400
    assert "while assigned" in response.json()["scheme_kinds"][0]
    assert counts() == before
