"""Demo signees: each demo organization signs in its own group and the office approves it."""

from typing import Any

from django.contrib.auth import get_user_model
from django_scopes import scope

from .models import Signee, SigneeStatus
from .services import signee_approve, signee_sign


def seed(ctx: Any) -> None:
    users = get_user_model().objects
    for group, (organization, owner_email) in ctx.organizations.items():
        with scope(organization=organization):
            signee = Signee.objects.filter(organization=organization).first()
        if signee is None:
            signee = signee_sign(
                organization=organization,
                by=users.get(email=owner_email),
                group=group,
                signatory_name=f"Demo signatory of {organization.display_name}",
                signatory_position="Managing Director",
                authority_confirmed=True,
            ).signee
        if signee.status == SigneeStatus.PENDING:
            signee_approve(signee=signee, by=ctx.office)
