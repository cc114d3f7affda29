"""Proposal pages: the public list and detail, comments, the Core Team's moves, the
workspace; outsiders get 404; bounded queries on the lists."""

import pytest
from django.urls import reverse

from community.models import Proposal, ProposalComment, ProposalStatus
from community.services import proposals as services
from tests.community.factories import ProposalFactory

S = ProposalStatus


@pytest.fixture
def proposal(alpha_member, alpha, bob, catalogue):
    """Submitted by bob (a plain member of Alpha), on criterion 2.1.1."""
    return ProposalFactory(
        organization=alpha,
        submitted_by=bob,
        kind="change",
        title="Clarify neutral formats",
        rationale="Say which formats.",
        criteria=list(catalogue.criteria.filter(code="2.1.1")),
    )


def _many(alpha, alice, n):
    for i in range(n):
        ProposalFactory(
            organization=alpha,
            submitted_by=alice,
            kind="new" if i % 2 else "other",
            title=f"P{i}",
            rationale="R",
        )


# --- The public -------------------------------------------------------------------------


def test_public_list_filters_and_paginates(client, proposal, alpha, alice, core_team):
    _many(alpha, alice, 30)
    services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    response = client.get("/community/proposals/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 31
    assert len(response.context["page"].object_list) == 25
    assert client.get("/community/proposals/?page=2").context["page"].number == 2
    only = client.get("/community/proposals/?status=discussion")
    assert [p.pk for p in only.context["page"].object_list] == [proposal.pk]
    kinds = client.get("/community/proposals/?kind=new").context["page"].paginator.count
    assert kinds == 15
    # Bad filter values show everything, never a 500.
    assert client.get("/community/proposals/?status=<x>&kind=%00&page=zz").status_code == 200


def test_public_list_queries_do_not_grow(
    client, proposal, alpha, alice, django_assert_max_num_queries
):
    _many(alpha, alice, 5)
    with django_assert_max_num_queries(8) as small:
        client.get("/community/proposals/")
    _many(alpha, alice, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/community/proposals/")


def test_public_detail_is_read_only_for_visitors(client, proposal):
    response = client.get(f"/community/proposals/{proposal.pk}/")
    assert response.status_code == 200
    assert response.context["comment_form"] is None and response.context["move_form"] is None
    assert b"Clarify neutral formats" in response.content and b"2.1.1" in response.content
    assert client.get("/community/proposals/999999/").status_code == 404


def test_detail_queries_are_bounded(
    client, proposal, beta_member, beta, charlie, django_assert_max_num_queries
):
    for i in range(10):
        services.proposal_comment(proposal=proposal, organization=beta, by=charlie, body=f"c{i}")
    client.force_login(charlie)
    with django_assert_max_num_queries(20):
        response = client.get(f"/community/proposals/{proposal.pk}/")
    assert len(response.context["comments"]) == 10


def test_visitors_are_sent_to_sign_in_for_comments_and_moves(client, proposal):
    for name in ("proposal_comment", "proposal_move"):
        response = client.post(reverse(f"community:{name}", args=[proposal.pk]), {"body": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not ProposalComment.objects.exists()


def test_outsiders_get_404_on_comment_and_move(
    client, proposal, stranger, stranger_org, bob, core_team
):
    client.force_login(stranger)
    url = reverse("community:proposal_comment", args=[proposal.pk])
    assert client.post(url, {"body": "x", "organization": stranger_org.pk}).status_code == 404
    client.force_login(bob)  # a community member, but not in the Core Team
    move = reverse("community:proposal_move", args=[proposal.pk])
    assert client.post(move, {"to": "discussion"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == S.SUBMITTED and not ProposalComment.objects.exists()


def test_a_member_comments(client, proposal, beta_member, beta, charlie):
    client.force_login(charlie)
    page = client.get(f"/community/proposals/{proposal.pk}/")
    assert page.context["comment_form"] is not None
    url = reverse("community:proposal_comment", args=[proposal.pk])
    assert client.post(url, {"body": "  ", "organization": beta.pk}).status_code == 400
    response = client.post(url, {"body": "Yes, please.", "organization": beta.pk})
    assert response.status_code == 302
    comment = ProposalComment.objects.get()
    assert (comment.body, comment.organization, comment.author) == ("Yes, please.", beta, charlie)


def test_a_comment_for_an_organization_one_does_not_belong_to_is_refused(
    client, proposal, beta_member, alpha, charlie
):
    client.force_login(charlie)
    url = reverse("community:proposal_comment", args=[proposal.pk])
    assert client.post(url, {"body": "x", "organization": alpha.pk}).status_code == 400
    assert not ProposalComment.objects.exists()


def test_the_core_team_moves_a_proposal(client, proposal, core_team, alice):
    client.force_login(alice)
    page = client.get(f"/community/proposals/{proposal.pk}/")
    assert [c for c, _l in page.context["move_form"].fields["to"].choices] == ["discussion"]
    move = reverse("community:proposal_move", args=[proposal.pk])
    # An edge the machine lacks is not even a choice: 400, nothing changes.
    assert client.post(move, {"to": "accepted", "rationale": "x"}).status_code == 400
    assert client.post(move, {"to": "discussion"}).status_code == 302
    response = client.post(move, {"to": "accepted", "rationale": ""})
    assert response.status_code == 400
    assert "rationale" in response.context["move_form"].errors
    proposal.refresh_from_db()
    assert proposal.status == S.DISCUSSION
    assert client.post(move, {"to": "accepted", "rationale": "Good idea"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == S.ACCEPTED and proposal.decision_rationale == "Good idea"
    detail = client.get(f"/community/proposals/{proposal.pk}/")
    assert b"Good idea" in detail.content and detail.context["move_form"] is None


# --- The workspace ----------------------------------------------------------------------


def test_workspace_pages_are_for_the_organizations_people_only(client, proposal, alpha, charlie):
    client.force_login(charlie)
    for name in ("org_proposals", "org_proposal_submit"):
        assert client.get(reverse(f"community:{name}", args=[alpha.slug])).status_code == 404
    response = client.post(
        reverse("community:org_proposal_submit", args=[alpha.slug]),
        {"kind": "new", "title": "Sneaky", "rationale": "R"},
    )
    assert response.status_code == 404
    assert Proposal.objects.count() == 1


def test_a_plain_member_submits_from_the_workspace(client, alpha_member, alpha, bob, catalogue):
    client.force_login(bob)
    url = reverse("community:org_proposal_submit", args=[alpha.slug])
    assert client.get(url).status_code == 200
    criterion = catalogue.criteria.get(code="2.1.2")
    response = client.post(
        url, {"kind": "new", "title": "Open SDKs", "rationale": "Why", "criteria": [criterion.pk]}
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == f"/community/proposals/{proposal.pk}/"
    assert list(proposal.criteria.all()) == [criterion]
    listing = client.get(reverse("community:org_proposals", args=[alpha.slug]))
    assert [p.pk for p in listing.context["page"].object_list] == [proposal.pk]


def test_bad_input_is_a_form_error(client, alpha_member, alpha, bob):
    client.force_login(bob)
    url = reverse("community:org_proposal_submit", args=[alpha.slug])
    response = client.post(url, {"kind": "nonsense", "title": "", "rationale": ""})
    assert response.status_code == 400
    assert {"kind", "title", "rationale"} <= set(response.context["form"].errors)
    assert not Proposal.objects.exists()


def test_a_non_member_organization_sees_why_and_is_refused(client, stranger, stranger_org):
    client.force_login(stranger)
    url = reverse("community:org_proposal_submit", args=[stranger_org.slug])
    page = client.get(url)
    assert page.status_code == 200 and page.context["is_member"] is False
    response = client.post(url, {"kind": "new", "title": "T", "rationale": "R"})
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    assert not Proposal.objects.exists()


# --- The catalogue draft page -----------------------------------------------------------


def test_the_office_draft_page_shows_the_accepted_proposals(
    client, proposal, core_team, alice, office_user, catalogue
):
    from criteria.services.catalogue import catalogue_create_draft

    services.proposal_transition(proposal=proposal, to=S.DISCUSSION, by=alice)
    services.proposal_transition(proposal=proposal, to=S.ACCEPTED, by=alice, rationale="Yes")
    draft = catalogue_create_draft(source=catalogue, code="t-2", by=office_user)
    client.force_login(office_user)
    page = client.get(reverse("criteria:office_version", args=[draft.code]))
    assert page.status_code == 200
    assert b"Proposals accepted for the next version" in page.content
    assert b"Clarify neutral formats" in page.content
    published = client.get(reverse("criteria:office_version", args=[catalogue.code]))
    assert b"Proposals accepted for the next version" not in published.content
