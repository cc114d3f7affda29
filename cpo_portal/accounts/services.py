"""Account changes that are ours rather than allauth's: the profile, API tokens, auditor
profiles."""

from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError

from .models import ERASED_EMAIL_DOMAIN, Auditor, User
from .personal_data import Subject, providers, redact_other_addresses
from .roles import is_auditor, is_office
from .selectors import OFFICE_ACCESS, erasure_blockers, erasure_preview


@transaction.atomic
def profile_update(*, user: User, full_name: str, language: str) -> User:
    """Change the person's name and the language of their pages and e-mails."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {"full_name": user.full_name, "language": user.language}
    user.full_name = full_name.strip()
    user.language = language
    after = {"full_name": user.full_name, "language": user.language}
    if after == before:
        return user
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "language"])
    activity_record(
        actor=user, verb="profile.updated", target=user, data={"before": before, "after": after}
    )
    return user


@transaction.atomic
def api_token_create(*, user: User) -> Token:
    """Issue a new API token, replacing any earlier one."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    activity_record(actor=user, verb="api_token.created", data={"prefix": token.key[:6]})
    return token


@transaction.atomic
def api_token_revoke(*, user: User, by: User | None = None, reason: str = "") -> bool:
    """End the user's API token: by themselves, or (`reason`) because their password
    changed, whoever changed it (`by`)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        activity_record(
            actor=by or user,
            verb="api_token.revoked",
            target=user,
            data={"reason": reason} if reason else None,
        )
    return bool(deleted)


def api_token_expires_at(token: Token) -> datetime | None:
    """When the token stops working (API_TOKEN_MAX_AGE_DAYS after it was made), or None."""
    days = int(settings.API_TOKEN_MAX_AGE_DAYS)
    return token.created + timedelta(days=days) if days > 0 else None


@transaction.atomic
def auditor_create(*, user: User, by: User | None, organisation_name: str = "") -> Auditor:
    """Give a user an auditor profile (the office does this)."""
    auditor, created = Auditor.objects.get_or_create(
        user=user, defaults={"organisation_name": organisation_name}
    )
    if created:
        activity_record(actor=by, verb="auditor.created", target=auditor, data={"user": user.email})
    return auditor


# --- Personal data on request (GDPR Art. 15 and 17): the CPO office acts --------------------


def _account_export(person: User) -> dict[str, Any]:
    auditor = Auditor.objects.filter(user=person).first()
    token = Token.objects.filter(user=person).first()
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


def _end_sessions(person: User) -> int:
    """Sign the person out everywhere (the cache's copy of a session goes with it)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(person.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def _account_anonymise(person: User) -> dict[str, int]:
    counts = {
        "sessions": _end_sessions(person),
        "email_addresses": EmailAddress.objects.filter(user=person).delete()[0],
        "authenticators": Authenticator.objects.filter(user=person).delete()[0],
        "api_tokens": Token.objects.filter(user=person).delete()[0],
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
    # Two office members erasing two others at once must not leave the office without an
    # administrator: the office's rows are locked (in one order) before the check.
    office = User.objects.filter(OFFICE_ACCESS | Q(is_superuser=True) | Q(pk=person.pk))
    pks = sorted(set(office.values_list("pk", flat=True)))
    list(User.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))
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
