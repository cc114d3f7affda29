"""/community/: what the community is, who may join, links, and member counts per group."""

import pytest
from django.urls import reverse

from community import services

pytestmark = pytest.mark.django_db


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
