"""Demo signees: each demo organization signs in its own group."""

from typing import Any

from django_scopes import scope

from .models import Signee


def seed(ctx: Any) -> None:
    for group, (organization, _owner) in ctx.organizations.items():
        with scope(organization=organization):
            Signee.objects.get_or_create(organization=organization, defaults={"group": group})
