"""E-mail that follows a state change: rendered now, sent once the transaction commits."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django_scopes import scopes_disabled

from cpo_portal.accounts.roles import OFFICE_GROUP
from cpo_portal.tenancy.models import Membership, Organization, Role


def mail_on_commit(
    *,
    subject: str,
    template: str,
    context: dict[str, Any],
    to: Iterable[str],
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Queue one e-mail for after commit; a rolled-back change sends nothing.

    `attachments`: (file name, content, MIME type), e.g. an iCalendar invitation.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    if not attachments:
        transaction.on_commit(
            lambda: send_mail(
                subject=subject, message=body, from_email=None, recipient_list=recipients
            )
        )
        return
    message = EmailMessage(subject=subject, body=body, to=recipients)
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    transaction.on_commit(message.send)


def organization_admin_emails(organization: Organization) -> list[str]:
    """Owners and admins of an organization: who is told about its cases."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(
                organization=organization, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
            ).values_list("user__email", flat=True)
        )


def office_emails() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(groups__name=OFFICE_GROUP, is_active=True)
        .values_list("email", flat=True)
    )
