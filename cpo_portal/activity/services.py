"""Writing the activity log. Every service that changes state calls `activity_record`."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation

from cpo_portal.pagecache import public_pages_changed
from cpo_portal.tenancy.models import Organization

from .models import TARGET_LABELS, ActivityEntry


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
        labels = _labels(target)
        entry.target_repr = labels[settings.LANGUAGE_CODE]
        if len(set(labels.values())) > 1:
            entry.data = {**entry.data, TARGET_LABELS: labels}
    # Not through the scoped manager's queryset: creating needs no scope, and services
    # may log for an organization other than the active scope (e.g. the office).
    entry.save(force_insert=True)
    # Every state change writes an entry: public pages cached for visitors go stale.
    public_pages_changed()
    return entry


def _labels(target: models.Model) -> dict[str, str]:
    """How the target reads in each language (an application's kind, a signee's group, a
    criterion's title are translated): the log reads in the reader's language, not the
    actor's."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = str(target)[:200]
    return labels
