"""Property-based fuzzing of the REST API from its own OpenAPI schema (schemathesis).

Every operation of the schema is called with generated input, by a visitor and by the owner
of an organization with data in place (an application in audit, a community membership, an
election and a proposal). Whatever the input: never a 5xx, and every answer is one the schema
documents, with a body that matches it. Path parameters are drawn from the generated values
and from the ids of the rows that exist, so the fuzzing reaches the code behind the 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Bounded for CI: a visitor is mostly turned away before any input is read.
VISITOR_EXAMPLES = 3
OWNER_EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> Any:
    # Generated in-process, exactly what /api/schema/ serves (JSON round trip resolves lazy
    # translations and enums).
    document = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


SCHEMA = _schema()
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


@dataclass
class World:
    token: str
    path_values: dict[str, list[Any]]


def _build_world() -> World:
    from django.utils import timezone

    from certification.services.applications import application_accept, application_submit
    from certification.services.auditors import auditor_assign
    from certification.services.self_assessment import self_assessment_submit
    from community.services import elections as community_elections
    from community.services import proposals as community_proposals
    from cpo_portal.accounts.services.profile import api_token_create
    from cpo_portal.tenancy.services import organization_create
    from criteria.demo import demo_catalogue_data
    from criteria.services.catalogue import catalogue_import
    from tests.certification.helpers import (
        answer_all,
        criteria_of,
        make_auditor,
        new_application,
    )
    from tests.community.helpers import member
    from tests.conftest import _activate_totp
    from tests.factories import UserFactory, make_office

    version, _ = catalogue_import(
        data=demo_catalogue_data(),
        by=None,
        publish=True,
    )
    owner = UserFactory(email="fuzz-owner@example.org", full_name="Fuzz Owner")
    office = _activate_totp(UserFactory(email="fuzz-office@example.org", full_name="Fuzz Office"))
    make_office(office)
    auditor = _activate_totp(UserFactory(email="fuzz-auditor@example.org", full_name="Fuzz Aud"))
    org = organization_create(by=owner, legal_name="Fuzz Alpha", country="DE")
    member(org, owner, office)
    application = new_application(org, owner)
    application_submit(application=application, by=owner)
    application_accept(application=application, by=office)
    auditor_assign(application=application, auditor=make_auditor(auditor), role="lead", by=office)
    answer_all(application, owner)
    self_assessment_submit(application=application, by=owner)
    now = timezone.now()
    day = timezone.timedelta(days=1)
    election = community_elections.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office,
    )
    proposal = community_proposals.proposal_submit(
        organization=org, by=owner, kind="change", title="Fuzz", rationale="Because."
    )
    with scopes_disabled():
        criterion = criteria_of(application)[0]
    return World(
        token=api_token_create(user=owner).key,
        path_values={
            "org_slug": [org.slug],
            "id": [application.pk, proposal.pk],
            "criterion_id": [criterion.pk],
            "year": [election.year],
            "slug": [org.slug],
            "version": [version.code],
            "code": [],
            "number": [],
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module, rolled back at its end; each test runs in a savepoint."""
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


def _fuzz(operation, world: World, headers: dict[str, str], examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), data=st.data())
    def run(case, data) -> None:
        for name in list(case.path_parameters or {}):
            known = world.path_values.get(name) or []
            if known:
                case.path_parameters[name] = data.draw(
                    st.sampled_from([case.path_parameters[name], *known])
                )
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_visitor_gets_no_server_error_and_documented_answers(label, world, db):
    _fuzz(OPERATIONS[label], world, headers={}, examples=VISITOR_EXAMPLES)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_owner_gets_no_server_error_and_documented_answers(label, world, db):
    headers = {"Authorization": f"Token {world.token}"}
    _fuzz(OPERATIONS[label], world, headers=headers, examples=OWNER_EXAMPLES)
