"""Membership pages: the organization's community page and declaration, the office queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AssociationMembership
from community.models import MembershipStatus as M
from community.selectors.membership import membership_of
from community.services import membership as services
from cpo_portal.tenancy.services import organization_create
from tests.community.factories import AssociationMembershipFactory
from tests.factories import UserFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def org_url(name, org, **kwargs):
    return reverse(f"community:{name}", kwargs={"org_slug": org.slug, **kwargs})


def text(response):
    return response.content.decode()


def declared_org(office, n):
    """An approved signee that declared its membership again after a verification (as
    membership_declare leaves it: who verified it stays): one row of the office's queue."""
    owner = UserFactory(email=f"owner{n}@example.org")
    org = organization_create(by=owner, legal_name=f"Company {n}", country="DE")
    SigneeFactory(approved=True, organization=org, signed_by=owner, reviewed_by=office)
    return AssociationMembershipFactory(
        organization=org,
        number=f"N-{n}",
        member_since=TODAY(),
        verified_by=office,
        verified_at=timezone.now(),
    )


# --- The organization ------------------------------------------------------------------


def test_workspace_pages_are_404_for_outsiders(client, alpha_member, alpha, charlie):
    client.force_login(charlie)
    for url in (org_url("org_community", alpha), org_url("org_membership", alpha)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"number": "X", "member_since": "2020-01-01"}).status_code == 404
    assert membership_of(alpha).number == alpha_member.number


def test_visitors_are_sent_to_login(client, alpha):
    response = client.get(org_url("org_community", alpha))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_plain_member_sees_the_status_but_cannot_declare(client, alpha_member, alpha, bob):
    client.force_login(bob)
    page = client.get(org_url("org_community", alpha))
    assert page.status_code == 200
    assert "CPO Community member" in text(page)
    assert org_url("org_membership", alpha) not in text(page)
    assert client.get(org_url("org_membership", alpha)).status_code == 403
    response = client.post(
        org_url("org_membership", alpha), {"number": "X", "member_since": "2020-01-01"}
    )
    assert response.status_code == 403
    assert membership_of(alpha).status == M.VERIFIED


def test_an_unsigned_organization_is_sent_to_signing(client, alpha, alice):
    client.force_login(alice)
    page = text(client.get(org_url("org_community", alpha)))
    assert "Only approved signees" in page
    assert reverse("signees:status", args=[alpha.slug]) in page
    form_page = client.get(org_url("org_membership", alpha))
    assert form_page.status_code == 200 and 'name="number"' not in text(form_page)
    client.post(org_url("org_membership", alpha), {"number": "X", "member_since": "2020-01-01"})
    assert membership_of(alpha) is None


def test_owner_declares_and_sees_errors(client, alpha_member, alpha, alice):
    client.force_login(alice)
    bad = client.post(
        org_url("org_membership", alpha),
        {"number": " ", "member_since": (TODAY() + timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 200
    assert "cannot start in the future" in text(bad)
    assert membership_of(alpha).status == M.VERIFIED
    ok = client.post(
        org_url("org_membership", alpha), {"number": "PI-99", "member_since": "2019-05-01"}
    )
    assert ok.status_code == 302 and ok["Location"] == org_url("org_community", alpha)
    membership = membership_of(alpha)
    assert (membership.status, membership.number) == (M.DECLARED, "PI-99")
    assert "awaiting verification" in text(client.get(org_url("org_community", alpha)))


def test_the_lapse_is_shown_ahead_of_time(client, alpha_member, alpha, alice, office_user):
    client.force_login(alice)
    assert 'data-testid="lapse-warning"' not in text(client.get(org_url("org_community", alpha)))
    services.membership_verify(
        membership=alpha_member, valid_until=TODAY() + timedelta(days=12), by=office_user
    )
    page = text(client.get(org_url("org_community", alpha)))
    assert 'data-testid="lapse-warning"' in page and "in 12 days" in page


def test_the_reason_of_a_rejection_is_shown(client, alpha_member, alpha, alice, office_user):
    services.membership_reject(membership=alpha_member, reason="Number unknown", by=office_user)
    client.force_login(alice)
    page = text(client.get(org_url("org_community", alpha)))
    assert "Number unknown" in page and "Not confirmed" in page


# --- The office ------------------------------------------------------------------------


def office(name, *args):
    return reverse(f"community:{name}", args=args)


def test_office_pages_are_404_for_others(client, alpha_member, alice):
    client.force_login(alice)
    for url in (office("office_memberships"), office("office_memberships_all")):
        assert client.get(url).status_code == 404
    pk = alpha_member.pk
    assert client.get(office("office_membership", pk)).status_code == 404
    assert (
        client.post(
            office("office_membership_verify", pk), {"valid_until": "2999-01-01"}
        ).status_code
        == 404
    )
    assert client.post(office("office_membership_reject", pk), {"reason": "x"}).status_code == 404
    client.logout()
    assert client.get(office("office_memberships")).status_code == 302


def test_office_verifies_from_the_queue(client, alpha_member, alpha, alice, office_user):
    services.membership_declare(organization=alpha, number="PI-5", member_since=TODAY(), by=alice)
    client.force_login(office_user)
    queue = text(client.get(office("office_memberships")))
    assert "PI-5" in queue and alpha.display_name in queue
    detail = client.get(office("office_membership", alpha_member.pk))
    assert detail.status_code == 200
    bad = client.post(
        office("office_membership_verify", alpha_member.pk), {"valid_until": "2000-01-01"}
    )
    assert bad.status_code == 200 and "already ended" in text(bad)
    assert membership_of(alpha).status == M.DECLARED
    until = TODAY() + timedelta(days=200)
    ok = client.post(
        office("office_membership_verify", alpha_member.pk), {"valid_until": until.isoformat()}
    )
    assert ok.status_code == 302
    membership = membership_of(alpha)
    assert (membership.status, membership.valid_until) == (M.VERIFIED, until)
    assert "PI-5" not in text(client.get(office("office_memberships")))
    assert client.get(office("office_membership", 9999)).status_code == 404


def test_office_rejects_with_a_reason(client, alpha_member, alpha, office_user):
    client.force_login(office_user)
    bad = client.post(office("office_membership_reject", alpha_member.pk), {"reason": ""})
    assert bad.status_code == 200 and "This field is required" in text(bad)
    assert membership_of(alpha).status == M.VERIFIED
    client.post(
        office("office_membership_reject", alpha_member.pk), {"reason": "Not in our records"}
    )
    membership = membership_of(alpha)
    assert (membership.status, membership.status_reason) == (M.REJECTED, "Not in our records")
    # A rejected membership is declared again before it can be verified.
    page = text(client.get(office("office_membership", alpha_member.pk)))
    assert "declares the membership again" in page
    response = client.post(
        office("office_membership_verify", alpha_member.pk),
        {"valid_until": (TODAY() + timedelta(days=9)).isoformat()},
    )
    assert "declared or verified" in text(response)


def test_office_list_filters(client, alpha_member, beta_member, beta, office_user):
    services.membership_reject(membership=beta_member, reason="no", by=office_user)
    client.force_login(office_user)
    rejected = text(client.get(office("office_memberships_all"), {"status": "rejected"}))
    assert (
        beta.display_name in rejected
        and "Alpha" not in rejected.split("<main")[1].split("</main>")[0]
    )
    found = text(client.get(office("office_memberships_all"), {"q": alpha_member.number}))
    assert alpha_member.number in found
    assert (
        client.get(office("office_memberships_all"), {"status": "bogus", "page": "x"}).status_code
        == 200
    )


def test_office_queue_and_list_queries_are_bounded(
    client, catalogue, office_user, django_assert_max_num_queries
):
    for n in range(3):
        declared_org(office_user, n)
    client.force_login(office_user)
    with django_assert_max_num_queries(12) as few:
        assert client.get(office("office_memberships")).status_code == 200
    for n in range(3, 9):
        declared_org(office_user, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(office("office_memberships"))
    assert text(page).count("N-") >= 9
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert client.get(office("office_memberships_all")).status_code == 200
    with scopes_disabled():
        assert AssociationMembership.objects.filter(status=M.DECLARED).count() == 9


# --- /community/: what the community is, who may join, links, and member counts per group.


def test_community_home_counts_members_per_group(
    client, alpha_member, beta_member, gamma_member, office_user, django_assert_max_num_queries
):
    services.membership_reject(membership=beta_member, reason="no", by=office_user)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("community:home"))
    assert response.status_code == 200
    body = response.content.decode()
    counts = body.split('data-testid="community-counts"')[1].split("</ul>")[0]
    assert '<span class="stat">1</span> IT customer' in counts
    assert '<span class="stat">1</span> IT vendor' in counts
    assert '<span class="stat">0</span> IT service provider' in counts
    assert "2 community member organizations in all" in body
    for link in (
        reverse("community:core_team"),
        reverse("community:conference"),
        "/community/reports/",
        reverse("signees:list"),
    ):
        assert f'href="{link}"' in body


def test_community_home_links_the_election_and_conference(client, election):
    body = client.get("/community/").content.decode()
    assert reverse("community:election", args=[election.year]) in body
    assert "Who may join" in body
