"""Form fuzzing of the main HTML forms (hypothesis): hostile text, huge strings, NUL bytes,
odd unicode, wrong types and missing fields. Never a 5xx; a refused submission (anything but
a redirect) writes nothing.
"""

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.models import Application, SelfAssessmentAnswer
from community.models import Proposal, ProposalComment
from cpo_portal.activity.models import ActivityEntry
from signees.models import Signature, StatementAnswer
from signees.services.statements import statement_start_draft
from tests.certification import conftest as certification_fixtures
from tests.certification.helpers import criteria_of
from tests.community.helpers import member

pytestmark = pytest.mark.django_db

# The certification fixtures, shared with this module.
accepted = certification_fixtures.accepted
alpha_signee = certification_fixtures.alpha_signee
assigned = certification_fixtures.assigned
through_services = certification_fixtures.through_services
draft = certification_fixtures.draft
lead = certification_fixtures.lead
submitted = certification_fixtures.submitted

FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "x" * 100_000,
        "\u202e\u200b\ufeff",
        "\ud7ff\U0010ffff",
        "9" * 40,
        "-1",
        "2024-02-30",
        "99999-01-01",
        "true",
        "null",
        "[]",
    ]
)
VALUE = st.one_of(HOSTILE, st.text(max_size=300), st.integers().map(str))
# A field is left out, sent once, or sent several times.
FIELD = st.one_of(st.none(), VALUE, st.lists(VALUE, min_size=2, max_size=3))


def form_data(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(dict.fromkeys(fields, FIELD)).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


def counts(*models: Any) -> dict[str, int]:
    with scopes_disabled():
        return {m.__name__: m.objects.count() for m in (*models, ActivityEntry)}


def fuzz_form(client, url: str, fields: list[str], models: tuple, accepted_ok: bool = True):
    """Post generated data to `url`: no 5xx; what was not accepted wrote nothing."""

    @FUZZ
    @given(data=form_data(fields))
    def run(data: dict[str, Any]) -> None:
        before = counts(*models)
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        if response.status_code != 302:
            assert counts(*models) == before, (url, data, response.status_code)

    run()


def test_signing_form(client, catalogue, alpha, alice):
    client.force_login(alice)
    url = reverse("signees:sign", args=[alpha.slug])
    fields = ["group", "version", "signatory_name", "signatory_position", "authority_confirmed"]
    fuzz_form(client, url, fields, (Signature,))


def test_application_form(client, alpha_signee, alpha, alice):
    client.force_login(alice)
    url = reverse("certification:application_new", args=[alpha.slug, "organizational"])
    fields = [
        "scope_description",
        "window_start",
        "window_end",
        "product_name",
        "product_version",
        "product_description",
    ]
    fuzz_form(client, url, fields, (Application,))


def test_self_assessment_answer_form(client, assigned, alice):
    client.force_login(alice)
    criterion = criteria_of(assigned)[0]
    url = reverse(
        "certification:self_assessment_answer",
        args=[assigned.organization.slug, assigned.pk, criterion.pk],
    )
    fields = ["status", f"a{criterion.pk}-status", "explanation", f"a{criterion.pk}-explanation"]
    fuzz_form(client, url, fields, (SelfAssessmentAnswer,))


def test_statement_answer_form(client, alpha_signee, alpha, alice):
    draft_statement = statement_start_draft(signee=alpha_signee, by=alice)
    client.force_login(alice)
    with scopes_disabled():
        criterion = draft_statement.catalogue_version.criteria.order_by("pk").first()
    url = reverse("signees:statement_answer", args=[alpha.slug, criterion.pk])
    fields = ["fulfilment", "explanation", "link"]
    fuzz_form(client, url, fields, (StatementAnswer,))


@pytest.fixture
def community_member(catalogue, alpha, alice, office_user):
    member(alpha, alice, office_user)
    return alpha


def test_proposal_and_comment_forms(client, community_member, alice):
    from community.services import proposals as services

    client.force_login(alice)
    submit = reverse("community:org_proposal_submit", args=[community_member.slug])
    fuzz_form(client, submit, ["kind", "title", "rationale", "criteria"], (Proposal,))

    proposal = services.proposal_submit(
        organization=community_member, by=alice, kind="change", title="T", rationale="R"
    )
    comment = reverse("community:proposal_comment", args=[proposal.pk])
    fuzz_form(client, comment, ["body", "organization"], (ProposalComment,))
