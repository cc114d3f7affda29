"""The floor's own document kind: an organization's activity log as a PDF."""

from typing import Any

from django.utils import timezone

from cpo_portal.activity.selectors import activity_for_organization

from .models import Document
from .registry import DocumentKind, register

ACTIVITY_LOG_LIMIT = 1000


def _activity_context(document: Document) -> dict[str, Any]:
    organization = document.organization
    assert organization is not None
    entries = list(activity_for_organization(organization)[:ACTIVITY_LOG_LIMIT])
    return {
        "organization": organization,
        "entries": entries,
        "limit": ACTIVITY_LOG_LIMIT,
        "generated_at": timezone.now(),
    }


register(
    DocumentKind(
        name="organization_activity",
        template="documents/pdf/organization_activity.html",
        build_context=_activity_context,
        admins_only=True,
    )
)
