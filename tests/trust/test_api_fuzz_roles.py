"""Property-based fuzzing of the REST API as the roles that hold real power: the assigned
auditor over the audit operations and the CPO office over the office operations (token
auth, both with an MFA authenticator, as their roles require).

The world has an application at every step the operations act on: one submitted (accept,
return, reject), one in audit with the auditor assigned and findings open and answered
(scores, findings, corrections, report, decline), one with its report submitted (decide,
reopen) and a granted one with its certificate (suspend, withdraw, reinstate). Path
parameters are drawn from the generated values and from these rows' ids, so the input
reaches the services. Each example runs in a savepoint that is rolled back, so every
example meets the same states.

Positive mode: no 5xx and answers the schema documents. Negative mode (input that breaks
the schema on purpose), a bounded number of examples: no 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.certification.helpers import answer_fields
from tests.trust.test_api_fuzz import CHECKS, OPERATIONS

# Bounded for CI: about forty operations, each example one request.
POSITIVE_EXAMPLES = 4
NEGATIVE_EXAMPLES = 3

AUDITOR_OPERATIONS = sorted(
    label for label in OPERATIONS if " /api/v1/audits/" in label or label == "GET /api/v1/me/"
)
OFFICE_OPERATIONS = sorted(
    label for label in OPERATIONS if " /api/v1/office/" in label or label == "GET /api/v1/me/"
)


def _negatable(label: str) -> bool:
    """Input that can break the schema: an operation without any has no negative case."""
    operation = OPERATIONS[label]
    return any(len(part) for part in (operation.path_parameters, operation.query, operation.body))


@dataclass
class Role:
    token: str
    path_values: dict[str, list[Any]]


@dataclass
class World:
    auditor: Role
    office: Role


def _build_world() -> World:

    from certification.models import AuditorAssignment, Certificate, FindingKind
    from certification.services.applications import application_accept, application_submit
    from certification.services.auditors import auditor_assign
    from certification.services.findings import finding_answer, finding_raise
    from certification.services.self_assessment import self_assessment_submit
    from cpo_portal.accounts.services.profile import api_token_create
    from cpo_portal.tenancy.services import organization_create
    from criteria.demo import demo_catalogue_data
    from criteria.models import SchemeKind
    from criteria.services.catalogue import catalogue_import
    from tests.certification.helpers import (
        answer_all,
        approve_signee,
        audit_to_report,
        criteria_of,
        decide,
        make_auditor,
        new_application,
    )
    from tests.conftest import _activate_totp
    from tests.factories import UserFactory, make_office

    catalogue_import(
        data=demo_catalogue_data(),
        by=None,
        publish=True,
    )
    owner = UserFactory(email="roles-owner@example.org", full_name="Rita Owner")
    other = UserFactory(email="roles-other@example.org", full_name="Otis Other")
    office = _activate_totp(UserFactory(email="roles-office@example.org", full_name="Olaf Office"))
    make_office(office)
    auditor_user = _activate_totp(
        UserFactory(email="roles-auditor@example.org", full_name="Ava Auditor")
    )
    auditor = make_auditor(auditor_user)
    alpha = organization_create(by=owner, legal_name="Roles Alpha", country="DE")
    beta = organization_create(by=other, legal_name="Roles Beta", country="FR")
    approve_signee(alpha, owner, office)
    approve_signee(beta, other, office)
    steps = {"company_user": owner, "auditor": auditor, "auditor_user": auditor_user}

    granted = audit_to_report(new_application(alpha, owner), office=office, **steps)
    decide(granted, office)
    with scopes_disabled():
        certificate = Certificate.objects.get(application=granted)
    reported = audit_to_report(
        new_application(alpha, owner, kind=SchemeKind.PRODUCT), office=office, **steps
    )
    submitted = application_submit(application=new_application(beta, other), by=other)

    in_audit = new_application(alpha, owner, kind=SchemeKind.PRODUCT, product_name="Alpha MES")
    application_submit(application=in_audit, by=owner)
    application_accept(application=in_audit, by=office)
    assignment = auditor_assign(application=in_audit, auditor=auditor, role="lead", by=office)
    answer_all(in_audit, owner)
    self_assessment_submit(application=in_audit, by=owner)
    criteria = criteria_of(in_audit)
    open_finding = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.MINOR,
        criterion_ids=[criteria[0].pk],
        description="The interface owner is not named.",
        by=auditor_user,
    )
    answered = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.MAJOR,
        criterion_ids=[criteria[1].pk],
        description="No release notes for the API.",
        by=auditor_user,
    )
    finding_answer(**answer_fields(), finding=answered, corrective_action="Published.", by=owner)

    with scopes_disabled():
        ended = AuditorAssignment.objects.exclude(pk=assignment.pk).values_list("pk", flat=True)
        assignments = [assignment.pk, *ended]
    applications = [in_audit.pk, reported.pk, granted.pk, submitted.pk]
    return World(
        auditor=Role(
            token=api_token_create(user=auditor_user).key,
            path_values={
                "id": [in_audit.pk, reported.pk],
                "criterion_id": [c.pk for c in criteria[:3]],
                "finding_id": [open_finding.pk, answered.pk],
            },
        ),
        office=Role(
            token=api_token_create(user=office).key,
            path_values={
                "id": applications,
                "assignment_id": assignments,
                "number": [certificate.number],
            },
        ),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module, rolled back at its end; each example runs in a savepoint."""
    # The raw WSGI handler closes the database connection after each request; Django's test
    # client unhooks that, and so must this module, or the test transaction is lost.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield _build_world()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(label: str, role: Role, mode: GenerationMode, examples: int, checks: list) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Token {role.token}"}

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data) -> None:
        for name in list(case.path_parameters or {}):
            known = role.path_values.get(name) or []
            if known:
                case.path_parameters[name] = data.draw(
                    st.sampled_from([case.path_parameters[name], *known])
                )
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.mark.parametrize("label", AUDITOR_OPERATIONS)
def test_assigned_auditor_gets_no_server_error_and_documented_answers(label, world, db):
    _fuzz(label, world.auditor, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, CHECKS)


@pytest.mark.parametrize("label", OFFICE_OPERATIONS)
def test_office_gets_no_server_error_and_documented_answers(label, world, db):
    _fuzz(label, world.office, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, CHECKS)


@pytest.mark.parametrize("label", [label for label in AUDITOR_OPERATIONS if _negatable(label)])
def test_assigned_auditor_with_schema_breaking_input_gets_no_server_error(label, world, db):
    _fuzz(label, world.auditor, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, [not_a_server_error])


@pytest.mark.parametrize("label", [label for label in OFFICE_OPERATIONS if _negatable(label)])
def test_office_with_schema_breaking_input_gets_no_server_error(label, world, db):
    _fuzz(label, world.office, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, [not_a_server_error])
