"""The membership API: members' status and declaration; 404 for outsiders, 403 for plain
members on admin actions, 400 on bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.models import MembershipStatus as M
from community.selectors.membership import membership_of

pytestmark = pytest.mark.django_db
API = "/api/v1/community"


@pytest.fixture
def api():
    return APIClient()


def org_api(org, rest):
    return f"{API}/organizations/{org.slug}/{rest}"


def test_membership_status_and_declaration(api, alpha_member, alpha, alice, bob, charlie):
    url = org_api(alpha, "membership/")
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(charlie)
    assert api.get(url).status_code == 404
    assert api.post(url, {"number": "X", "member_since": "2020-01-01"}).status_code == 404
    api.force_authenticate(bob)
    body = api.get(url).json()
    assert body["is_community_member"] is True
    assert body["membership"]["status"] == "verified"
    assert body["membership"]["lapses_in_days"] is None
    assert api.post(url, {"number": "X", "member_since": "2020-01-01"}).status_code == 403
    api.force_authenticate(alice)
    bad = api.post(url, {"number": "", "member_since": "someday"}, format="json")
    assert bad.status_code == 400 and {"number", "member_since"} <= set(bad.json())
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    refused = api.post(url, {"number": "PI-2", "member_since": future}, format="json")
    assert refused.status_code == 400
    assert membership_of(alpha).status == M.VERIFIED
    ok = api.post(url, {"number": "PI-2", "member_since": "2020-01-01"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["membership"]["status"] == "declared"
    assert ok.json()["is_community_member"] is False


def test_status_of_an_organization_without_membership(api, alpha, alice):
    api.force_authenticate(alice)
    assert api.get(org_api(alpha, "membership/")).json() == {
        "is_community_member": False,
        "membership": None,
    }
    response = api.post(
        org_api(alpha, "membership/"), {"number": "PI", "member_since": "2020-01-01"}
    )
    assert response.status_code == 400 and "approved signees" in str(response.json())
