"""Receivers of the accounts app: the CPO office's role groups and their explicit
permissions after every migrate; the API token ends when allauth changes, resets or sets a
password."""

from typing import Any

from allauth.account import signals
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .models import OFFICE_ROLE_GROUPS, OFFICE_ROLE_PERMISSIONS
from .roles import office_permissions
from .services import api_token_revoke


def _permissions(codes: set[str]) -> Any:
    wanted = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".", 1)
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


def ensure_office_groups(**_: Any) -> None:
    """Each role's group holds the office's shared permissions and the role's own."""
    for role, name in OFFICE_ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions({*office_permissions(), OFFICE_ROLE_PERMISSIONS[role]}))


def _api_token_ends_with_password(reason: str) -> Any:
    def receiver(sender: Any, request: Any, user: Any, **_: Any) -> None:
        # A token is a second way in: whoever learnt the old password may have made one.
        # (allauth's flows are the person's own: they changed, reset or set it.)
        api_token_revoke(user=user, by=user, reason=reason)

    return receiver


def connect_password_receivers() -> None:
    for signal, reason in (
        (signals.password_changed, "password_changed"),
        (signals.password_reset, "password_reset"),
        (signals.password_set, "password_set"),
    ):
        signal.connect(
            _api_token_ends_with_password(reason), weak=False, dispatch_uid=f"cpo_token_{reason}"
        )
