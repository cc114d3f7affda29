"""PlanFactory writes what the plan services write: each trait against them, and the plan
the `reported` trait (and stage fixture) sends before the report, against the services'.

At one frozen instant the services draft (and send, and confirm) a case's plan, its rows are
read and deleted, and the factory builds it again: every column of the plan and of its
agenda must match (ids aside)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django_scopes import scopes_disabled

from certification.models import AuditPlan, AuditPlanItem
from certification.services import plans

from .factories import ApplicationFactory, PlanFactory
from .test_applications_factories import forget

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
IDS = {"id", "plan_id"}


def columns(row):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }


def plan_state(application):
    with scopes_disabled():
        return [
            {
                "plan": columns(plan),
                "items": [
                    columns(i) for i in AuditPlanItem.objects.filter(plan=plan).order_by("position")
                ],
            }
            for plan in AuditPlan.objects.filter(application=application).order_by("number")
        ]


def forget_plans(application):
    with scopes_disabled():
        AuditPlan.objects.filter(application=application).delete()


def through_services(trait, application, auditor_user, alice):
    plan = plans.plan_draft(application=application, by=auditor_user)
    if trait in ("sent", "confirmed"):
        plan = plans.plan_send(plan=plan, by=auditor_user)
    if trait == "confirmed":
        plans.plan_confirm(plan=plan, by=alice)


@pytest.mark.parametrize("trait", ["draft", "sent", "confirmed"])
@pytest.mark.parametrize("kind", ["organizational", "product"])
def test_each_trait_is_what_the_services_leave(
    catalogue, alpha_signee, alpha, alice, office_user, lead, auditor_user, trait, kind
):
    with time_machine.travel(INSTANT, tick=False):
        if kind == "product":
            application = ApplicationFactory(
                organization=alpha, kind=kind, office=office_user, lead=lead, assigned=True
            )
        else:
            application = ApplicationFactory(
                organization=alpha, office=office_user, lead=lead, assigned=True
            )
        through_services(trait, application, auditor_user, alice)
        expected = plan_state(application)
        forget_plans(application)
        PlanFactory(application=application, **{trait: True})
        built = plan_state(application)

    assert built == expected
    assert built[0]["plan"]["status"] == trait
    assert built[0]["plan"]["created_by_id"] == auditor_user.pk
    assert len(built[0]["items"]) == application.scheme.areas.count() + 2


@pytest.mark.through_services
def test_the_reported_trait_sends_the_plan_the_services_send(
    request, alpha, office_user, lead, auditor_user
):
    with time_machine.travel(INSTANT, tick=False):
        application = request.getfixturevalue("reported")
        expected = plan_state(application)
        forget(alpha)
        built_application = ApplicationFactory(
            organization=alpha, office=office_user, lead=lead, reported=True
        )
        built = plan_state(built_application)

    def without_row_ids(state):
        """The application and its lead's assignment are new rows in the second build."""
        for version in state:
            plan = version["plan"]
            plan.pop("application_id")
            plan["team"] = [{k: v for k, v in m.items() if k != "assignment"} for m in plan["team"]]
        return state

    assert [v["plan"]["status"] for v in built] == ["sent"]
    assert without_row_ids(built) == without_row_ids(expected)


def test_a_second_plan_of_the_case_takes_the_next_number(catalogue, alpha, office_user, lead):
    application = ApplicationFactory(
        organization=alpha, office=office_user, lead=lead, assigned=True
    )
    PlanFactory(application=application, sent=True)
    assert PlanFactory(application=application).number == 2
