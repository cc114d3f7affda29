"""Account changes that are ours rather than allauth's: API tokens, auditor profiles."""

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from cpo_portal.activity.services import activity_record

from .models import Auditor, User


@transaction.atomic
def api_token_create(*, user: User) -> Token:
    """Issue a new API token, replacing any earlier one."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    activity_record(actor=user, verb="api_token.created", data={"prefix": token.key[:6]})
    return token


@transaction.atomic
def api_token_revoke(*, user: User) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        activity_record(actor=user, verb="api_token.revoked")
    return bool(deleted)


@transaction.atomic
def auditor_create(*, user: User, by: Any, organisation_name: str = "") -> Auditor:
    """Give a user an auditor profile (the office does this)."""
    auditor, created = Auditor.objects.get_or_create(
        user=user, defaults={"organisation_name": organisation_name}
    )
    if created:
        activity_record(actor=by, verb="auditor.created", target=auditor, data={"user": user.email})
    return auditor
