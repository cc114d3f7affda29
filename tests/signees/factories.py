"""factory_boy factories of the signees app: a signee in a given state, and its statements.

For tests that need a signee or a statement only as a precondition. They write the rows the
services would leave behind (the signee, its signature with the declaration text and
SHA-256 as `signee_sign` records them, the office's review rows, the statement and its
answers, and the PDF's document row, pending as the services leave it until the worker has
rendered it) without rendering, queueing mails or writing the activity log. A test of a
transition itself goes through the service; tests/signees/test_signing_factories.py and
test_statements_factories.py hold each trait against the services' result.

    SigneeFactory(organization=alpha, signed_by=alice)            # pending review
    SigneeFactory(approved=True, organization=alpha, reviewed_by=office_user)
    SigneeFactory(withdrawn=True, organization=alpha)              # approved, then withdrawn
    StatementFactory(signee=signee)                                # the first draft
    StatementFactory(published=True, signee=signee, published_by=alice, answers=ANSWERS,
                     answers__by=alice)

The signee signs the catalogue version in force (`current_published_version()`): import one
first (the root `catalogue` fixture, or `mini_catalogue` in tests/signees).
"""

from typing import Any

import factory
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.models import Membership, Role
from criteria.models import CatalogueVersion
from criteria.selectors.catalogue import current_published_version
from signees.declaration import declaration_sha256, declaration_text
from signees.models import (
    STATEMENT_DUE_AFTER,
    Fulfilment,
    Signature,
    Signee,
    SigneeGroup,
    SigneeReview,
    SigneeStatus,
    Statement,
    StatementAnswer,
    StatementKind,
    StatementStatus,
)
from signees.selectors.statements import STATEMENT_DOCUMENT_KIND, applicable_criteria
from tests.factories import OrganizationFactory

S = SigneeStatus

# What signing records besides the signee (as tests/signees/helpers.sign passes them).
_SIGNING = ("signed_by", "signatory_name", "signatory_position", "ip_address", "user_agent")


def _version_in_force() -> CatalogueVersion:
    version = current_published_version()
    if version is None:
        raise LookupError(
            "SigneeFactory signs the catalogue version in force: publish one first "
            "(the `catalogue` fixture)."
        )
    return version


def _owner(organization: Any) -> Any:
    with scope(organization=organization):
        owner = (
            Membership.objects.filter(organization=organization, role=Role.OWNER)
            .select_related("user")
            .first()
        )
    return owner.user if owner else None


def _statement_due(signee: Any) -> Any:
    # As signee_sign: IT vendors publish their statement within STATEMENT_DUE_AFTER.
    if signee.group != SigneeGroup.IT_VENDOR:
        return None
    return signee.signed_at.date() + STATEMENT_DUE_AFTER


class SigneeFactory(factory.django.DjangoModelFactory):
    """A signee as signee_sign leaves it: pending review, with one signature.

    Traits (the path the services would take):
    - pending: signee_sign (the default).
    - approved: signee_sign, signee_approve by `reviewed_by` ("signee since" set).
    - withdrawn: signee_sign, signee_approve, signee_withdraw by `signed_by` (the signature
      is marked withdrawn; "signee since" stays, as the services keep it).

    Every timestamp is the one instant `signed_at` (timezone.now(), so time_machine moves it).
    """

    class Meta:
        model = Signee
        skip_postgeneration_save = True

    class Params:
        pending = factory.Trait(status=S.PENDING)
        approved = factory.Trait(status=S.APPROVED, approved_at=factory.SelfAttribute("signed_at"))
        withdrawn = factory.Trait(
            status=S.WITHDRAWN, approved_at=factory.SelfAttribute("signed_at")
        )

    organization = factory.SubFactory(OrganizationFactory)
    group = SigneeGroup.IT_VENDOR
    status = S.PENDING
    status_reason = ""
    catalogue_version = factory.LazyFunction(_version_in_force)
    signed_at = factory.LazyFunction(timezone.now)
    approved_at = None
    listed_name = factory.SelfAttribute("organization.display_name")
    statement_due = factory.LazyAttribute(_statement_due)

    # The signature (popped in _create; not fields of Signee).
    signed_by = factory.LazyAttribute(lambda o: _owner(o.organization))
    signatory_name = "Alice Owner"
    signatory_position = "CEO"
    ip_address = "127.0.0.1"
    user_agent = "pytest"
    # Who approved it (None: the system, as signee_approve(by=None) records it).
    reviewed_by = None

    @classmethod
    def _create(cls, model_class: type[Signee], *args: Any, **kwargs: Any) -> Signee:
        signing = {name: kwargs.pop(name) for name in _SIGNING}
        reviewed_by = kwargs.pop("reviewed_by")
        organization = kwargs["organization"]
        with scope(organization=organization):
            signee = model_class.objects.create(*args, **kwargs)
            signature = _signature(signee, withdrawn=signee.status == S.WITHDRAWN, **signing)
            _pending_document(
                kind="signed_declaration",
                owner=signature,
                title=_("Signed CPO declaration of %(org)s") % {"org": organization.display_name},
                by=signing["signed_by"],
            )
            for action, before, after, by in _reviews(signee.status):
                SigneeReview.objects.create(
                    signee=signee,
                    action=action,
                    status_before=before,
                    status_after=after,
                    by=signing["signed_by"] if by == "signer" else reviewed_by,
                )
        return signee


def _reviews(status: str) -> list[tuple[str, str, str, str]]:
    """The review rows the services write on the way to `status` (signing itself writes none)."""
    approve = ("approve", S.PENDING, S.APPROVED, "office")
    return {
        S.PENDING: [],
        S.APPROVED: [approve],
        S.WITHDRAWN: [approve, ("withdraw", S.APPROVED, S.WITHDRAWN, "signer")],
    }[status]


def _signature(
    signee: Signee,
    *,
    withdrawn: bool,
    signed_by: Any,
    signatory_name: str,
    signatory_position: str,
    ip_address: str,
    user_agent: str,
) -> Signature:
    # The exact text and hash signee_sign records (signees/declaration.py, one format).
    text = declaration_text(
        organization=signee.organization,
        group=signee.group,
        version=signee.catalogue_version,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
    )
    return Signature.objects.create(
        signee=signee,
        catalogue_version=signee.catalogue_version,
        group=signee.group,
        declaration_text=text,
        declaration_sha256=declaration_sha256(text),
        signatory_name=signatory_name.strip(),
        signatory_position=signatory_position.strip(),
        authority_confirmed=True,
        signed_by=signed_by,
        signed_at=signee.signed_at,
        ip_address=ip_address or None,
        user_agent=user_agent[:400],
        withdrawn_at=signee.signed_at if withdrawn else None,
    )


def _pending_document(*, kind: str, owner: Any, title: str, by: Any, language: str = "en") -> None:
    """The document row document_request writes; its rendering is queued after the commit,
    which a test transaction never reaches."""
    Document.objects.create(
        kind=kind,
        owner=owner,
        organization=owner.signee.organization,
        title=title[:200],
        language=language,
        created_by=by,
        status=DocumentStatus.PENDING,
        status_changed_at=timezone.now(),
    )


def _next_number(statement: Any) -> int:
    with scope(organization=statement.signee.organization):
        numbers = Statement.objects.filter(signee=statement.signee).values_list("number", flat=True)
        return max(numbers, default=0) + 1


class StatementFactory(factory.django.DjangoModelFactory):
    """A CPO Statement as statement_start_draft leaves it: the next version, a draft answering
    the signed catalogue version, no answers yet (the first draft copies none).

    published=True: as answering and statement_publish leave it, published now; an online
    statement answers every criterion that applies to the signee's group ("fulfilled"
    unless `answers={code: (fulfilment, explanation, link)}` says otherwise; `answers__by`
    is who saved them). It builds one publication and supersedes nothing: for a sequence of
    versions go through statement_publish.
    """

    class Meta:
        model = Statement
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=StatementStatus.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )

    signee = factory.SubFactory(SigneeFactory, approved=True)
    number = factory.LazyAttribute(_next_number)
    catalogue_version = factory.SelfAttribute("signee.catalogue_version")
    kind = StatementKind.ONLINE
    status = StatementStatus.DRAFT
    summary = ""
    external_url = ""
    published_at = None
    # Who published it (popped in _create: the document row records them).
    published_by = None

    @classmethod
    def _create(cls, model_class: type[Statement], *args: Any, **kwargs: Any) -> Statement:
        published_by = kwargs.pop("published_by")
        organization = kwargs["signee"].organization
        with scope(organization=organization):
            statement = model_class.objects.create(*args, **kwargs)
            if (
                statement.status == StatementStatus.PUBLISHED
                and statement.kind == StatementKind.ONLINE
            ):
                # As statement_publish: the PDF of an online statement is requested.
                _pending_document(
                    kind=STATEMENT_DOCUMENT_KIND,
                    owner=statement,
                    title=_("CPO Statement of %(org)s, version %(number)s")
                    % {"org": organization.display_name, "number": statement.number},
                    by=published_by,
                    language=translation.get_language() or "en",
                )
        return statement

    @factory.post_generation
    def answers(
        statement: Statement,
        create: bool,
        extracted: dict[str, tuple[str, str, str]] | None,
        **kwargs: Any,
    ) -> None:
        if not create:
            return
        if extracted is None:
            if statement.status == StatementStatus.DRAFT or statement.kind != StatementKind.ONLINE:
                return
            extracted = {
                c.code: (Fulfilment.FULFILLED, "", "") for c in applicable_criteria(statement)
            }
        by = kwargs.get("by")
        criteria = {c.code: c for c in applicable_criteria(statement)}
        with scope(organization=statement.signee.organization):
            StatementAnswer.objects.bulk_create(
                StatementAnswer(
                    statement=statement,
                    criterion=criteria[code],
                    fulfilment=fulfilment,
                    explanation=explanation.strip(),
                    link=link,
                    version=1,
                    updated_by=by,
                )
                for code, (fulfilment, explanation, link) in extracted.items()
            )
