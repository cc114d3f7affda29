"""Applications: the company applies, the office reviews and, in the end, decides; and the
application's state machine (its edges are `APPLICATION_EDGES` beside the statuses).

`application_transition` is the only code that changes `Application.status`: it checks the
edge, keeps an ApplicationEvent, writes the activity log and refuses anything else.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.accounts.models import OfficeRole, User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError, TransitionNotAllowed
from cpo_portal.guards import require_office_role, require_org_admin
from cpo_portal.mail import lazy_format
from cpo_portal.states import check_transition
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.models import SchemeKind
from criteria.selectors.catalogue import current_published_version
from criteria.selectors.schemes import scheme_of_version
from signees.models import SigneeStatus
from signees.selectors.signing import signee_of_organization

from ..models import (
    APPLICATION_EDGES,
    APPLICATION_REASON_REQUIRED,
    CLOSED_STATES,
    LIVE,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    AuditType,
    Certificate,
    CertificateStatus,
    OrganizationalGrant,
    Recommendation,
)
from ..notify import AUDITORS, COMPANY, OFFICE, notify
from ..pass_rule import PassResult
from ..selectors.applications import has_valid_organizational_certification
from ..selectors.audits import pass_result_of
from .agreements import agreement_require_accepted
from .certificates import (
    certificate_issue,
    certificate_surveillance_result,
    locked_certificate,
)
from .deadlines import deadlines_follow_status

S = ApplicationStatus

# Fields the company fills in, and may change while the application is a draft or returned.
APPLICATION_FIELDS = (
    "scope_description",
    "scope_description_de",  # optional: the certificate's German scope (issue 16)
    "window_start",
    "window_end",
    "product_name",
    "product_version",
    "product_description",
)


# --- The state machine ---------------------------------------------------------------------


def locked_application(application: Application) -> Application:
    """The application row, locked for this transaction (two clicks must not race)."""
    with scopes_disabled():
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related("organization", "scheme__version")
            .get(pk=application.pk)
        )


def require_state(application: Application, *states: str) -> None:
    if application.status not in states:
        raise TransitionNotAllowed(
            _("This is not possible while the application is “%(status)s”.")
            % {"status": application.get_status_display()}
        )


def application_transition(
    application: Application,
    action: str,
    *,
    by: User | None,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Application:
    """Move a locked application along one edge of the state machine, or refuse."""
    before = application.status
    edges = APPLICATION_EDGES[action]
    to = next(iter(edges.get(before, ())), "")
    check_transition(
        edges,
        before,
        to,
        message=_("An application that is “%(status)s” cannot be changed this way.")
        % {"status": application.get_status_display()},
    )
    reason = reason.strip()
    if action in APPLICATION_REASON_REQUIRED and not reason:
        raise DomainError(_("Give a reason: the company sees it."))
    application.status = to
    application.status_reason = reason
    update = ["status", "status_reason", "updated_at"]
    for name, value in (fields or {}).items():
        setattr(application, name, value)
        update.append(name)
    application.full_clean(exclude=["organization", "scheme", "created_by"])
    application.save(update_fields=update)
    with scope(organization=application.organization):
        ApplicationEvent.objects.create(
            application=application,
            action=action,
            status_before=before,
            status_after=application.status,
            reason=reason,
            by=by if by is not None and by.is_authenticated else None,
        )
    activity_record(
        actor=by,
        organization=application.organization,
        verb=f"certification.{action}",
        target=application,
        data={"before": before, "after": application.status, "reason": reason, **(data or {})},
    )
    deadlines_follow_status(application)
    return application


# --- The company's application --------------------------------------------------------------


def _validate_fields(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: values.get(name) for name in APPLICATION_FIELDS}
    for name in (
        "scope_description",
        "scope_description_de",
        "product_name",
        "product_version",
        "product_description",
    ):
        cleaned[name] = (cleaned[name] or "").strip()
    if not cleaned["scope_description"]:
        raise DomainError(_("Describe the scope of the certification."))
    start, end = cleaned["window_start"], cleaned["window_end"]
    if not isinstance(start, date) or not isinstance(end, date):
        raise DomainError(_("Give the requested audit window (from and until)."))
    if end < start:
        raise DomainError(_("The audit window ends before it starts."))
    if kind == SchemeKind.PRODUCT:
        if not cleaned["product_name"] or not cleaned["product_version"]:
            raise DomainError(_("Give the product's name and version."))
    else:
        cleaned.update(product_name="", product_version="", product_description="")
    return cleaned


def _require_product_precondition(organization: Organization) -> None:
    if not has_valid_organizational_certification(organization):
        raise DomainError(
            _(
                "A product certificate needs a valid organizational certificate of the same "
                "company. Apply for the organizational certificate first."
            ),
            code="organizational_required",
        )


def _require_organizational_basis(application: Application) -> None:
    """A product certificate rests on a valid organizational certificate of the same company
    (or one the office recorded): a grant is refused once the company holds none any more
    (suspended, withdrawn or expired since it applied). A surveillance or special audit
    issues nothing and is not held up."""
    if (
        application.kind != SchemeKind.PRODUCT
        or application.audit_type in (AuditType.SURVEILLANCE, AuditType.SPECIAL)
        or has_valid_organizational_certification(application.organization)
    ):
        return
    raise DomainError(
        _(
            "A product certificate needs a valid organizational certificate of the same "
            "company, and %(org)s holds none at present (suspended, withdrawn or expired). "
            "Deny, or decide once its organizational certificate is valid again."
        )
        % {"org": application.organization.legal_name},
        code="organizational_required",
    )


def _require_recertifiable(
    organization: Organization, kind: str, certificate: Certificate
) -> Certificate:
    """A recertification renews the organization's own live certificate of the same kind,
    once at a time (its successor supersedes it on the grant)."""
    if certificate.organization_id != organization.pk or certificate.kind != kind:
        raise DomainError(_("Only your own certificate of this kind can be recertified."))
    certificate = locked_certificate(certificate)  # two requests at once: one application
    if certificate.status not in LIVE or certificate.valid_until < timezone.localdate():
        raise DomainError(
            _("A certificate that is “%(status)s” cannot be recertified; apply anew instead.")
            % {
                "status": certificate.get_status_display()
                if certificate.status not in LIVE
                else CertificateStatus.EXPIRED.label
            },
            code="not_recertifiable",
        )
    with scope(organization=organization):
        if (
            Application.objects.filter(
                certificate=certificate, audit_type=AuditType.RECERTIFICATION
            )
            .exclude(status__in=CLOSED_STATES)
            .exists()
        ):
            raise DomainError(
                _("A recertification of this certificate is already under way."),
                code="recertification_open",
            )
    return certificate


@transaction.atomic
def application_create(
    *,
    organization: Organization,
    kind: str,
    by: User | None,
    certificate: Certificate | None = None,
    **values: Any,
) -> Application:
    """Start a draft application under the current published scheme (owners and admins);
    with `certificate`, the recertification of that certificate."""
    require_org_admin(organization, by)
    if kind not in SchemeKind.values:
        raise DomainError(_("Choose the organizational or the product certificate."))
    if certificate is not None:
        certificate = _require_recertifiable(organization, kind, certificate)
    signee = signee_of_organization(organization)
    if signee is None or signee.status != SigneeStatus.APPROVED:
        raise DomainError(_("Only approved signees of the CPO can apply for certification."))
    if kind == SchemeKind.PRODUCT:
        _require_product_precondition(organization)
    version = current_published_version()
    scheme = scheme_of_version(version, kind) if version else None
    if scheme is None:
        raise DomainError(_("No published assessment scheme for this certificate exists yet."))
    cleaned = _validate_fields(kind, values)
    with scope(organization=organization):
        application = Application(
            organization=organization,
            kind=kind,
            scheme=scheme,
            created_by=by,
            audit_type=AuditType.RECERTIFICATION if certificate else AuditType.INITIAL,
            certificate=certificate,
            **cleaned,
        )
        application.full_clean()
        application.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="certification.created",
        target=application,
        data={
            "kind": kind,
            "scheme": scheme.pk,
            "version": version.code if version else "",
            "audit_type": application.audit_type,
            "certificate": certificate.number if certificate else "",
        },
    )
    return application


@transaction.atomic
def application_update(*, application: Application, by: User | None, **values: Any) -> Application:
    """Change what the company filled in, while it is a draft or returned for completion."""
    application = locked_application(application)
    require_org_admin(application.organization, by)
    require_state(application, S.DRAFT, S.RETURNED)
    cleaned = _validate_fields(application.kind, values)
    before = {name: str(getattr(application, name)) for name in cleaned}
    for name, value in cleaned.items():
        setattr(application, name, value)
    application.full_clean(exclude=["organization", "scheme", "created_by"])
    application.save(update_fields=[*cleaned, "updated_at"])
    activity_record(
        actor=by,
        organization=application.organization,
        verb="certification.updated",
        target=application,
        data={
            "before": {k: v for k, v in before.items() if v != str(cleaned[k])},
            "after": {k: str(v) for k, v in cleaned.items() if before[k] != str(v)},
        },
    )
    return application


@transaction.atomic
def application_submit(*, application: Application, by: User | None) -> Application:
    application = locked_application(application)
    require_org_admin(application.organization, by)
    if application.is_product:
        _require_product_precondition(application.organization)
    application = application_transition(
        application, "submit", by=by, fields={"submitted_at": timezone.now()}
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("New certification application: %(org)s"), org=application.organization
        ),
        message=gettext_lazy("An application was submitted and waits for review."),
        to=(OFFICE,),
    )
    return application


def _office_review(
    application: Application, action: str, *, by: User | None, reason: str
) -> Application:
    application = locked_application(application)
    require_office_role(by, OfficeRole.REVIEWER)  # office roles: a reviewer reviews applications
    application = application_transition(application, action, by=by, reason=reason)
    messages = {
        "accept": gettext_lazy(
            "The CPO office accepted your application. Auditors will be assigned."
        ),
        "return": gettext_lazy("The CPO office returned your application for completion."),
        "reject": gettext_lazy("The CPO office rejected your application."),
    }
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Your certification application: %(status)s"),
            status=S(application.status).label,
        ),
        message=messages[action],
        to=(COMPANY,),
    )
    return application


@transaction.atomic
def application_accept(
    *, application: Application, by: User | None, reason: str = ""
) -> Application:
    # The certification agreement (agreements): the company has accepted the version in
    # force, or the office cannot accept its application (an out-of-order accept is refused
    # by the state machine first, with its own reason).
    require_office_role(by, OfficeRole.REVIEWER)
    if application.allows("accept"):
        agreement_require_accepted(application.organization)
    return _office_review(application, "accept", by=by, reason=reason)


@transaction.atomic
def application_return(*, application: Application, by: User | None, reason: str) -> Application:
    return _office_review(application, "return", by=by, reason=reason)


@transaction.atomic
def application_reject(*, application: Application, by: User | None, reason: str) -> Application:
    return _office_review(application, "reject", by=by, reason=reason)


def end_assignments(application: Application) -> None:
    """A decided or withdrawn case: the auditors no longer see it."""
    with scopes_disabled():
        AuditorAssignment.objects.filter(
            application=application, status=AssignmentStatus.ACTIVE
        ).update(status=AssignmentStatus.ENDED, ended_at=timezone.now())


@transaction.atomic
def application_withdraw(
    *, application: Application, by: User | None, reason: str = ""
) -> Application:
    """The company withdraws; the auditors' assignments end with it."""
    application = locked_application(application)
    require_org_admin(application.organization, by)
    notify_auditors = application.status not in (S.DRAFT, S.SUBMITTED, S.RETURNED)
    if notify_auditors:
        notify(
            application,
            subject=lazy_format(
                gettext_lazy("Certification application withdrawn: %(org)s"),
                org=application.organization,
            ),
            message=gettext_lazy(
                "The company withdrew the application; your assignment has ended."
            ),
            to=(AUDITORS,),
        )
    application = application_transition(application, "withdraw", by=by, reason=reason)
    end_assignments(application)
    if notify_auditors or application.submitted_at:
        notify(
            application,
            subject=lazy_format(
                gettext_lazy("Certification application withdrawn: %(org)s"),
                org=application.organization,
            ),
            message=gettext_lazy("The company withdrew the application."),
            to=(OFFICE,),
        )
    return application


def _auditor_user_ids(application: Application) -> set[int]:
    with scope(organization=application.organization):
        return set(
            AuditorAssignment.objects.filter(application=application).values_list(
                "auditor__user_id", flat=True
            )
        )


def require_four_eyes(application: Application, user: User | None) -> None:
    """The person deciding is never an auditor of this application, nor one of the company."""
    if getattr(user, "pk", None) in _auditor_user_ids(application):
        raise DomainError(
            _("You audited this application, so you cannot decide it (four-eyes rule)."),
            code="four_eyes",
        )
    if membership_for(organization=application.organization, user=user) is not None:
        raise DomainError(
            _("You belong to the applying organization, so you cannot decide it."),
            code="four_eyes",
        )


@transaction.atomic
def application_decide(
    *, application: Application, decision: str, rationale: str, by: User | None
) -> Application:
    """Grant or deny, by an office certifier who did not audit; grant needs the pass rule."""
    application = locked_application(application)
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: a certifier decides
    require_state(application, S.REPORT_SUBMITTED)
    require_four_eyes(application, by)
    if decision not in Recommendation.values:
        raise DomainError(_("Choose grant or deny."))
    rationale = rationale.strip()
    if not rationale:
        raise DomainError(_("Give the rationale of the decision."))
    if decision == Recommendation.GRANT:
        _require_organizational_basis(application)
    result: PassResult = pass_result_of(application)
    if decision == Recommendation.GRANT and not result.passed:
        raise DomainError(
            _("The certificate cannot be granted while the pass rule fails: %(reasons)s")
            % {"reasons": " ".join(result.reasons)},
            code="pass_rule",
        )
    application = application_transition(
        application,
        "decide",
        by=by,
        fields={
            "decision": decision,
            "decision_rationale": rationale,
            "decided_at": timezone.now(),
            "decided_by": by,
        },
        data={"decision": decision, "recommendation": application.recommendation},
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Certification decision: %(decision)s"),
            decision=Recommendation(application.decision).label,
        ),
        message=gettext_lazy("The CPO office has decided the application."),
        to=(COMPANY, AUDITORS),
    )
    end_assignments(application)
    _issue_or_confirm(application, granted=decision == Recommendation.GRANT, by=by)
    return application


def _issue_or_confirm(application: Application, *, granted: bool, by: User | None) -> None:
    """A grant issues the certificate (in the same transaction); a surveillance audit
    instead confirms (or, denied, suspends) the certificate it concerns."""
    # complaints: a special audit confirms (or suspends) its certificate like a surveillance.
    if (
        application.audit_type in (AuditType.SURVEILLANCE, AuditType.SPECIAL)
        and application.certificate_id
    ):
        certificate_surveillance_result(application=application, granted=granted, by=by)
    elif granted:
        certificate_issue(application=application, by=by)


@transaction.atomic
def application_reopen_audit(
    *, application: Application, by: User | None, reason: str
) -> Application:
    """The office sends a submitted report back to the auditors."""
    application = locked_application(application)
    require_office_role(by, OfficeRole.CERTIFIER)  # office roles: the certifier's call
    application = application_transition(
        application,
        "reopen_audit",
        by=by,
        reason=reason,
        fields={"recommendation": "", "report_submitted_at": None},
    )
    notify(
        application,
        subject=lazy_format(
            gettext_lazy("Audit report returned: %(org)s"), org=application.organization
        ),
        message=gettext_lazy("The CPO office returned the audit report to the auditors."),
        to=(AUDITORS,),
    )
    return application


@transaction.atomic
def organizational_grant_record(
    *,
    organization: Organization,
    reference: str,
    valid_until: date,
    by: User | None,
    note: str = "",
) -> OrganizationalGrant:
    """Record an organizational certification granted outside the portal."""
    # It stands in for a certification decision: a certifier records it.
    require_office_role(by, OfficeRole.CERTIFIER)
    if not reference.strip():
        raise DomainError(_("Give the certificate's reference."))
    if valid_until < timezone.localdate():
        raise DomainError(_("The validity has already ended."))
    with scope(organization=organization):
        grant = OrganizationalGrant(
            organization=organization,
            reference=reference.strip(),
            valid_until=valid_until,
            note=note.strip(),
            recorded_by=by,
        )
        grant.full_clean()
        grant.save()
    activity_record(
        actor=by,
        organization=organization,
        verb="certification.grant_recorded",
        target=grant,
        data={"reference": grant.reference, "valid_until": str(valid_until)},
    )
    return grant
