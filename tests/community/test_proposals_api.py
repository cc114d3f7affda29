"""The proposals API: public reads with bounded queries, members submit, outsiders get 404,
bad input 400 with nothing written."""

import pytest
from rest_framework.test import APIClient

from community.models import Proposal
from community.services import proposals as services
from tests.community.factories import ProposalFactory

BASE = "/api/v1/community"


@pytest.fixture
def api():
    return APIClient()


def _submit(alpha, alice, n=1):
    for i in range(n):
        ProposalFactory(
            organization=alpha, submitted_by=alice, kind="new", title=f"P{i}", rationale="R"
        )


def test_public_proposals_list_and_detail(
    api, alpha_member, alpha, alice, beta_member, beta, charlie
):
    _submit(alpha, alice, 3)
    proposal = Proposal.objects.order_by("pk").first()
    services.proposal_comment(proposal=proposal, organization=beta, by=charlie, body="Yes")
    listing = api.get(f"{BASE}/proposals/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 3
    assert api.get(f"{BASE}/proposals/?status=accepted").json()["count"] == 0
    detail = api.get(f"{BASE}/proposals/{proposal.pk}/").json()
    assert detail["organization"] == "Alpha"
    assert [c["body"] for c in detail["comments"]] == ["Yes"]
    assert api.get(f"{BASE}/proposals/999999/").status_code == 404


def test_proposal_list_queries_do_not_grow(
    api, alpha_member, alpha, alice, django_assert_max_num_queries
):
    _submit(alpha, alice, 3)
    with django_assert_max_num_queries(6) as few:
        api.get(f"{BASE}/proposals/")
    _submit(alpha, alice, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        api.get(f"{BASE}/proposals/")


def test_members_submit_outsiders_get_404(api, alpha_member, alpha, bob, charlie, catalogue):
    url = f"{BASE}/organizations/{alpha.slug}/proposals/"
    body = {"kind": "change", "title": "T", "rationale": "R", "criteria": ["2.1.1"]}
    assert api.post(url, body, format="json").status_code in (401, 403)
    api.force_authenticate(charlie)
    assert api.post(url, body, format="json").status_code == 404
    api.force_authenticate(bob)
    bad = api.post(url, {**body, "criteria": ["9.9.9"], "kind": "x"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    bad = api.post(url, {**body, "criteria": ["9.9.9"]}, format="json")
    assert bad.status_code == 400 and "criteria" in bad.json()
    assert not Proposal.objects.exists()
    created = api.post(url, body, format="json")
    assert created.status_code == 201
    assert created.json()["criteria"] == [{"version": catalogue.code, "code": "2.1.1"}]


def test_a_non_member_organization_gets_400(api, stranger, stranger_org):
    api.force_authenticate(stranger)
    response = api.post(
        f"{BASE}/organizations/{stranger_org.slug}/proposals/",
        {"kind": "new", "title": "T", "rationale": "R"},
        format="json",
    )
    assert response.status_code == 400
    assert not Proposal.objects.exists()
