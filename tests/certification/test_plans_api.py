"""The audit plan in the API: members read it, owners and admins confirm it or object to an
auditor; refusals are 400s with the reason; outsiders get 404."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import AuditorAssignment, AuditorObjection

from .helpers import as_user, send_plan

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_url(application, tail=""):
    return f"/api/v1/organizations/alpha/applications/{application.pk}/plan/{tail}"


@pytest.fixture
def sent(assigned, auditor_user):
    return send_plan(assigned, auditor_user)


def test_members_read_the_plan(api, sent, assigned, bob, lead):
    response = as_user(api, bob).get(plan_url(assigned))
    assert response.status_code == 200
    body = response.json()
    plan = body["in_force"]
    assert (plan["number"], plan["status"], plan["mode"]) == (1, "sent", "remote")
    assert plan["person_days"] == "2.50"
    assert plan["rule"] == "1.5 base (Organizational) + 0.25 × 4 subject areas beyond 4 = 2.5"
    assert [m["name"] for m in plan["team"]] == ["Arne Auditor"]
    assert "auditor" not in plan["team"][0]  # no raw ids of people
    assert plan["agenda"][0]["topic"] == "Opening meeting"
    assert body["objection_window_open"] is True
    assert body["objections"] == [] and body["earlier"] == []


def test_an_owner_objects_then_cannot_confirm(api, sent, assigned, alice):
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=assigned)
    as_user(api, alice)
    response = api.post(
        plan_url(assigned, "objections/"),
        {"assignment": assignment.pk, "reason": "Former employee."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["objections"][0]["status"] == "pending"
    again = api.post(
        plan_url(assigned, "objections/"),
        {"assignment": assignment.pk, "reason": "Again."},
        format="json",
    )
    assert again.status_code == 400
    confirm = api.post(plan_url(assigned, "confirm/"))
    assert confirm.status_code == 400
    assert "awaits the office's decision" in confirm.json()["non_field_errors"][0]


def test_objections_after_the_deadline_and_to_strangers_are_refused(
    api, sent, assigned, alice, co, office_user
):
    from certification.services.auditors import auditor_assign

    stranger = auditor_assign(application=assigned, auditor=co, role="co", by=office_user)
    as_user(api, alice)
    response = api.post(
        plan_url(assigned, "objections/"),
        {"assignment": stranger.pk, "reason": "Who is this?"},
        format="json",
    )
    assert response.status_code == 400
    assert "not on the plan" in response.json()["assignment"][0]
    with scopes_disabled():
        lead = AuditorAssignment.objects.get(application=assigned, role="lead")
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        late = api.post(
            plan_url(assigned, "objections/"),
            {"assignment": lead.pk, "reason": "Late."},
            format="json",
        )
    assert late.status_code == 400
    assert "ended on 2026-12-14" in late.json()["non_field_errors"][0]
    with scopes_disabled():
        assert not AuditorObjection.objects.exists()


def test_an_owner_confirms_a_member_may_not(api, sent, assigned, alice, bob):
    assert as_user(api, bob).post(plan_url(assigned, "confirm/")).status_code == 403
    response = as_user(api, alice).post(plan_url(assigned, "confirm/"))
    assert response.status_code == 200
    assert response.json()["in_force"]["status"] == "confirmed"
    assert response.json()["in_force"]["confirmed_by"] == "Alice Owner"


def test_without_a_plan_there_is_nothing_to_confirm(api, assigned, alice):
    assert as_user(api, alice).get(plan_url(assigned)).json()["in_force"] is None
    response = api.post(plan_url(assigned, "confirm/"))
    assert response.status_code == 400
    assert "No audit plan has been sent" in response.json()["non_field_errors"][0]


def test_outsiders_get_404(api, sent, assigned, charlie):
    as_user(api, charlie)
    for tail, method in [("", "get"), ("confirm/", "post"), ("objections/", "post")]:
        assert getattr(api, method)(plan_url(assigned, tail)).status_code == 404
