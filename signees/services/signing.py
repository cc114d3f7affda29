"""Signing the CPO and the office's review of signees.

The signee lifecycle:

    pending ──approve──▶ approved ──unpublish──▶ unpublished ──approve──▶ approved
       │  ╲──return──▶ changes_requested ──resubmit──▶ pending
       ╰──reject──▶ rejected            approved/pending/… ──withdraw──▶ withdrawn
    rejected / withdrawn ──sign again──▶ pending

Every change goes through `_transition`, which checks the edge, records a SigneeReview
(the company sees the reason) and writes the activity log.
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.services import document_request
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role, require_org_admin
from cpo_portal.mail import StrOrPromise, lazy_format, mail_on_commit, office_emails
from cpo_portal.states import check_transition
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import members_of, membership_for
from criteria.selectors.catalogue import current_published_version

from ..declaration import declaration_sha256, declaration_text
from ..models import (
    SIGNEE_EDGES,
    SIGNEE_REASON_REQUIRED,
    STATEMENT_DUE_AFTER,
    Signature,
    Signee,
    SigneeGroup,
    SigneeReview,
    SigneeStatus,
)

S = SigneeStatus


class CatalogueChanged(DomainError):
    """The catalogue version the signer read is no longer the one that can be signed."""


def _locked(signee: Signee) -> Signee:
    with scopes_disabled():
        return (
            Signee.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=signee.pk)
        )


def _transition(
    signee: Signee,
    action: str,
    to: str,
    *,
    by: User | None,
    reason: str = "",
    data: dict | None = None,
) -> Signee:
    signee = _locked(signee)
    before = signee.status
    check_transition(
        SIGNEE_EDGES[action],
        before,
        to,
        message=_("A signee that is “%(status)s” cannot be changed this way.")
        % {"status": signee.get_status_display()},
    )
    reason = reason.strip()
    if action in SIGNEE_REASON_REQUIRED and not reason:
        raise DomainError(_("Give a reason: the company sees it."))
    signee.status = to
    signee.status_reason = reason
    fields = ["status", "status_reason", "updated_at"]
    if to == S.APPROVED and signee.approved_at is None:
        signee.approved_at = timezone.now()
        fields.append("approved_at")
    signee.save(update_fields=fields)
    with scope(organization=signee.organization):
        SigneeReview.objects.create(
            signee=signee,
            action=action,
            status_before=before,
            status_after=to,
            reason=reason,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
    activity_record(
        actor=by,
        organization=signee.organization,
        verb=f"signee.{action}",
        target=signee,
        data={"before": before, "after": to, "reason": reason, **(data or {})},
    )
    return signee


def _mail(subject: StrOrPromise, template: str, context: dict[str, Any], to: list[str]) -> None:
    mail_on_commit(subject=subject, template=template, context=context, to=to)


def _admin_emails(organization: Organization) -> list[str]:
    return [m.user.email for m in members_of(organization) if m.is_admin]


def _office_emails() -> list[str]:
    # A signing waits for a reviewer.
    return office_emails(OfficeRole.REVIEWER)


def _statement_due(group: str, signed: date) -> date | None:
    return signed + STATEMENT_DUE_AFTER if group == SigneeGroup.IT_VENDOR else None


@transaction.atomic
def signee_sign(
    *,
    organization: Organization,
    by: User | None,
    group: str,
    signatory_name: str,
    signatory_position: str,
    authority_confirmed: bool,
    ip_address: str | None = None,
    user_agent: str = "",
    version_code: str | None = None,
) -> Signature:
    """Sign the CPO for an organization (owners and admins); the signee awaits review.

    `version_code` is the catalogue version whose declaration the signer read: signing is
    refused when it is not (or no longer) the published version in force, so nobody signs
    a text they have not seen.
    """
    membership = None if by is None else membership_for(organization=organization, user=by)
    if by is None or membership is None or not membership.is_admin:
        raise DomainError(_("Only an owner or admin of the organization can sign for it."))
    if not authority_confirmed:
        raise DomainError(_("Confirm that you are authorised to sign for the company."))
    if group not in SigneeGroup.values:
        raise DomainError(_("Choose the group the company signs in."))
    if not signatory_name.strip() or not signatory_position.strip():
        raise DomainError(_("Give the signatory's name and position."))
    version = current_published_version()
    if version is None:
        raise DomainError(_("No published CPO catalogue can be signed at the moment."))
    if version_code is not None and version_code != version.code:
        raise CatalogueChanged(
            _(
                "Catalogue version %(read)s is not the published version that can be signed; "
                "version %(current)s is in force. Read its declaration, then sign."
            )
            % {"read": version_code[:40], "current": version.code}
        )
    # Lock the organization row: two tabs signing at once must not create two signatures.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    now = timezone.now()
    with scope(organization=organization):
        signee = Signee.objects.filter(organization=organization).first()
        if signee is not None and signee.status not in (S.REJECTED, S.WITHDRAWN):
            raise DomainError(_("This organization has already signed the CPO."))
        text = declaration_text(
            organization=organization,
            group=group,
            version=version,
            signatory_name=signatory_name,
            signatory_position=signatory_position,
        )
        if signee is None:
            try:
                with transaction.atomic():
                    signee = Signee.objects.create(
                        organization=organization, group=group, status=S.PENDING
                    )
            except IntegrityError:
                raise DomainError(_("This organization has already signed the CPO.")) from None
        else:
            signee.group = group
            # Signing again after a withdrawal or rejection starts a new "signee since".
            signee.approved_at = None
            signee.save(update_fields=["group", "approved_at", "updated_at"])
            signee = _transition(signee, "sign", S.PENDING, by=by)
        signee.catalogue_version = version
        signee.signed_at = now
        signee.listed_name = organization.display_name
        signee.statement_due = _statement_due(group, now.date())
        signee.save(
            update_fields=[
                "catalogue_version",
                "signed_at",
                "listed_name",
                "statement_due",
                "updated_at",
            ]
        )
        signature = Signature(
            signee=signee,
            catalogue_version=version,
            group=group,
            declaration_text=text,
            declaration_sha256=declaration_sha256(text),
            signatory_name=signatory_name.strip(),
            signatory_position=signatory_position.strip(),
            authority_confirmed=True,
            signed_by=by,
            signed_at=now,
            ip_address=ip_address or None,
            user_agent=user_agent[:400],
        )
        signature.full_clean(exclude=["signee", "catalogue_version", "signed_by"])
        signature.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="signee.signed",
        target=signee,
        data={"version": version.code, "group": group, "sha256": signature.declaration_sha256},
    )
    document_request(
        kind="signed_declaration",
        owner=signature,
        organization=organization,
        title=_("Signed CPO declaration of %(org)s") % {"org": organization.display_name},
        by=by,
    )
    _mail(
        gettext_lazy("You have signed the Code of PLM Openness"),
        "signees/signing/email/signed.txt",
        {"signee": signee, "signature": signature, "organization": organization},
        [by.email],
    )
    _mail(
        lazy_format(
            gettext_lazy("New CPO signature to review: %(org)s"), org=organization.display_name
        ),
        "signees/signing/email/office_new_signature.txt",
        {"signee": signee, "organization": organization},
        _office_emails(),
    )
    return signature


def _review_again_mail(signee: Signee, why: StrOrPromise) -> None:
    """Tell the office that a signee is back in its queue, and why."""
    _mail(
        lazy_format(
            gettext_lazy("CPO signature to review again: %(org)s"),
            org=signee.organization.display_name,
        ),
        "signees/signing/email/office_review_again.txt",
        {"signee": signee, "organization": signee.organization, "why": why},
        _office_emails(),
    )


def _decision_mail(signee: Signee, subject: StrOrPromise) -> None:
    _mail(
        subject,
        "signees/signing/email/decision.txt",
        {"signee": signee, "organization": signee.organization},
        _admin_emails(signee.organization),
    )


@transaction.atomic
def signee_approve(*, signee: Signee, by: User | None) -> Signee:
    """Publish the signee on the public list ("signee since" is the first approval)."""
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer decides signings
    signee = _transition(signee, "approve", S.APPROVED, by=by)
    _decision_mail(signee, gettext_lazy("Your CPO signature has been approved"))
    return signee


@transaction.atomic
def signee_reject(*, signee: Signee, by: User | None, reason: str) -> Signee:
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer decides signings
    signee = _transition(signee, "reject", S.REJECTED, by=by, reason=reason)
    _decision_mail(signee, gettext_lazy("Your CPO signature has been rejected"))
    return signee


@transaction.atomic
def signee_return(*, signee: Signee, by: User | None, reason: str) -> Signee:
    """Send the signature back to the company for changes, with the reason."""
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer decides signings
    signee = _transition(signee, "return", S.CHANGES_REQUESTED, by=by, reason=reason)
    _decision_mail(signee, gettext_lazy("Your CPO signature needs changes"))
    return signee


@transaction.atomic
def signee_resubmit(*, signee: Signee, by: User | None) -> Signee:
    require_org_admin(signee.organization, by)
    signee = _transition(signee, "resubmit", S.PENDING, by=by)
    signee.listed_name = signee.organization.display_name
    signee.save(update_fields=["listed_name", "updated_at"])
    _review_again_mail(signee, gettext_lazy("The company has made the requested changes."))
    return signee


@transaction.atomic
def signee_unpublish(*, signee: Signee, by: User | None, reason: str) -> Signee:
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer decides signings
    signee = _transition(signee, "unpublish", S.UNPUBLISHED, by=by, reason=reason)
    _decision_mail(signee, gettext_lazy("Your CPO signature has been removed from the public list"))
    return signee


@transaction.atomic
def signee_withdraw(*, signee: Signee, by: User | None) -> Signee:
    """The company withdraws its signature: off the list, history kept, office told."""
    membership = None if by is None else membership_for(organization=signee.organization, user=by)
    if membership is None or not membership.is_admin:
        raise DomainError(_("Only an owner or admin of the organization can withdraw."))
    signee = _transition(signee, "withdraw", S.WITHDRAWN, by=by)
    with scope(organization=signee.organization):
        Signature.objects.filter(signee=signee, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
    _mail(
        lazy_format(
            gettext_lazy("CPO signature withdrawn: %(org)s"), org=signee.organization.display_name
        ),
        "signees/signing/email/office_withdrawn.txt",
        {"signee": signee, "organization": signee.organization},
        _office_emails(),
    )
    return signee


@transaction.atomic
def signee_change_group(*, signee: Signee, by: User | None, group: str) -> Signee:
    """A group change after approval goes back through review."""
    require_org_admin(signee.organization, by)
    if group not in SigneeGroup.values:
        raise DomainError(_("Choose the group the company signs in."))
    signee = _locked(signee)
    if signee.group == group:
        return signee
    before = signee.group
    signee.group = group
    if signee.signed_at:
        signee.statement_due = signee.statement_due or _statement_due(group, timezone.localdate())
    signee.save(update_fields=["group", "statement_due", "updated_at"])
    if signee.status == S.APPROVED:
        signee = _transition(
            signee, "rereview", S.PENDING, by=by, data={"group": {"before": before, "after": group}}
        )
        _review_again_mail(
            signee,
            lazy_format(
                gettext_lazy("The company has changed its group from %(before)s to %(after)s."),
                before=SigneeGroup(before).label,
                after=SigneeGroup(group).label,
            ),
        )
    else:
        activity_record(
            actor=by,
            organization=signee.organization,
            verb="signee.group_changed",
            target=signee,
            data={"before": before, "after": group},
        )
    return signee


@transaction.atomic
def signee_organization_changed(
    *, organization: Organization, by: User | None, changed: list[str]
) -> None:
    """A new legal name of an approved signee goes back through review; names stay in sync."""
    with scope(organization=organization):
        signee = Signee.objects.filter(organization=organization).first()
    if signee is None:
        return
    if "display_name" in changed:
        Signee.objects.with_scope(organization=organization).filter(pk=signee.pk).update(
            listed_name=organization.display_name
        )
    if "legal_name" in changed and signee.status == S.APPROVED:
        signee = _transition(signee, "rereview", S.PENDING, by=by, data={"changed": changed})
        _review_again_mail(
            signee,
            lazy_format(
                gettext_lazy("The company has changed its legal name to %(name)s."),
                name=organization.legal_name,
            ),
        )
