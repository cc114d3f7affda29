"""Clarification requests: an assigned auditor asks the company a question on one criterion
without raising a finding; the company answers with text and, if it likes, evidence; the
auditor replies again or closes the request. The thread is part of the case record."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_org_admin
from cpo_portal.mail import lazy_format, mail_on_commit, organization_admin_emails
from cpo_portal.states import check_transition

from ..models import (
    CLARIFICATION_EDGES,
    SCORING_STATES,
    Application,
    ClarificationMessage,
    ClarificationRequest,
    ClarificationSide,
    ClarificationStatus,
)
from ..notify import EVENT_TEMPLATE, auditor_emails
from .applications import locked_application, require_state
from .audits import active_assignment
from .deadlines import clarification_deadline_close, clarification_deadline_open, policy_due_on
from .findings import text_checked
from .self_assessment import criterion_of_scheme, evidence_add_file, evidence_add_link

CS = ClarificationStatus


def _locked(request: ClarificationRequest) -> tuple[Application, ClarificationRequest]:
    application = locked_application(request.application)
    with scope(organization=application.organization):
        request = (
            ClarificationRequest.objects.select_for_update(of=("self",))
            .select_related("criterion")
            .get(pk=request.pk, application=application)
        )
    request.application = application
    return application, request


def clarification_transition(request: ClarificationRequest, action: str) -> None:
    """Move the (locked) request along the action's edge (`CLARIFICATION_EDGES`), or refuse.
    The caller saves and records the step."""
    edges = CLARIFICATION_EDGES[action]
    to = next(iter(edges.get(request.status, ())), "")
    check_transition(
        edges,
        request.status,
        to,
        message=_("This clarification request is “%(status)s”; this step is not possible now.")
        % {"status": request.get_status_display()},
    )
    request.status = to


def _message(request: ClarificationRequest, side: str, body: str, by: User | None) -> None:
    with scope(organization=request.application.organization):
        message = ClarificationMessage(
            request=request, side=side, body=body, by=by, at=timezone.now()
        )
        message.full_clean(exclude=["request", "by"])
        message.save()


def _path(request: ClarificationRequest, audience: str) -> str:
    application = request.application
    if audience == "company":
        return reverse(
            "certification:clarification",
            kwargs={
                "org_slug": application.organization.slug,
                "pk": application.pk,
                "cid": request.pk,
            },
        )
    return reverse(
        "certification:audit_clarification", kwargs={"pk": application.pk, "cid": request.pk}
    )


def _tell_company(request: ClarificationRequest, subject: Any, text: str) -> None:
    application = request.application
    mail_on_commit(
        subject=subject,
        template=EVENT_TEMPLATE,
        context={
            "application": application,
            # The e-mail carries the text (the question or the auditor's reply).
            "message": lazy_format(
                gettext_lazy("Criterion %(code)s. Please answer by %(due)s:\n\n%(text)s"),
                code=request.criterion.code,
                due=request.due_on,
                text=text,
            ),
            "path": _path(request, "company"),
        },
        to=organization_admin_emails(application.organization),
    )


def _record(request: ClarificationRequest, by: User | None, *, verb: str, **data: Any) -> None:
    activity_record(
        actor=by,
        organization=request.application.organization,
        verb=verb,
        target=request.application,
        data={"clarification": request.pk, "criterion": request.criterion.code, **data},
    )


@transaction.atomic
def clarification_ask(
    *, application: Application, criterion_id: Any, question: str, by: User | None
) -> ClarificationRequest:
    """An assigned auditor asks the company about one criterion; the answer is due by the
    policy's date."""
    application = locked_application(application)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    criterion = criterion_of_scheme(application, criterion_id)
    question = text_checked(question, "question", _("Write the question."))
    with scope(organization=application.organization):
        request = ClarificationRequest(
            application=application,
            criterion=criterion,
            question=question,
            status=CS.OPEN,
            due_on=policy_due_on("clarification"),
            asked_by=by,
            asked_at=timezone.now(),
        )
        request.full_clean(exclude=["application", "criterion", "asked_by"])
        request.save()
    _message(request, ClarificationSide.AUDITOR, question, by)
    clarification_deadline_open(request)
    _record(request, by, verb="certification.clarification_asked")
    _tell_company(
        request,
        lazy_format(
            gettext_lazy("Question from your auditor on criterion %(code)s"),
            code=criterion.code,
        ),
        question,
    )
    return request


@transaction.atomic
def clarification_answer(
    *,
    request: ClarificationRequest,
    body: str,
    by: User | None,
    upload: UploadedFile | None = None,
    url: str = "",
    title: str = "",
) -> ClarificationRequest:
    """The company (owners and admins) answers an open request, with evidence if it likes
    (checked like all evidence); the deadline closes and the auditors are told."""
    application, request = _locked(request)
    require_org_admin(application.organization, by)
    require_state(application, *SCORING_STATES)
    body = text_checked(body, "body", _("Write your answer."))
    if request.status != CS.OPEN:
        raise DomainError(_("This request is not awaiting an answer."), code="transition")
    # Evidence first: it is checked against the request while it is still open.
    if upload is not None:
        evidence_add_file(
            application=application, upload=upload, title=title, by=by, clarification=request
        )
    elif url:
        evidence_add_link(
            application=application, url=url, title=title, by=by, clarification=request
        )
    clarification_transition(request, "answer")
    request.save(update_fields=["status"])
    _message(request, ClarificationSide.COMPANY, body, by)
    clarification_deadline_close(request)
    _record(request, by, verb="certification.clarification_answered", evidence=bool(upload or url))
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Clarification answered: %(org)s, criterion %(code)s"),
            org=application.organization,
            code=request.criterion.code,
        ),
        template=EVENT_TEMPLATE,
        context={"application": application, "message": body, "path": _path(request, "auditors")},
        to=auditor_emails(application),
    )
    return request


@transaction.atomic
def clarification_reply(
    *, request: ClarificationRequest, body: str, by: User | None
) -> ClarificationRequest:
    """The auditor asks again on an answered request: open once more, with a new deadline."""
    application, request = _locked(request)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    body = text_checked(body, "body", _("Write your follow-up question."))
    clarification_transition(request, "ask_again")
    request.due_on = policy_due_on("clarification")
    request.save(update_fields=["status", "due_on"])
    _message(request, ClarificationSide.AUDITOR, body, by)
    clarification_deadline_open(request)
    _record(request, by, verb="certification.clarification_reopened")
    _tell_company(
        request,
        lazy_format(
            gettext_lazy("Follow-up question from your auditor on criterion %(code)s"),
            code=request.criterion.code,
        ),
        body,
    )
    return request


@transaction.atomic
def clarification_close(*, request: ClarificationRequest, by: User | None) -> ClarificationRequest:
    """The auditor is satisfied (or withdraws the question): the request is closed for good."""
    application, request = _locked(request)
    active_assignment(application, by)
    require_state(application, *SCORING_STATES)
    clarification_transition(request, "close")
    request.closed_by, request.closed_at = by, timezone.now()
    request.save(update_fields=["status", "closed_by", "closed_at"])
    clarification_deadline_close(request)
    _record(request, by, verb="certification.clarification_closed")
    return request
