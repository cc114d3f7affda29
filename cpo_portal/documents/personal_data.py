"""Documents a person requested (see accounts.personal_data). The documents themselves are
records (certificates, reports) and stay; only the organizations' activity-log PDFs, which
print members' addresses and can be produced again at any time, are deleted on erasure."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import ErasureLine, Provider, Subject, register_provider
from cpo_portal.activity.models import ActivityEntry

from .models import Document

ACTIVITY_LOG_KIND = "organization_activity"


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        documents = Document.objects.filter(created_by=user).order_by("created_at", "pk")
        return {
            "requested": [
                {
                    "kind": d.kind,
                    "title": d.title,
                    "organization_id": d.organization_id,
                    "requested": d.created_at,
                    "status": d.status,
                }
                for d in documents
            ]
        }


def _activity_pdfs(user: User, organization_ids: frozenset[int]) -> QuerySet[Document]:
    acted_in = ActivityEntry.objects.filter(actor=user, organization__isnull=False).values(
        "organization_id"
    )
    return Document.objects.filter(kind=ACTIVITY_LOG_KIND).filter(
        Q(organization_id__in=organization_ids)
        | Q(organization_id__in=acted_in)
        | Q(created_by=user)
    )


def _delete(documents: QuerySet[Document]) -> int:
    count = 0
    for document in documents:
        if document.file:
            document.file.delete(save=False)
        document.delete()
        count += 1
    return count


def erase(subject: Subject, by: User | None) -> dict[str, int]:
    with scopes_disabled():
        deleted = _delete(_activity_pdfs(subject.user, subject.organization_ids))
    return {"activity_log_pdfs": deleted}


def describe(user: User) -> list[ErasureLine]:
    with scopes_disabled():
        count = _activity_pdfs(user, Subject.of(user).organization_ids).count()
    if not count:
        return []
    text = ngettext(
        "%(count)d activity-log PDF of the person's organizations (it can be produced again).",
        "%(count)d activity-log PDFs of the person's organizations (they can be produced again).",
        count,
    ) % {"count": count}
    return [ErasureLine("delete", text)]


def register() -> None:
    register_provider(
        Provider(
            key="documents",
            export=export,
            erase=erase,
            describe=describe,
            kept=[
                _(
                    "Documents the person requested (certificates, audit reports, CPO "
                    "Statements, annual reports) are records of their organization or of the "
                    "CPO and stay."
                )
            ],
        )
    )
