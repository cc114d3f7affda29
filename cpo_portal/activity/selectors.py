"""Reading the activity log, bounded to one query per page."""

from django.db.models import QuerySet
from django_scopes import scope, scopes_disabled

from cpo_portal.tenancy.models import Organization

from .models import ActivityEntry


def activity_for_organization(organization: Organization) -> QuerySet[ActivityEntry]:
    """The organization's own log, for its owners and admins."""
    with scope(organization=organization):
        return ActivityEntry.objects.filter(organization=organization).select_related(
            "actor", "target_type"
        )


def activity_for_office(*, organization: Organization | None = None) -> QuerySet[ActivityEntry]:
    """The whole log across organizations, for the CPO office only."""
    with scopes_disabled():
        qs = ActivityEntry.objects.all().select_related("actor", "organization", "target_type")
        if organization is not None:
            qs = qs.filter(organization=organization)
        return qs
