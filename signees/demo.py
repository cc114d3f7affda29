"""Demo signees: each demo organization signs in its own group and the office approves it;
the IT vendor publishes its CPO Statement, so its public statement page shows one."""

from typing import Any

from django.contrib.auth import get_user_model
from django_scopes import scope

from cpo_portal.accounts.models import User

from .models import Fulfilment, Signee, SigneeGroup, SigneeStatus, Statement
from .selectors.statements import applicable_criteria
from .services.signing import signee_approve, signee_sign
from .services.statements import (
    statement_answer_save,
    statement_publish,
    statement_start_draft,
    statement_summary_save,
)

STATEMENT_SUMMARY = (
    "Demo statement: how our PLM suite meets the criteria of the illustrative demo catalogue."
)


def _answer(index: int) -> tuple[str, str]:
    # Mostly fulfilled, with a few partial answers, as real statements read.
    if index % 5 == 4:
        return Fulfilment.PARTIALLY, "Demo answer: planned for the next major release."
    return Fulfilment.FULFILLED, "Demo answer: documented in our developer portal."


def _publish_statement(signee: Signee, by: User) -> None:
    """Publish a complete online statement, unless the vendor has one (published or draft)."""
    with scope(organization=signee.organization):
        if Statement.objects.filter(signee=signee).exists():
            return
    statement = statement_start_draft(signee=signee, by=by)
    statement = statement_summary_save(statement=statement, summary=STATEMENT_SUMMARY, by=by)
    for index, criterion in enumerate(applicable_criteria(statement)):
        fulfilment, explanation = _answer(index)
        statement_answer_save(
            statement=statement,
            criterion=criterion,
            fulfilment=fulfilment,
            explanation=explanation,
            by=by,
        )
    statement_publish(statement=statement, by=by)


def seed(ctx: Any) -> None:
    users = get_user_model().objects
    for group, (organization, owner_email) in ctx.organizations.items():
        owner = users.get(email=owner_email)
        with scope(organization=organization):
            signee = Signee.objects.filter(organization=organization).first()
        if signee is None:
            signee = signee_sign(
                organization=organization,
                by=owner,
                group=group,
                signatory_name=f"Demo signatory of {organization.display_name}",
                signatory_position="Managing Director",
                authority_confirmed=True,
            ).signee
        if signee.status == SigneeStatus.PENDING:
            signee_approve(signee=signee, by=ctx.office)
        if group == SigneeGroup.IT_VENDOR:
            _publish_statement(signee, owner)
