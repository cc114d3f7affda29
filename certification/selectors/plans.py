"""Reads of audit plans and the company's objections to auditors."""

from django_scopes import scope

from cpo_portal.accounts.models import Auditor

from ..models import Application, AuditorObjection, ObjectionStatus


def upheld_objection_against(application: Application, auditor: Auditor) -> AuditorObjection | None:
    """The company's upheld objection to this auditor in this case: they are not assigned
    to it again."""
    with scope(organization=application.organization):
        return (
            AuditorObjection.objects.filter(
                plan__application=application,
                assignment__auditor=auditor,
                status=ObjectionStatus.UPHELD,
            )
            .order_by("-decided_at")
            .first()
        )
