import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.activity.services import activity_record
from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Invitation, Membership, Role
from cpo_portal.tenancy.services import invitation_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _membership(org, user):
    with scope(organization=org):
        return Membership.objects.get(user=user)


def _write_counts():
    with scopes_disabled():
        return (
            Membership.objects.count(),
            Invitation.objects.count(),
            Invitation.objects.filter(accepted_at__isnull=False).count(),
            ActivityEntry.objects.count(),
        )


def _document(org):
    with scope(organization=org):
        return Document.objects.create(
            kind="organization_activity",
            owner=org,
            organization=org,
            title="Activity",
            status="ready",
            status_changed_at=org.created_at,
        )


def _alpha_urls(alpha, alice, bob):
    """Every URL of Alpha's workspace with the method it is used with."""
    mine = _membership(alpha, bob).pk
    invitation, _token = invitation_create(organization=alpha, by=alice, email="x@example.org")
    document = _document(alpha)
    s = alpha.slug
    return [
        ("get", f"/o/{s}/"),
        ("get", f"/o/{s}/settings/"),
        ("post", f"/o/{s}/settings/"),
        ("get", f"/o/{s}/members/"),
        ("post", f"/o/{s}/members/"),
        ("post", f"/o/{s}/members/{mine}/role/"),
        ("post", f"/o/{s}/members/{mine}/remove/"),
        ("post", f"/o/{s}/members/{mine}/transfer/"),
        ("post", f"/o/{s}/leave/"),
        ("post", f"/o/{s}/invitations/{invitation.pk}/revoke/"),
        ("get", f"/o/{s}/activity/"),
        ("post", f"/o/{s}/activity/pdf/"),
        ("get", f"/o/{s}/documents/"),
        ("get", f"/o/{s}/documents/{document.pk}/"),
        ("get", f"/o/{s}/documents/{document.pk}/download/"),
        ("post", f"/o/{s}/documents/{document.pk}/rerender/"),
    ]


# --- who gets in -------------------------------------------------------------------------


def test_outsider_gets_404_on_every_workspace_url(client, alpha, alice, bob, charlie, beta):
    urls = _alpha_urls(alpha, alice, bob)
    before = _write_counts()
    client.force_login(charlie)

    answers = {
        (m, u): getattr(client, m)(u, {"role": "owner", "confirm": "yes"}).status_code
        for m, u in urls
    }

    assert answers == dict.fromkeys(urls, 404)
    assert _write_counts() == before


def test_unknown_organization_is_404_for_a_signed_in_user(client, alice):
    client.force_login(alice)
    assert client.get("/o/no-such-org/").status_code == 404
    assert client.get("/o/no-such-org/members/").status_code == 404
    assert client.post("/o/no-such-org/leave/").status_code == 404


@pytest.mark.parametrize("path", ["/o/alpha/", "/o/alpha/members/", "/o/no-such-org/"])
def test_anonymous_is_sent_to_login_whether_or_not_the_organization_exists(client, alpha, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_post_is_sent_to_login_and_writes_nothing(client, alpha):
    before = _write_counts()
    response = client.post("/o/alpha/members/", {"email": "x@example.org", "role": "owner"})
    assert response.status_code == 302
    assert _write_counts() == before


@pytest.mark.parametrize(
    "path", ["/o/alpha/settings/", "/o/alpha/activity/"], ids=["settings", "activity"]
)
def test_plain_member_gets_403_on_admin_pages(client, alpha, bob, path):
    client.force_login(bob)
    assert client.get(path).status_code == 403


def test_plain_member_gets_403_on_admin_posts(client, alpha, alice, bob):
    alice_pk = _membership(alpha, alice).pk
    invitation, _token = invitation_create(organization=alpha, by=alice, email="x@example.org")
    before = _write_counts()
    client.force_login(bob)

    for path, data in [
        ("/o/alpha/settings/", {"legal_name": "Hijacked", "country": "DE"}),
        (f"/o/alpha/members/{alice_pk}/role/", {"role": "member"}),
        (f"/o/alpha/members/{alice_pk}/remove/", {}),
        (f"/o/alpha/members/{alice_pk}/transfer/", {"confirm": "yes"}),
        (f"/o/alpha/invitations/{invitation.pk}/revoke/", {}),
        ("/o/alpha/activity/pdf/", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert _write_counts() == before
    assert _membership(alpha, alice).role == Role.OWNER


def test_plain_member_cannot_invite(client, alpha, bob):
    client.force_login(bob)
    response = client.post("/o/alpha/members/", {"email": "x@example.org", "role": "member"})
    assert response.status_code == 403
    with scope(organization=alpha):
        assert not Invitation.objects.exists()


@pytest.mark.parametrize("path", ["/o/alpha/", "/o/alpha/members/", "/o/alpha/documents/"])
def test_plain_member_reads_the_workspace(client, alpha, bob, path):
    client.force_login(bob)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/o/alpha/",
        "/o/alpha/settings/",
        "/o/alpha/members/",
        "/o/alpha/activity/",
        "/o/alpha/documents/",
        "/o/",
        "/o/new/",
    ],
)
def test_owner_sees_every_workspace_page(client, alpha, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200
    if path.startswith("/o/alpha/"):
        assert response.context["current_organization"] == alpha


def test_organization_list_shows_only_own_organizations(client, alpha, beta, alice):
    client.force_login(alice)
    response = client.get("/o/")
    assert list(response.context["organizations"]) == [alpha]
    assert b"Beta" not in response.content


# --- forms -------------------------------------------------------------------------------


def test_create_organization_through_the_form(client, alice):
    client.force_login(alice)
    response = client.post(
        "/o/new/", {"legal_name": "Gamma AG", "country": "CH", "website": "https://gamma.example"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/gamma-ag/"
    assert client.get("/o/gamma-ag/").status_code == 200


def test_invalid_organization_form_shows_errors_and_writes_nothing(client, alice):
    client.force_login(alice)
    response = client.post("/o/new/", {"legal_name": "", "country": "ZZ"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"legal_name", "country"}
    assert _write_counts() == (0, 0, 0, 0)


def test_owner_edits_the_organization(client, alpha, alice):
    client.force_login(alice)
    response = client.post(
        "/o/alpha/settings/", {"legal_name": "Alpha SE", "display_name": "Alpha", "country": "DE"}
    )
    assert response.status_code == 302
    alpha.refresh_from_db()
    assert alpha.legal_name == "Alpha SE"
    with scope(organization=alpha):
        entry = ActivityEntry.objects.get(verb="organization.updated")
    assert entry.data == {"before": {"legal_name": "Alpha"}, "after": {"legal_name": "Alpha SE"}}


def test_owner_changes_a_role_through_the_view(client, alpha, alice, bob):
    client.force_login(alice)
    response = client.post(
        f"/o/alpha/members/{_membership(alpha, bob).pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 302
    assert _membership(alpha, bob).role == Role.ADMIN


def test_role_view_does_not_reach_into_another_organization(client, alpha, beta, alice, charlie):
    client.force_login(alice)
    foreign = _membership(beta, charlie).pk
    assert client.post(f"/o/alpha/members/{foreign}/role/", {"role": "member"}).status_code == 404
    assert client.post(f"/o/alpha/members/{foreign}/remove/").status_code == 404
    assert _membership(beta, charlie).role == Role.OWNER


def test_last_owner_leaving_is_refused_with_a_message(client, alpha, alice):
    client.force_login(alice)
    response = client.post("/o/alpha/leave/", follow=True)
    assert response.status_code == 200
    assert "last owner" in response.content.decode()
    assert _membership(alpha, alice).role == Role.OWNER


def test_member_leaves(client, alpha, bob):
    client.force_login(bob)
    response = client.post("/o/alpha/leave/")
    assert response.status_code == 302
    assert client.get("/o/alpha/").status_code == 404


# --- invitations -------------------------------------------------------------------------


def test_invitation_flow_through_the_views(
    client, alpha, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/members/", {"email": "dora@example.org", "role": "admin"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    path = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", message.body).group(1)

    dora = UserFactory(email="dora@example.org")
    client.force_login(dora)
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/o/alpha/"
    assert _membership(alpha, dora).role == Role.ADMIN
    assert client.get("/o/alpha/activity/").status_code == 200
    # the link is single-use
    before = _write_counts()
    assert client.post(path).status_code == 400
    assert _write_counts() == before


def test_accepting_an_invitation_needs_sign_in(client, alpha, alice):
    """A visitor reads the invitation (tests/tenancy/test_invitation_signup.py) but must
    sign up or in to accept it."""
    _invitation, token = invitation_create(organization=alpha, by=alice, email="d@example.org")
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_invitation_for_another_address_is_refused_in_the_view(client, alpha, alice, charlie):
    _invitation, token = invitation_create(organization=alpha, by=alice, email="d@example.org")
    before = _write_counts()
    client.force_login(charlie)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 400
    assert "another e-mail address" in response.content.decode()
    assert _write_counts() == before


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("not-a-real-token", 400),
        ("%00%ff%fe..", 404),  # a NUL in a path names nothing anywhere in the portal
        ("' OR 1=1 --", 400),
        ("x" * 101, 404),
        ("y" * 5000, 404),
    ],
    ids=["wrong", "malformed", "quote", "overlong", "huge"],
)
def test_bad_invitation_token_gives_a_clear_4xx_and_writes_nothing(
    client, alpha, alice, bob, token, status
):
    invitation_create(organization=alpha, by=alice, email=bob.email.replace("bob", "eve"))
    before = _write_counts()
    client.force_login(bob)

    response = client.post(f"/invitations/{token}/")

    assert response.status_code == status
    if "%00" not in token:
        assert "not valid" in response.content.decode()
    assert _write_counts() == before


def test_owner_revokes_an_invitation(client, alpha, alice):
    invitation, _token = invitation_create(organization=alpha, by=alice, email="d@example.org")
    client.force_login(alice)
    assert client.post(f"/o/alpha/invitations/{invitation.pk}/revoke/").status_code == 302
    with scope(organization=alpha):
        invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_open_invitations_name_the_inviter_not_their_address(client, alpha, alice, make_user):
    invitation_create(organization=alpha, by=alice, email="dora-invitee@example.org")
    nameless = make_user(email="nameless-admin@example.org", full_name="")
    MembershipFactory(organization=alpha, user=nameless, role=Role.ADMIN)
    invitation_create(organization=alpha, by=nameless, email="emil-invitee@example.org")
    client.force_login(alice)

    html = client.get("/o/alpha/members/").content.decode()

    invitations = html[
        min(html.index("dora-invitee@example.org"), html.index("emil-invitee@example.org")) :
    ]
    assert "invited by Alice Owner" in invitations
    assert "invited by Anonymous member" in invitations
    assert "invited by alice@example.org" not in invitations
    assert "nameless-admin@example.org" not in invitations


# --- bad input ---------------------------------------------------------------------------


def test_oversized_request_body_is_400_not_500(client, alpha, alice, settings):
    client.force_login(alice)
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        "/o/alpha/members/", {"email": "dora@example.org", "role": "member", "pad": body}
    )
    assert response.status_code == 400
    with scope(organization=alpha):
        assert not Invitation.objects.exists()


def test_too_many_fields_is_400_not_500(client, alpha, alice, settings):
    client.force_login(alice)
    data = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/o/alpha/settings/", data)
    assert response.status_code == 400


def test_invalid_invitation_form_shows_field_errors(client, alpha, alice):
    client.force_login(alice)
    response = client.post("/o/alpha/members/", {"email": "not-an-address", "role": "king"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"email", "role"}
    with scope(organization=alpha):
        assert not Invitation.objects.exists()


# --- query counts ------------------------------------------------------------------------


def _queries_for(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_member_list_query_count_does_not_grow_with_members(
    client, alpha, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    for i in range(3):
        invitation_create(organization=alpha, by=alice, email=f"invitee{i}@example.org")
    few = _queries_for(client, "/o/alpha/members/")

    for _ in range(30):
        MembershipFactory(organization=alpha, role=Role.MEMBER)
    for i in range(10):
        invitation_create(organization=alpha, by=alice, email=f"more{i}@example.org")
    with django_assert_max_num_queries(15):
        response = client.get("/o/alpha/members/")
    assert response.content.count(b"@example.org") >= 32

    assert _queries_for(client, "/o/alpha/members/") == few


def test_organization_activity_query_count_does_not_grow_with_entries(
    client, alpha, alice, bob, django_assert_max_num_queries
):
    client.force_login(alice)
    few = _queries_for(client, "/o/alpha/activity/")

    for i in range(100):
        activity_record(
            actor=bob if i % 2 else alice,
            organization=alpha,
            verb="test.something",
            target=_membership(alpha, bob),
            data={"i": i},
        )
    with django_assert_max_num_queries(15):
        response = client.get("/o/alpha/activity/")
    page = response.context["page"]
    assert page.paginator.count > 100
    assert len(page.object_list) == 50

    assert _queries_for(client, "/o/alpha/activity/") == few
    assert _queries_for(client, "/o/alpha/activity/?page=2") <= few
