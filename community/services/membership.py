"""prostep ivip association membership: declared by the company, verified by the office,
lapsing by itself when its validity ends (daily task, with a warning 30 days ahead)."""

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office, require_org_admin
from cpo_portal.mail import (
    StrOrPromise,
    lazy_format,
    mail_on_commit,
    office_emails,
    organization_admin_emails,
)
from cpo_portal.tenancy.models import Organization
from signees.models import SigneeStatus
from signees.selectors.signing import signee_of_organization

from .. import member_list
from ..models import LAPSE_WARNING_DAYS, AssociationMembership, MembershipImport, MembershipStatus
from ..selectors import membership as selectors

M = MembershipStatus


@transaction.atomic
def membership_declare(
    *, organization: Organization, number: str, member_since: date, by: User | None
) -> AssociationMembership:
    """The company declares (or corrects) its membership; the office then verifies it."""
    require_org_admin(organization, by)
    signee = signee_of_organization(organization)
    if signee is None or signee.status != SigneeStatus.APPROVED:
        raise DomainError(_("Only approved signees of the CPO can join the CPO Community."))
    number = number.strip()
    if not number:
        raise DomainError(_("Give the membership number."))
    if member_since > timezone.localdate():
        raise DomainError(_("The membership cannot start in the future."))
    with scope(organization=organization):
        membership = (
            AssociationMembership.objects.select_for_update()
            .filter(organization=organization)
            .first()
        )
        before = membership.status if membership else None
        if membership is None:
            membership = AssociationMembership(organization=organization)
        membership.number = number[:50]
        membership.member_since = member_since
        membership.status = M.DECLARED
        membership.valid_until = None
        membership.status_reason = ""
        membership.declared_by = by
        membership.declared_at = timezone.now()
        membership.full_clean(exclude=["organization", "declared_by", "verified_by"])
        membership.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="membership.declared",
        target=membership,
        data={"number": membership.number, "before": before},
    )
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("prostep ivip membership to verify: %(org)s"), org=organization
        ),
        template="community/membership/email/membership_office.txt",
        context={"membership": membership},
        to=office_emails(),
    )
    return membership


def _locked(membership: AssociationMembership) -> AssociationMembership:
    with scopes_disabled():
        return (
            AssociationMembership.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=membership.pk)
        )


@transaction.atomic
def membership_verify(
    *, membership: AssociationMembership, valid_until: date, by: User | None
) -> AssociationMembership:
    require_office(by)
    membership = _locked(membership)
    # The office confirms what the company declared, or extends a verified membership;
    # a rejected or lapsed one is declared again first.
    if membership.status not in (M.DECLARED, M.VERIFIED):
        raise DomainError(
            _("Only a declared or verified membership can be verified."), code="status"
        )
    if valid_until < timezone.localdate():
        raise DomainError(_("The validity has already ended."), code="valid_until")
    if valid_until < membership.member_since:
        raise DomainError(_("The validity ends before the membership began."), code="valid_until")
    return _verified(membership, valid_until=valid_until, by=by)


def _verified(
    membership: AssociationMembership,
    *,
    valid_until: date,
    by: User | None,
    data: dict[str, Any] | None = None,
) -> AssociationMembership:
    """Record a verification (by hand or from the member list), log it, tell the company."""
    before = membership.status
    membership.status = M.VERIFIED
    membership.valid_until = valid_until
    membership.status_reason = ""
    membership.verified_by, membership.verified_at = by, timezone.now()
    membership.save(
        update_fields=["status", "valid_until", "status_reason", "verified_by", "verified_at"]
    )
    activity_record(
        actor=by,
        organization=membership.organization,
        verb="membership.verified",
        target=membership,
        data={"before": before, "valid_until": str(valid_until), **(data or {})},
    )
    _tell_verified(membership)
    return membership


@transaction.atomic
def membership_reject(
    *, membership: AssociationMembership, reason: str, by: User | None
) -> AssociationMembership:
    require_office(by)
    membership = _locked(membership)
    if membership.status not in (M.DECLARED, M.VERIFIED):
        raise DomainError(
            _("Only a declared or verified membership can be rejected."), code="status"
        )
    if not reason.strip():
        raise DomainError(_("Give a reason: the company sees it."), code="reason")
    before = membership.status
    membership.status = M.REJECTED
    membership.status_reason = reason.strip()
    membership.valid_until = None
    membership.save(update_fields=["status", "status_reason", "valid_until"])
    activity_record(
        actor=by,
        organization=membership.organization,
        verb="membership.rejected",
        target=membership,
        data={"before": before, "reason": reason.strip()},
    )
    _tell(membership, gettext_lazy("Your prostep ivip membership could not be confirmed."))
    return membership


def _tell_verified(membership: AssociationMembership) -> None:
    _tell(
        membership,
        gettext_lazy(
            "Your prostep ivip membership has been verified: you are a CPO Community member."
        ),
    )


def _tell(membership: AssociationMembership, message: StrOrPromise) -> None:
    mail_on_commit(
        subject=message,
        template="community/membership/email/membership.txt",
        context={"membership": membership, "message": message},
        to=organization_admin_emails(membership.organization),
    )


def memberships_lapse_due(*, today: date | None = None) -> dict[str, int]:
    """Daily: end community rights of memberships past their validity; warn 30 days ahead."""
    today = today or timezone.localdate()
    lapsed = warned = 0
    with scopes_disabled():
        due = list(
            AssociationMembership.objects.filter(
                status=M.VERIFIED, valid_until__lt=today
            ).values_list("pk", flat=True)
        )
        soon = list(
            AssociationMembership.objects.filter(
                status=M.VERIFIED,
                valid_until__gte=today,
                valid_until__lte=today + timedelta(days=LAPSE_WARNING_DAYS),
            ).select_related("organization")
        )
    for pk in due:
        with transaction.atomic(), scopes_disabled():
            membership = (
                AssociationMembership.objects.select_for_update()
                .select_related("organization")
                .get(pk=pk)
            )
            if (
                membership.status != M.VERIFIED
                or not membership.valid_until
                or membership.valid_until >= today
            ):
                continue
            membership.status = M.LAPSED
            membership.save(update_fields=["status"])
            activity_record(
                actor=None,
                organization=membership.organization,
                verb="membership.lapsed",
                target=membership,
                data={"valid_until": str(membership.valid_until)},
            )
            _tell(
                membership,
                gettext_lazy(
                    "Your prostep ivip membership has lapsed: your CPO Community rights have ended."
                ),
            )
            lapsed += 1
    for membership in soon:
        if membership.lapse_warned_for == membership.valid_until:
            continue
        with transaction.atomic(), scopes_disabled():
            updated = (
                AssociationMembership.objects.filter(pk=membership.pk, status=M.VERIFIED)
                .exclude(lapse_warned_for=membership.valid_until)
                .update(lapse_warned_for=membership.valid_until)
            )
            if updated:
                _tell(
                    membership,
                    lazy_format(
                        gettext_lazy(
                            "Your prostep ivip membership ends on %(date)s; renew it to keep "
                            "your CPO Community rights."
                        ),
                        date=membership.valid_until,
                    ),
                )
                warned += 1
    return {"lapsed": lapsed, "warned": warned}


# --- The prostep ivip member list: dry run, then apply ----------------------------------


def _require_office_or_system(by: User | None) -> None:
    # None is the system: `manage.py import_members` run by the operator.
    if by is not None:
        require_office(by)


def _stale() -> DomainError:
    return DomainError(
        _(
            "The memberships changed since this dry run (e.g. one was verified by hand): "
            "nothing was applied. Run the dry run again and check it."
        ),
        code="stale",
    )


@transaction.atomic
def membership_import_create(
    *, file_name: str, content: bytes, by: User | None
) -> MembershipImport:
    """Read the member list and record its dry run; nothing else is written until applied."""
    _require_office_or_system(by)
    parsed = member_list.parse(content)
    return _import_record(
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=parsed.rows,
        columns=parsed.columns,
        by=by,
    )


def _import_record(
    *,
    file_name: str,
    sha256: str,
    rows: list[dict[str, Any]],
    columns: dict[str, str],
    by: User | None,
) -> MembershipImport:
    report = selectors.member_list_dry_run(rows=rows)
    report["columns"] = columns
    membership_import = MembershipImport(
        file_name=(Path(file_name).name or "members.csv")[:200],
        sha256=sha256,
        rows=rows,
        report=report,
        created_by=by,
    )
    membership_import.full_clean(exclude=["created_by", "applied_by"])
    membership_import.save()
    activity_record(
        actor=by,
        verb="membership_import.created",
        target=membership_import,
        data={"file": membership_import.file_name, "counts": report["counts"]},
    )
    return membership_import


@transaction.atomic
def membership_import_rerun(
    *, membership_import: MembershipImport, by: User | None
) -> MembershipImport:
    """A fresh dry run of the same file against the memberships as they are now."""
    _require_office_or_system(by)
    return _import_record(
        file_name=membership_import.file_name,
        sha256=membership_import.sha256,
        rows=membership_import.rows,
        columns=membership_import.report.get("columns", {}),
        by=by,
    )


@transaction.atomic
def membership_import_apply(
    *, membership_import: MembershipImport, by: User | None
) -> MembershipImport:
    """Apply exactly the dry run the office saw: refused as a whole if the memberships
    changed since; an import applied before changes nothing."""
    _require_office_or_system(by)
    membership_import = MembershipImport.objects.select_for_update().get(pk=membership_import.pk)
    if membership_import.applied_at is not None:
        return membership_import
    seen = membership_import.report
    # A dry run of another day may differ (expired rows, the default validity): run it again.
    now = selectors.member_list_dry_run(rows=membership_import.rows)
    if now["today"] != seen.get("today") or now["rows"] != seen.get("rows"):
        raise _stale()
    data = {"import": membership_import.pk, "import_file": membership_import.file_name}
    changed = 0
    for row in seen["rows"]:
        if row.get("action") in selectors.CHANGES:
            _import_row(row, by=by, data=data)
            changed += 1
    membership_import.applied_by, membership_import.applied_at = by, timezone.now()
    membership_import.save(update_fields=["applied_by", "applied_at"])
    activity_record(
        actor=by,
        verb="membership_import.applied",
        target=membership_import,
        data={"file": membership_import.file_name, "changes": changed},
    )
    return membership_import


def _import_row(row: dict[str, Any], *, by: User | None, data: dict[str, Any]) -> None:
    valid_until = date.fromisoformat(row["valid_until"])
    organization_id = row["organization"]["id"]
    if row["action"] == "create":
        _import_create(row, organization_id=organization_id, by=by, data=data)
        return
    with scopes_disabled():
        membership = (
            AssociationMembership.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=row["membership"]["id"], organization_id=organization_id)
            .first()
        )
    # The dry run was checked a moment ago; a change since (a concurrent hand) refuses all.
    if membership is None or selectors.membership_snapshot(membership) != row["membership"]:
        raise _stale()
    _verified(membership, valid_until=valid_until, by=by, data=data)


def _import_create(
    row: dict[str, Any], *, organization_id: int, by: User | None, data: dict[str, Any]
) -> None:
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    with scope(organization=organization):
        if AssociationMembership.objects.filter(organization=organization).exists():
            raise _stale()
        now = timezone.now()
        membership = AssociationMembership(
            organization=organization,
            number=row["number"],
            member_since=date.fromisoformat(row["member_since"]),
            status=M.VERIFIED,
            valid_until=date.fromisoformat(row["valid_until"]),
            declared_by=None,
            declared_at=now,
            verified_by=by,
            verified_at=now,
        )
        membership.full_clean(exclude=["organization", "declared_by", "verified_by"])
        membership.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="membership.verified",
        target=membership,
        data={"before": None, "valid_until": row["valid_until"], **data},
    )
    _tell_verified(membership)
