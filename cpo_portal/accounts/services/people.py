"""Personal data on request (GDPR Art. 15 and 17): an office administrator exports or erases
everything the portal holds about a person."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role

from ..models import ERASED_EMAIL_DOMAIN, Auditor, OfficeRole, StaffInvitation, User
from ..personal_data import Subject, providers, redact_other_addresses
from ..roles import is_auditor, is_office, office_roles_of
from ..selectors.people import erasure_blockers, erasure_preview, staff_invitations_of
from .personnel import office_administrators_lock
from .profile import sessions_end


def _account_export(person: User) -> dict[str, Any]:
    auditor = Auditor.objects.filter(user=person).first()
    token = Token.objects.filter(user=person).first()
    received = staff_invitations_of(person).order_by("created_at", "pk")
    sent = StaffInvitation.objects.filter(invited_by=person).order_by("created_at", "pk")
    return {
        "id": person.pk,
        "email": person.email,
        "full_name": person.full_name,
        "language": getattr(person, "language", ""),
        "joined": person.date_joined,
        "last_login": person.last_login,
        "active": person.is_active,
        "roles": {
            "cpo_office": is_office(person),
            "office_roles": [str(role) for role in office_roles_of(person)],
            "auditor": is_auditor(person),
            "staff": person.is_staff,
            "superuser": person.is_superuser,
            "groups": sorted(person.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=person).order_by("pk")
        ],
        # The secrets themselves are not personal data to hand out: only that they exist.
        "two_factor": [
            {"type": a.type, "created": a.created_at, "last_used": a.last_used_at}
            for a in Authenticator.objects.filter(user=person).order_by("pk")
        ],
        "api_token": {"created": token.created} if token else None,
        "staff_invitations_received": [
            {
                "full_name": i.full_name,
                "office_roles": i.office_roles,
                "auditor": i.as_auditor,
                "auditing_body": i.auditing_body,
                "sent": i.created_at,
                "expires": i.expires_at,
                "accepted": i.accepted_at,
                "revoked": i.revoked_at,
            }
            for i in received
        ],
        # The invitees' names and addresses are theirs, not this person's: left out.
        "staff_invitations_sent": [
            {"office_roles": i.office_roles, "auditor": i.as_auditor, "sent": i.created_at}
            for i in sent
        ],
        "auditor_profile": (
            {
                "auditing_body": auditor.organisation_name,
                "phone": auditor.phone,
                "active": auditor.is_active,
                "created": auditor.created_at,
            }
            if auditor
            else None
        ),
    }


@transaction.atomic
def person_export(*, person: User, by: User) -> dict[str, Any]:
    """Everything the portal holds about `person`, as JSON-safe data, for the office to hand
    over; says what an erasure would keep."""
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    export: dict[str, Any] = {
        "format": "cpo-portal-personal-data/1",
        "exported_at": timezone.now(),
        "account": _account_export(person),
    }
    for provider in providers():
        export[provider.key] = provider.export(person)
    export["kept_on_erasure"] = [str(text) for text in erasure_preview(person).kept]
    # One rule for the whole document, whichever app put an address in: only the person's own.
    own = {person.email, *EmailAddress.objects.filter(user=person).values_list("email", flat=True)}
    export = redact_other_addresses(export, own=own)
    activity_record(actor=by, verb="person.exported", target=person, data={"person": person.pk})
    return export


def _account_anonymise(person: User) -> dict[str, int]:
    counts = {
        "sessions": sessions_end(user=person),
        "email_addresses": EmailAddress.objects.filter(user=person).delete()[0],
        "authenticators": Authenticator.objects.filter(user=person).delete()[0],
        "api_tokens": Token.objects.filter(user=person).delete()[0],
        # As an organization's invitations to the person's address (tenancy): they go.
        "staff_invitations": staff_invitations_of(person).delete()[0],
    }
    Auditor.objects.filter(user=person).update(phone="", is_active=False)
    # The admin's own log names the account it changed.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk)
    ).update(object_repr=f"#{person.pk}")
    person.email = f"erased-{person.pk}@{ERASED_EMAIL_DOMAIN}"
    person.full_name = ""
    person.set_unusable_password()
    person.is_active = person.is_staff = person.is_superuser = False
    person.last_login = None
    person.save()
    person.groups.clear()
    person.user_permissions.clear()
    return counts


@transaction.atomic
def person_erase(*, person: User, by: User) -> dict[str, int]:
    """Erase a person on request: delete what may go, anonymise the rest; keep what the
    records must keep (each app says what, see personal_data). Refused with the reasons
    when something stands in the way."""
    # Two administrators erasing each other at once must not leave the office without an
    # administrator: the administrators' rows are locked (in one order) before the check.
    office_administrators_lock(also=[person, by])
    require_office_role(by, OfficeRole.ADMINISTRATOR)
    person = User.objects.get(pk=person.pk)
    reasons = erasure_blockers(person=person, by=by)
    if reasons:
        raise DomainError([str(reason) for reason in reasons], code="erasure_refused")
    subject = Subject.of(person)
    counts: dict[str, int] = {}
    for provider in providers():
        counts.update(provider.erase(subject, by))
    counts.update(_account_anonymise(person))
    activity_record(
        actor=by, verb="person.erased", target=person, data={"person": person.pk, **counts}
    )
    return counts
