"""A person's own account beside allauth's: name and language, the API token, sessions."""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cpo_portal.activity.services import activity_record

from ..models import User


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
    changed or their account was deactivated, whoever did it (`by`)."""
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


def sessions_end(*, user: User) -> int:
    """Sign the person out everywhere (the cache's copy of a session goes with it); how many
    sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
