"""Writing the activity log. Every service that changes state calls `activity_record`."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cpo_portal.pagecache import public_pages_changed
from cpo_portal.tenancy.models import Organization

from .models import ActivityEntry


def activity_record(
    *,
    actor: Any,
    verb: str,
    organization: Organization | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> ActivityEntry:
    """Append one entry; `actor` may be None for system actions (tasks, the sweeper)."""
    entry = ActivityEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organization=organization,
        verb=verb,
        data=data or {},
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:200]
    # Not through the scoped manager's queryset: creating needs no scope, and services
    # may log for an organization other than the active scope (e.g. the office).
    entry.save(force_insert=True)
    # Every state change writes an entry: public pages cached for visitors go stale.
    public_pages_changed()
    return entry
