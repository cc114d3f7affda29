"""The audit plan's summary on the application pages: the versions sent, the company's
confirmation and its objections to auditors, with the link to the plan's page.

    {% load certification_plans %}
    {% plan_summary application audience="company" %}   (or audience="office")
    {{ plan.person_days|days }}                         2.5, 0.25, 2.0 (localized)
"""

from decimal import Decimal
from typing import Any

from django import template

from ..duration import number
from ..models import AUDITOR_STATES, Application, ObjectionStatus, PlanStatus
from ..selectors.plans import IN_FORCE, plans_of

register = template.Library()


@register.inclusion_tag("certification/plans/_application_summary.html")
def plan_summary(application: Application, audience: str = "company") -> dict[str, Any]:
    versions = plans_of(application, with_draft=audience == "office")
    objections = [o for plan in versions for o in plan.objections.all()]
    return {
        # From the lead auditor's assignment on, and wherever a plan was drafted.
        "show": bool(versions) or application.status in AUDITOR_STATES,
        "application": application,
        "audience": audience,
        "versions": versions,
        "in_force": next((p for p in versions if p.status in IN_FORCE), None),
        "draft": next((p for p in versions if p.status == PlanStatus.DRAFT), None),
        "objections": sorted(objections, key=lambda o: (o.raised_at, o.pk)),
        "pending": sum(o.status == ObjectionStatus.PENDING for o in objections),
    }


@register.filter
def days(value: Decimal | None) -> str:
    """A duration in person-days as the rule's explanation writes it."""
    return "" if value is None else number(value)
