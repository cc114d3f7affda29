"""Who is told about a step of a certification case, by e-mail after commit.

Every concern's services tell the company, the auditors and the office the same way, so the
audiences, their links and the one e-mail template live here, beside the layers.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django_scopes import scopes_disabled

from cpo_portal.mail import StrOrPromise, mail_on_commit, office_emails, organization_admin_emails

from .models import Application, AssignmentStatus, AuditorAssignment

COMPANY = "company"
AUDITORS = "auditors"
OFFICE = "office"
# The e-mail of a step of the case, with the link of the audience it goes to.
EVENT_TEMPLATE = "certification/applications/email/event.txt"


def auditor_emails(application: Application) -> list[str]:
    """The addresses of the case's active auditors (lead and co-auditors)."""
    with scopes_disabled():
        assignments: QuerySet[AuditorAssignment] = AuditorAssignment.objects.filter(
            application=application, status=AssignmentStatus.ACTIVE
        ).select_related("auditor__user")
        return [a.auditor.user.email for a in assignments]


def links(application: Application) -> dict[str, str]:
    return {
        COMPANY: reverse(
            "certification:application",
            kwargs={"org_slug": application.organization.slug, "pk": application.pk},
        ),
        AUDITORS: reverse("certification:audit", kwargs={"pk": application.pk}),
        OFFICE: reverse("certification:office_application", kwargs={"pk": application.pk}),
    }


def notify(
    application: Application,
    *,
    subject: StrOrPromise,
    message: StrOrPromise,
    to: tuple[str, ...],
    # findings: a concern's own template (extending the event's text) and its context.
    template: str = EVENT_TEMPLATE,
    context: dict[str, Any] | None = None,
) -> None:
    """E-mail each audience its own link to the case (company, auditors, office).

    `subject` and `message` are lazy (`gettext_lazy`, `lazy_format`): each recipient reads
    them in their own language.
    """
    urls = links(application)
    recipients = {
        COMPANY: lambda: organization_admin_emails(application.organization),
        AUDITORS: lambda: auditor_emails(application),
        OFFICE: office_emails,
    }
    for audience in to:
        mail_on_commit(
            subject=subject,
            template=template,
            context={
                **(context or {}),
                "application": application,
                "message": message,
                "path": urls[audience],
            },
            to=recipients[audience](),
        )
