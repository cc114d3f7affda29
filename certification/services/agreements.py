"""The certification agreement (ISO/IEC 17065 §4.1.2): the office administrator drafts and
publishes its versions; a company's owner or admin accepts the version in force; the office
accepts an application only once its company has accepted that version.

A version is a draft until it is published; once published its text never changes (every
service here refuses it), and a change is a new version. An acceptance is recorded like the
CPO signature: the exact plain text accepted (the agreement under a header naming the
organization, the version and the signatory) with its SHA-256, who, when, from where. A new
version asks every organization holding a live certificate or running an application to
accept it: an e-mail to its owners and admins and a deadline, closed by the acceptance.
"""

from datetime import UTC

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.accounts.roles import has_office_role
from cpo_portal.activity.services import activity_record
from cpo_portal.binding_text import binding_text, normalised, text_sha256
from cpo_portal.errors import DomainError, StaleVersion
from cpo_portal.guards import require_org_admin
from cpo_portal.mail import lazy_format, mail_on_commit, organization_admin_emails
from cpo_portal.tenancy.models import Organization

from ..models import (
    AgreementAcceptance,
    AgreementStatus,
    AgreementVersion,
    Deadline,
    DeadlineKind,
)
from ..selectors.agreements import agreement_accepted_by, agreement_in_force, organizations_asked
from .deadlines import deadline_close, deadline_open

AGREEMENT_FIELDS = ("title", "text", "changes")
ACCEPTANCE_TEMPLATE = "certification/agreements/acceptance.txt"


class AgreementConflict(StaleVersion):
    """Someone saved the draft since the version the editor started from; carries the draft
    as stored now."""

    def __init__(self, current: AgreementVersion) -> None:
        super().__init__(
            _("The draft was changed by %(who)s in the meantime. Review both texts."),
            current=current,
        )


class AgreementChanged(DomainError):
    """The version the company read is no longer the version in force."""


# --- The text accepted -----------------------------------------------------------------------


def acceptance_text(
    *,
    organization: Organization,
    agreement: AgreementVersion,
    signatory_name: str,
    signatory_position: str,
) -> str:
    """The plain text an acceptance records: the header naming the organization, the version
    and the signatory, then the agreement (cpo_portal/binding_text.py: English, not
    HTML-escaped, normalised, so its SHA-256 does not depend on the OS)."""
    return binding_text(
        ACCEPTANCE_TEMPLATE,
        {
            "organization": organization,
            "agreement": agreement,
            "signatory_name": signatory_name.strip(),
            "signatory_position": signatory_position.strip(),
        },
    )


# --- The office: versions ------------------------------------------------------------------


def _require_administrator(by: User | None) -> None:
    if by is None or not has_office_role(by, OfficeRole.ADMINISTRATOR):
        raise DomainError(
            _("Only the office administrator can draft and publish the certification agreement."),
            code="office_role",
        )


def _locked(agreement: AgreementVersion) -> AgreementVersion:
    return AgreementVersion.objects.select_for_update().get(pk=agreement.pk)


def _require_draft(agreement: AgreementVersion) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        raise DomainError(
            _(
                "Version %(number)s of the certification agreement is published and can no "
                "longer be changed. Draft a new version instead."
            )
            % {"number": agreement.number},
            code="agreement_published",
        )


def _cleaned(values: dict[str, str]) -> dict[str, str]:
    return {
        "title": " ".join((values.get("title") or "").split()),
        "text": normalised(values.get("text") or ""),
        "changes": normalised(values.get("changes") or ""),
    }


@transaction.atomic
def agreement_draft(
    *, by: User | None, title: str, text: str, changes: str = ""
) -> AgreementVersion:
    """Start the next version as a draft (office administrator). There is one draft at a
    time, so versions are published in the order of their numbers."""
    _require_administrator(by)
    draft = AgreementVersion.objects.filter(status=AgreementStatus.DRAFT).first()
    if draft is not None:
        raise DomainError(
            _("Version %(number)s is already a draft: edit or publish it first.")
            % {"number": draft.number},
            code="agreement_draft_exists",
        )
    number = (AgreementVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    agreement = AgreementVersion(
        number=number,
        status=AgreementStatus.DRAFT,
        created_by=by,
        **_cleaned({"title": title, "text": text, "changes": changes}),
    )
    agreement.full_clean()
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError:
        # Two administrators drafting at once: the second one is told, nothing is doubled.
        raise DomainError(
            _("Someone drafted version %(number)s at the same moment. Open it to continue.")
            % {"number": number},
            code="agreement_draft_exists",
        ) from None
    activity_record(
        actor=by,
        verb="certification.agreement_drafted",
        target=agreement,
        data={"number": number},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: AgreementVersion,
    by: User | None,
    title: str,
    text: str,
    changes: str = "",
    expected_version: int | None = None,
) -> AgreementVersion:
    """Change the draft (office administrator). A published version is refused; a save based
    on an older version of the draft is refused with AgreementConflict."""
    _require_administrator(by)
    agreement = _locked(agreement)
    _require_draft(agreement)
    values = _cleaned({"title": title, "text": text, "changes": changes})
    changed = [name for name in AGREEMENT_FIELDS if getattr(agreement, name) != values[name]]
    if not changed:
        return agreement  # the same text saved twice: nothing to write or log
    if expected_version not in (None, agreement.version):
        raise AgreementConflict(agreement)
    for name in changed:
        setattr(agreement, name, values[name])
    agreement.version += 1
    agreement.full_clean()
    agreement.save(update_fields=[*changed, "version", "updated_at"])
    activity_record(
        actor=by,
        verb="certification.agreement_updated",
        target=agreement,
        data={"number": agreement.number, "fields": changed, "version": agreement.version},
    )
    return agreement


@transaction.atomic
def agreement_publish(
    *, agreement: AgreementVersion, by: User | None, expected_version: int | None = None
) -> AgreementVersion:
    """Publish the draft (office administrator): it becomes the version in force, immutable,
    and every organization that must hold it is asked to accept it."""
    _require_administrator(by)
    agreement = _locked(agreement)
    _require_draft(agreement)
    if expected_version not in (None, agreement.version):
        raise DomainError(
            _("The draft was changed since you reviewed it. Review it again, then publish."),
            code="stale_version",
        )
    if not agreement.text.strip() or not agreement.title.strip():
        raise DomainError(_("Give the agreement a title and a text before publishing it."))
    agreement.status = AgreementStatus.PUBLISHED
    agreement.published_by = by
    agreement.published_at = timezone.now()
    agreement.full_clean()
    agreement.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    asked = _ask_to_accept(agreement)
    activity_record(
        actor=by,
        verb="certification.agreement_published",
        target=agreement,
        data={"number": agreement.number, "organizations_asked": asked},
    )
    return agreement


def _ask_to_accept(agreement: AgreementVersion) -> int:
    """Mail the owners and admins of every organization that must hold the agreement and open
    its deadline (an older version's open deadline is closed: this one replaces it)."""
    organizations = list(organizations_asked())
    for organization in organizations:
        _close_agreement_deadlines(organization, below=agreement.number)
        deadline = deadline_open(
            kind=DeadlineKind.AGREEMENT, organization=organization, agreement=agreement
        )
        mail_on_commit(
            subject=lazy_format(
                gettext_lazy("Please accept the CPO certification agreement, version %(number)s"),
                number=agreement.number,
            ),
            template="certification/agreements/email/new_version.txt",
            context={
                "organization": organization,
                "agreement": agreement,
                "due_on": deadline.due_on,
                "path": reverse("certification:agreement", kwargs={"org_slug": organization.slug}),
            },
            to=organization_admin_emails(organization),
        )
    return len(organizations)


def _close_agreement_deadlines(organization: Organization, *, below: int) -> None:
    """Close the organization's open agreement deadlines of versions numbered below `below`
    (and of `below` itself when closing after an acceptance: the caller passes number + 1)."""
    with scopes_disabled():
        versions = list(
            AgreementVersion.objects.filter(
                pk__in=Deadline.objects.filter(
                    organization=organization,
                    kind=DeadlineKind.AGREEMENT,
                    closed_at__isnull=True,
                    agreement__number__lt=below,
                ).values("agreement_id")
            )
        )
    for version in versions:
        deadline_close(kind=DeadlineKind.AGREEMENT, organization=organization, agreement=version)


# --- The company: accepting the version in force -------------------------------------------


@transaction.atomic
def agreement_accept(
    *,
    organization: Organization,
    by: User | None,
    signatory_name: str,
    signatory_position: str,
    authority_confirmed: bool,
    agreement_number: int | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> AgreementAcceptance:
    """Accept the version in force for the organization (owners and admins).

    `agreement_number` is the version the person read: any other is refused, so nobody
    accepts a text they have not seen. An organization accepts a version once; a second
    acceptance is refused (the unique constraint holds it against a race as well).
    """
    require_org_admin(organization, by)
    assert by is not None
    if not authority_confirmed:
        raise DomainError(
            _("Confirm that you are authorised to accept the agreement for the organization."),
            code="authority",
        )
    if not signatory_name.strip() or not signatory_position.strip():
        raise DomainError(_("Give the name and the position of the person accepting."))
    agreement = agreement_in_force()
    if agreement is None:
        raise DomainError(
            _("There is no certification agreement in force to accept yet."),
            code="agreement_not_published",
        )
    if agreement_number is not None and agreement_number != agreement.number:
        raise AgreementChanged(
            _(
                "Version %(read)s is not the certification agreement in force; version "
                "%(current)s is. Read it, then accept it."
            )
            % {"read": agreement_number, "current": agreement.number},
            code="agreement_changed",
        )
    # Two tabs accepting at once: the organization's row is the lock, the constraint the net.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    existing = agreement_accepted_by(organization, agreement)
    if existing is not None:
        raise _already(existing)
    text = acceptance_text(
        organization=organization,
        agreement=agreement,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
    )
    acceptance = AgreementAcceptance(
        organization=organization,
        agreement=agreement,
        text=text,
        text_sha256=text_sha256(text),
        signatory_name=signatory_name.strip(),
        signatory_position=signatory_position.strip(),
        accepted_by=by,
        accepted_at=timezone.now(),
        ip_address=ip_address or None,
        user_agent=user_agent[:400],
    )
    acceptance.full_clean(
        exclude=["organization", "agreement", "accepted_by"], validate_unique=False
    )
    try:
        with transaction.atomic(), scope(organization=organization):
            acceptance.save()
    except IntegrityError:
        raise _already(agreement_accepted_by(organization, agreement)) from None
    _close_agreement_deadlines(organization, below=agreement.number + 1)
    activity_record(
        actor=by,
        organization=organization,
        verb="certification.agreement_accepted",
        target=agreement,
        data={"number": agreement.number, "sha256": acceptance.text_sha256},
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("You accepted the CPO certification agreement, version %(number)s"),
            number=agreement.number,
        ),
        template="certification/agreements/email/accepted.txt",
        context={"organization": organization, "acceptance": acceptance, "agreement": agreement},
        to=[by.email],
    )
    return acceptance


def _already(acceptance: AgreementAcceptance | None) -> DomainError:
    if acceptance is None:
        return DomainError(
            _("The organization has already accepted this version."),
            code="agreement_already_accepted",
        )
    return DomainError(
        _(
            "The organization has already accepted version %(number)s of the certification "
            "agreement (%(when)s UTC)."
        )
        % {
            "number": acceptance.agreement.number,
            "when": acceptance.accepted_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        },
        code="agreement_already_accepted",
    )


# --- The rule before an application is accepted ---------------------------------------------


def agreement_require_accepted(organization: Organization) -> AgreementAcceptance:
    """The organization's acceptance of the version in force; without one the office cannot
    accept its application, and is told why."""
    agreement = agreement_in_force()
    if agreement is None:
        raise DomainError(
            _("No certification agreement in force: the office administrator publishes one first."),
            code="agreement_not_published",
        )
    acceptance = agreement_accepted_by(organization, agreement)
    if acceptance is None:
        raise DomainError(
            _(
                "%(org)s has not accepted the certification agreement in force (version "
                "%(number)s). The application can be accepted once the company has accepted it."
            )
            % {"org": organization.display_name, "number": agreement.number},
            code="agreement_missing",
        )
    return acceptance
