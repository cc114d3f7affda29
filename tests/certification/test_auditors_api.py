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
    assert [(q["scheme_kind"], q["status"], q["in_force"]) for q in profile["qualifications"]] == [
        ("organizational", "approved", True),
        ("product", "approved", True),
    ]
    assert profile["conflicts"] == []

    until = timezone.localdate() + timedelta(days=30)
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


APPLICATION = {
    "scheme_kind": "organizational",
    "training": "CPO auditor training, 2025.",
    "experience": "Eight years of PLM projects.",
}


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("qualifications/", {**APPLICATION, "scheme_kind": "space"}, "scheme_kind"),
        ("qualifications/", {}, "scheme_kind"),
        ("qualifications/", {**APPLICATION, "training": ""}, "training"),
        ("qualifications/", {**APPLICATION, "experience": "   "}, "experience"),
        ("qualifications/", {**APPLICATION, "training": "x" * 5001}, "training"),
        ("conflicts/", {}, "organization"),
        ("conflicts/", {"organization": "no-such-org"}, "organization"),
        ("conflicts/", {"organization": "beta", "until": "soon"}, "until"),
        ("conflicts/", {"organization": "beta", "until": "2001-01-01"}, "until"),
        ("conflicts/", {"organization": "beta", "reason": "x" * 501}, "reason"),
    ],
)
def test_bad_profile_input_is_400_and_writes_nothing(api, co, co_user, beta, path, payload, field):
    before = counts()
    response = as_user(api, co_user).post(
        PROFILE_URL + path, json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts() == before


def test_the_self_declaration_is_gone(api, co, co_user):
    before = counts()
    response = as_user(api, co_user).put(
        PROFILE_URL + "qualifications/", {"scheme_kinds": ["product"]}, format="json"
    )
    assert response.status_code == 405
    assert counts() == before


def test_auditor_applies_lists_and_withdraws(
    api, co_user, mailoutbox, django_capture_on_commit_callbacks
):
    from cpo_portal.accounts.models import Auditor

    Auditor.objects.create(user=co_user)
    as_user(api, co_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(PROFILE_URL + "qualifications/", APPLICATION, format="json")
    assert response.status_code == 201, response.content
    applied = response.json()
    assert (applied["status"], applied["in_force"], applied["valid_until"]) == (
        "applied",
        False,
        None,
    )
    # Applying twice for the same scheme is refused while the first is pending.
    again = api.post(PROFILE_URL + "qualifications/", APPLICATION, format="json")
    assert again.status_code == 400
    assert "scheme_kind" in again.json()
    assert [q["id"] for q in api.get(PROFILE_URL + "qualifications/").json()] == [applied["id"]]

    url = f"{PROFILE_URL}qualifications/{applied['id']}/withdraw/"
    response = api.post(url, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert api.post(url, format="json").status_code == 400  # only a pending one


def test_application_with_an_evidence_file_is_multipart_and_checked(api, co_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cpo_portal.accounts.models import Auditor

    from .helpers import PDF_BYTES

    Auditor.objects.create(user=co_user)
    as_user(api, co_user)
    before = counts()
    renamed = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = api.post(
        PROFILE_URL + "qualifications/", {**APPLICATION, "evidence": renamed}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert "evidence" in response.json()
    assert counts() == before
    good = SimpleUploadedFile("cv.pdf", PDF_BYTES, content_type="application/pdf")
    response = api.post(
        PROFILE_URL + "qualifications/", {**APPLICATION, "evidence": good}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence_name"] == "cv.pdf"


def test_someone_elses_qualification_is_404(api, co, co_user, lead, auditor_user):
    theirs = lead.qualifications.first()
    response = as_user(api, co_user).post(
        f"{PROFILE_URL}qualifications/{theirs.pk}/withdraw/", format="json"
    )
    assert response.status_code == 404


# --- The office decides --------------------------------------------------------------------

OFFICE_URL = "/api/v1/office/qualifications/"


def _applied(auditor, kind="organizational"):
    from certification.services.auditors import qualification_apply

    return qualification_apply(
        auditor=auditor,
        scheme_kind=kind,
        training="Course.",
        experience="Years.",
        by=auditor.user,
    )


def test_office_lists_approves_and_refuses(api, co, office_user, make_user):
    from .helpers import make_auditor

    renewal = _applied(co)
    novice = make_auditor(make_user(email="n@example.org"), "product")
    first = _applied(novice)
    as_user(api, office_user)
    queue = api.get(OFFICE_URL).json()
    assert [q["id"] for q in queue["results"]] == [renewal.pk, first.pk]
    assert queue["results"][0]["auditor"] == "Cora Co-Auditor"

    today = timezone.localdate()
    response = api.post(
        f"{OFFICE_URL}{renewal.pk}/approve/",
        {"valid_from": str(today), "valid_until": str(today + timedelta(days=365))},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["in_force"]) == ("approved", True)
    # The renewal superseded the qualification in force.
    assert sorted(
        co.qualifications.filter(scheme_kind="organizational").values_list("status", flat=True)
    ) == ["approved", "superseded"]

    assert api.post(f"{OFFICE_URL}{first.pk}/refuse/", {}, format="json").status_code == 400
    response = api.post(f"{OFFICE_URL}{first.pk}/refuse/", {"reason": "Too new."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "refused"
    assert api.get(OFFICE_URL).json()["count"] == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "valid_from"),
        ({"valid_from": "2020-01-01", "valid_until": "2021-01-01"}, "valid_until"),
        ({"valid_from": "{today}", "valid_until": "{six_years}"}, "valid_until"),
        ({"valid_from": "{today}", "valid_until": "{yesterday}"}, "valid_until"),
    ],
)
def test_bad_approval_is_400_and_writes_nothing(api, co, office_user, payload, field):
    today = timezone.localdate()
    days = {
        "{today}": today,
        "{yesterday}": today - timedelta(days=1),
        "{six_years}": today + timedelta(days=6 * 366),
    }
    data = {k: str(days.get(v, v)) for k, v in payload.items()}
    applied = _applied(co)
    before = counts()
    response = as_user(api, office_user).post(
        f"{OFFICE_URL}{applied.pk}/approve/", data, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert counts() == before
    applied.refresh_from_db()
    assert applied.status == "applied"


def test_revoking_while_assigned_is_400(api, assigned, lead, office_user):
    approved = lead.qualifications.get(scheme_kind="organizational", status="approved")
    response = as_user(api, office_user).post(
        f"{OFFICE_URL}{approved.pk}/revoke/", {"reason": "Left."}, format="json"
    )
    assert response.status_code == 400
    assert "while the auditor is assigned" in response.json()["non_field_errors"][0]
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_office_decides_nothing_about_its_own_qualification(api, office_user, make_user):
    from cpo_portal.accounts.models import Auditor

    own = _applied(Auditor.objects.create(user=office_user))
    today = timezone.localdate()
    response = as_user(api, office_user).post(
        f"{OFFICE_URL}{own.pk}/approve/",
        {"valid_from": str(today), "valid_until": str(today + timedelta(days=30))},
        format="json",
    )
    assert response.status_code == 400
    assert "own qualification" in str(response.json())
    own.refresh_from_db()
    assert own.status == "applied"


def test_outsiders_get_404_from_the_office_routes(api, co, alice, auditor_user, lead):
    applied = _applied(co)
    for user in (alice, auditor_user):
        as_user(api, user)
        assert api.get(OFFICE_URL).status_code == 404
        for action in ("approve", "refuse", "revoke"):
            response = api.post(f"{OFFICE_URL}{applied.pk}/{action}/", {}, format="json")
            assert response.status_code == 404
    applied.refresh_from_db()
    assert applied.status == "applied"


def test_office_queue_queries_do_not_grow(api, office_user, make_user):
    from cpo_portal.accounts.models import Auditor

    def measure():
        as_user(api, office_user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert api.get(OFFICE_URL).status_code == 200
        return len(captured)

    _applied(Auditor.objects.create(user=make_user(email="q0@example.org")))
    measure()  # the user's permissions, cached from then on
    few = measure()
    for index in range(1, 6):
        _applied(Auditor.objects.create(user=make_user(email=f"q{index}@example.org")))
    assert measure() == few


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
