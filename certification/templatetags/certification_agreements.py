"""The certification agreement's line on the application pages: whether the company has
accepted the version in force, which the office needs before it accepts an application.

    {% load certification_agreements %}
    {% agreement_state organization audience="company" %}   (or audience="office")
"""

from typing import Any

from django import template

from cpo_portal.tenancy.models import Organization

from ..selectors.agreements import agreement_accepted_by, agreement_in_force

register = template.Library()


@register.inclusion_tag("certification/agreements/_application_state.html", takes_context=True)
def agreement_state(
    context: dict[str, Any], organization: Organization, audience: str = "company"
) -> dict[str, Any]:
    agreement = agreement_in_force()
    return {
        "organization": organization,
        "agreement": agreement,
        "acceptance": agreement_accepted_by(organization, agreement) if agreement else None,
        "audience": audience,
        "is_admin": bool(context.get("is_admin")),
    }
