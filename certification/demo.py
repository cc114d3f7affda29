"""Demo certification cases: the vendor's organizational audit is open for scoring, the
service provider's application waits for the office's review."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scopes_disabled

from criteria.models import AssessmentCriterion, SchemeKind
from signees.models import SigneeGroup

from . import services
from .models import Application, AuditorQualification, SelfStatus


def _answer_everything(application: Application, by: Any) -> None:
    criteria = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).order_by(
        "area__position", "position"
    )
    for index, criterion in enumerate(criteria):
        status = SelfStatus.PARTIALLY if index % 7 == 3 else SelfStatus.IMPLEMENTED
        services.self_assessment_answer(
            application=application,
            criterion_id=criterion.pk,
            status=status,
            explanation=f"Demo answer: how {application.organization} meets {criterion.code}.",
            by=by,
        )


def seed(ctx: Any) -> None:
    auditor = ctx.auditor.auditor
    for kind in SchemeKind.values:
        AuditorQualification.objects.get_or_create(auditor=auditor, scheme_kind=kind)
    users = get_user_model().objects
    today = timezone.now().date()
    window = {"window_start": today + timedelta(days=30), "window_end": today + timedelta(days=60)}
    with scopes_disabled():
        if Application.objects.exists():
            return
    vendor, vendor_owner = ctx.organizations[SigneeGroup.IT_VENDOR]
    owner = users.get(email=vendor_owner)
    application = services.application_create(
        organization=vendor,
        kind=SchemeKind.ORGANIZATIONAL,
        by=owner,
        scope_description="All PLM product development and customer integration units.",
        **window,
    )
    services.application_submit(application=application, by=owner)
    services.application_accept(application=application, by=ctx.office)
    services.auditor_assign(application=application, auditor=auditor, role="lead", by=ctx.office)
    _answer_everything(application, owner)
    services.self_assessment_submit(application=application, by=owner)

    provider, provider_owner = ctx.organizations[SigneeGroup.IT_SERVICE_PROVIDER]
    owner = users.get(email=provider_owner)
    pending = services.application_create(
        organization=provider,
        kind=SchemeKind.ORGANIZATIONAL,
        by=owner,
        scope_description="Integration services for PLM and ERP.",
        **window,
    )
    services.application_submit(application=pending, by=owner)
    print("Certification: one audit open for scoring, one application awaiting review.")
