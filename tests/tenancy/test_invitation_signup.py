"""An invitee without an account keeps the invitation through sign-up, e-mail confirmation
and sign-in; the invitation page names the organization and who invited (by name, never by
e-mail address)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from cpo_portal.tenancy.models import Membership
from cpo_portal.tenancy.services import invitation_accept, invitation_create, invitation_revoke
from tests.factories import PASSWORD, UserFactory

SIGNUP_FIELDS = {"full_name": "Dora Invitee", "language": "en"}


def invitation_path(token):
    return reverse("tenancy:invitation_accept", args=[token])


@pytest.fixture
def invited(alpha, alice):
    invitation, token = invitation_create(organization=alpha, by=alice, email="dora@example.org")
    return invitation, token


def is_member(organization, email):
    with scope(organization=organization):
        return Membership.objects.filter(organization=organization, user__email=email).exists()


def links(html, path):
    return [h.replace("&amp;", "&") for h in re.findall(rf'href="({re.escape(path)}[^"]*)"', html)]


# --- the invitation page -------------------------------------------------------------------


def test_a_visitor_sees_the_organization_and_who_invited(client, invited, alice):
    _invitation, token = invited
    response = client.get(invitation_path(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha" in html
    assert "Alice Owner" in html
    assert alice.email not in html
    assert "dora@example.org" not in html
    # Sign up and sign in both come back to the invitation.
    back = f"next=%2Finvitations%2F{token}%2F"
    assert any(back in link for link in links(html, "/accounts/signup/"))
    assert any(back in link for link in links(html, "/accounts/login/"))


def test_an_inviter_without_a_name_is_not_shown_by_address(client, alpha, make_user):
    nameless = make_user(email="nameless-admin@example.org", full_name="")
    from cpo_portal.tenancy.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory(organization=alpha, user=nameless, role=Role.ADMIN)
    _invitation, token = invitation_create(organization=alpha, by=nameless, email="d@example.org")
    html = client.get(invitation_path(token)).content.decode()
    assert "Alpha" in html
    assert "nameless-admin@example.org" not in html


def test_a_signed_in_invitee_sees_the_organization(client, invited):
    _invitation, token = invited
    dora = UserFactory(email="dora@example.org", full_name="Dora")
    client.force_login(dora)
    html = client.get(invitation_path(token)).content.decode()
    assert "Alpha" in html and "Alice Owner" in html
    assert 'method="post"' in html


ANOTHER_ADDRESS_NOTICE = "This invitation was sent to another address."


def test_a_signed_in_user_of_another_address_is_told_so_and_offered_no_button(client, invited, bob):
    """Not after a click: the page says at once that the invitation is for someone else —
    without showing whom."""
    _invitation, token = invited
    client.force_login(bob)
    html = client.get(invitation_path(token)).content.decode()
    assert ANOTHER_ADDRESS_NOTICE in html
    assert "Sign out and sign in with the invited address, or ask for a new invitation." in html
    assert "Accept and join" not in html
    assert f'action="{invitation_path(token)}"' not in html
    assert "dora@example.org" not in html
    assert "bob@example.org" in html  # whom they are signed in as


def test_an_unconfirmed_second_address_does_not_count(client, invited):
    _invitation, token = invited
    eve = UserFactory(email="eve@example.org", full_name="Eve")
    EmailAddress.objects.create(user=eve, email="dora@example.org", verified=False)
    client.force_login(eve)
    html = client.get(invitation_path(token)).content.decode()
    assert ANOTHER_ADDRESS_NOTICE in html
    assert "Accept and join" not in html


def test_a_confirmed_second_address_may_accept(client, invited, alpha):
    _invitation, token = invited
    dora = UserFactory(email="dora.private@example.org", full_name="Dora")
    EmailAddress.objects.create(user=dora, email="dora@example.org", verified=True)
    client.force_login(dora)
    html = client.get(invitation_path(token)).content.decode()
    assert ANOTHER_ADDRESS_NOTICE not in html
    assert "Accept and join" in html
    response = client.post(invitation_path(token))
    assert response.status_code == 302
    assert is_member(alpha, "dora.private@example.org")


def test_the_invitee_sees_the_button_and_no_notice(client, invited):
    _invitation, token = invited
    client.force_login(UserFactory(email="Dora@Example.org", full_name="Dora"))
    html = client.get(invitation_path(token)).content.decode()
    assert "Accept and join" in html
    assert ANOTHER_ADDRESS_NOTICE not in html


@pytest.mark.parametrize("spoil", ["unknown", "revoked", "used"])
def test_a_dead_invitation_says_so_to_a_visitor(client, invited, alice, spoil):
    invitation, token = invited
    if spoil == "unknown":
        token = "no-such-token"
    elif spoil == "revoked":
        invitation_revoke(invitation=invitation, by=alice)
    else:
        invitation_accept(token=token, user=UserFactory(email="dora@example.org"))
    response = client.get(invitation_path(token))
    assert response.status_code == 404
    assert "Alpha" not in response.content.decode()


def test_a_visitor_cannot_accept_without_signing_in(client, invited, alpha):
    _invitation, token = invited
    response = client.post(invitation_path(token))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_member(alpha, "dora@example.org")


def test_the_sign_in_page_keeps_next_on_its_sign_up_link(client):
    """The header's own sign-in/sign-up links once overwrote allauth's: `next` was lost."""
    html = client.get(reverse("account_login") + "?next=/invitations/abc/").content.decode()
    assert any("next=%2Finvitations%2Fabc%2F" in link for link in links(html, "/accounts/signup/"))
    html = client.get(reverse("account_signup") + "?next=/invitations/abc/").content.decode()
    assert any("next=%2Finvitations%2Fabc%2F" in link for link in links(html, "/accounts/login/"))


# --- through sign-up and e-mail confirmation ------------------------------------------------


def _sign_up(client, html, email="dora@example.org"):
    signup = next(link for link in links(html, "/accounts/signup/") if "next=" in link)
    form = client.get(signup).content.decode()
    next_value = re.search(r'name="next" value="([^"]+)"', form).group(1)
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "next": next_value}
    response = client.post(signup, data | SIGNUP_FIELDS)
    assert response.status_code == 302, response.content.decode()[:2000]
    body = mail.outbox[-1].body
    return re.search(r"/accounts/confirm-email/[^/\s]+/", body).group(0)


def test_sign_up_and_confirm_land_on_the_invitation(
    client, invited, alpha, django_capture_on_commit_callbacks
):
    _invitation, token = invited
    html = client.get(invitation_path(token)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirm = _sign_up(client, html)
    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"] == invitation_path(token)
    page = client.get(response["Location"])
    assert "Alpha" in page.content.decode()
    accepted = client.post(invitation_path(token))
    assert accepted["Location"] == reverse("tenancy:home", args=[alpha.slug])
    assert is_member(alpha, "dora@example.org")


def test_signing_in_later_without_next_still_leads_to_the_invitation(
    client, invited, alpha, django_capture_on_commit_callbacks
):
    """Confirmed elsewhere (another tab, later): the invitation opened in this browser is
    remembered, and signing in from the header's link brings the invitee back to it."""
    _invitation, token = invited
    client.get(invitation_path(token))
    dora = UserFactory(email="dora@example.org", full_name="Dora")  # password, address verified
    response = client.post(reverse("account_login"), {"login": dora.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == invitation_path(token)
    client.post(invitation_path(token))
    assert is_member(alpha, "dora@example.org")
    # Accepted: the next sign-in goes to the dashboard as usual.
    client.logout()
    response = client.post(reverse("account_login"), {"login": dora.email, "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")


def test_an_explicit_next_is_kept(client, invited, alpha):
    _invitation, token = invited
    client.get(invitation_path(token))
    dora = UserFactory(email="dora@example.org", full_name="Dora")  # password, address verified
    response = client.post(
        reverse("account_login"), {"login": dora.email, "password": PASSWORD, "next": "/signees/"}
    )
    assert response["Location"] == "/signees/"


def test_the_dashboard_names_open_invitations_of_a_confirmed_address(client, invited, alice):
    """Confirmed in another browser, where this one's memory does not reach: the dashboard
    still tells the invitee where to go."""
    dora = UserFactory(email="dora@example.org", full_name="Dora")  # address verified
    client.force_login(dora)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Alpha" in html
    assert "Alice Owner" in html
    assert alice.email not in html
    # Not for an unconfirmed address, and not once accepted.
    other = UserFactory(email="zed@example.org", full_name="Zed", verified_email=False)
    EmailAddress.objects.create(user=other, email=other.email, verified=False, primary=True)
    invitation_create(organization=invited[0].organization, by=alice, email="zed@example.org")
    client.force_login(other)
    assert "Alice Owner" not in client.get(reverse("dashboard")).content.decode()
    invitation_accept(token=invited[1], user=dora)
    client.force_login(dora)
    assert "Alice Owner" not in client.get(reverse("dashboard")).content.decode()


def test_the_invitation_email_names_the_inviter_not_their_address(
    alpha, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organization=alpha, by=alice, email="dora@example.org")
    [message] = [m for m in mail.outbox if m.to == ["dora@example.org"]]
    assert "Alice Owner" in message.body
    assert alice.email not in message.body
