"""The office's staff pages (/office/staff/) and the invitation link
(/accounts/staff-invitation/<token>/): outsiders get 404 and visitors the sign-in; every office
member reads; an office administrator acts, and an office member without that role is told
which role it takes (403); the invitee signs up or in, accepts, and sets up TOTP before
anything else."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cpo_portal.accounts.models import Auditor, OfficeRole, StaffInvitation, User
from cpo_portal.accounts.roles import is_auditor, office_roles_of
from cpo_portal.accounts.services.personnel import (
    staff_deactivate,
    staff_invitation_accept,
    staff_invitation_revoke,
    staff_invite,
)
from tests.factories import PASSWORD, UserFactory, make_office

pytestmark = pytest.mark.django_db

A, R, C = OfficeRole.ADMINISTRATOR, OfficeRole.REVIEWER, OfficeRole.CERTIFIER
SIGNUP_FIELDS = {"full_name": "Nina New", "language": "en"}


@pytest.fixture
def admin(office_user):
    return office_user


@pytest.fixture
def reviewer(make_user, activate_totp):
    return activate_totp(make_office(make_user(full_name="Rita Reviewer"), R))


@pytest.fixture
def invited(admin):
    return staff_invite(
        email="nina@example.org",
        full_name="Nina New",
        office_roles=["certifier"],
        as_auditor=False,
        by=admin,
    )


def fresh(user):
    return User.objects.get(pk=user.pk)


def accept_path(token):
    return reverse("accounts:staff_invitation_accept", args=[token])


# --- Who reaches the pages ----------------------------------------------------------------

# (name, needs a person or an invitation, method)
PAGES = [
    ("office_staff", None, "get"),
    ("office_staff_invite", None, "get"),
    ("office_staff_invitations", None, "get"),
    ("office_staff_invitation_resend", "invitation", "post"),
    ("office_staff_invitation_revoke", "invitation", "post"),
    ("office_staff_member", "person", "get"),
    ("office_staff_member_roles", "person", "post"),
    ("office_staff_member_deactivate", "person", "get"),
    ("office_staff_member_reactivate", "person", "get"),
]
ADMINISTRATOR_ONLY = {
    "office_staff_invite",
    "office_staff_invitation_resend",
    "office_staff_invitation_revoke",
    "office_staff_member_roles",
    "office_staff_member_deactivate",
    "office_staff_member_reactivate",
}


@pytest.fixture
def urls(invited, reviewer):
    invitation, _token = invited
    args = {"invitation": [invitation.pk], "person": [reviewer.pk], None: []}
    return {name: reverse(f"accounts:{name}", args=args[needs]) for name, needs, _m in PAGES}


def _ask(client, url, method):
    return client.post(url) if method == "post" else client.get(url)


@pytest.mark.parametrize("name,needs,method", PAGES)
@pytest.mark.parametrize("who", ["bob", "charlie", "auditor_user"])
def test_outsiders_get_404(request, client, urls, name, needs, method, who):
    client.force_login(request.getfixturevalue(who))
    assert _ask(client, urls[name], method).status_code == 404


@pytest.mark.parametrize("name,needs,method", PAGES)
def test_visitors_are_sent_to_sign_in(client, urls, name, needs, method):
    response = _ask(client, urls[name], method)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name,needs,method", PAGES)
def test_an_office_member_without_the_administrator_role(
    client, urls, reviewer, name, needs, method
):
    client.force_login(reviewer)
    response = _ask(client, urls[name], method)
    if name in ADMINISTRATOR_ONLY:
        assert response.status_code == 403
        assert "Office administrator" in response.content.decode()
    else:
        assert response.status_code == 200
    assert not StaffInvitation.objects.filter(revoked_at__isnull=False).exists()
    assert office_roles_of(fresh(reviewer)) == [R]


def test_the_office_start_page_has_a_staff_card(client, admin):
    client.force_login(admin)
    html = client.get(reverse("office_home")).content.decode()
    assert 'id="staff-title"' in html
    assert reverse("accounts:office_staff") in html


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_roles_auditing_body_mfa_and_activity_not_addresses(
    client, admin, reviewer, auditor_user, make_user, bob
):
    nomfa = make_office(make_user(full_name="Nora Nomfa", email="nora@example.org"), C)
    staff_deactivate(person=nomfa, by=admin)
    client.force_login(admin)
    html = client.get(reverse("accounts:office_staff")).content.decode()
    for name in ("Olga Office", "Rita Reviewer", "Arne Auditor", "Nora Nomfa"):
        assert name in html
    assert "Bob Member" not in html  # not staff
    assert "Audit Body" in html  # the auditor's auditing body
    assert "not set up" in html  # Nora has no second factor
    assert "deactivated" in html
    for address in ("nora@example.org", reviewer.email, auditor_user.email):  # names, not addresses
        assert address not in html.split("</header>")[-1]
    assert reverse("accounts:office_staff_invite") in html


def test_the_list_is_searchable_and_paginated(client, admin, reviewer):
    client.force_login(admin)
    page = client.get(reverse("accounts:office_staff"), {"q": "rita"}).context["page"]
    assert [p.full_name for p in page.object_list] == ["Rita Reviewer"]


def test_the_list_takes_a_bounded_number_of_queries(
    client, admin, make_user, django_assert_max_num_queries
):
    client.force_login(admin)
    client.get(reverse("accounts:office_staff"))  # warm up: session, permissions
    make_office(make_user(), R)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("accounts:office_staff"))
    for i in range(25):
        user = make_office(make_user(), C)
        if i % 2:
            Auditor.objects.create(user=user, organisation_name=f"Body {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("accounts:office_staff"))
    assert len(response.context["rows"]) == 27


def test_the_invitations_take_a_bounded_number_of_queries(
    client, admin, make_user, django_assert_max_num_queries
):
    client.force_login(admin)
    client.get(reverse("accounts:office_staff_invitations"))
    staff_invite(
        email="a@example.org", full_name="A", office_roles=["reviewer"], as_auditor=False, by=admin
    )
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("accounts:office_staff_invitations"))
    other = make_office(make_user(full_name="Otto"), A)
    for i in range(15):
        staff_invite(
            email=f"n{i}@example.org", full_name=f"N{i}", office_roles=[], as_auditor=True, by=other
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("accounts:office_staff_invitations"))
    assert len(response.context["rows"]) == 16


def test_the_invitations_show_addresses_and_expiry_and_the_buttons_to_administrators(
    client, admin, reviewer, invited
):
    invitation, _token = invited
    url = reverse("accounts:office_staff_invitations")
    client.force_login(admin)
    html = client.get(url).content.decode()
    assert "nina@example.org" in html and "Nina New" in html and "Certifier" in html
    assert reverse("accounts:office_staff_invitation_revoke", args=[invitation.pk]) in html
    client.force_login(reviewer)
    html = client.get(url).content.decode()
    assert "Nina New" in html
    assert reverse("accounts:office_staff_invitation_revoke", args=[invitation.pk]) not in html
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        client.force_login(admin)
        assert "expired" in client.get(url).content.decode()


# --- Inviting, resending, revoking --------------------------------------------------------


def test_an_administrator_invites(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    data = {
        "email": "nina@example.org",
        "full_name": "Nina New",
        "office_roles": ["reviewer", "certifier"],
        "as_auditor": "on",
        "auditing_body": "Audit GmbH",
        "language": "en",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:office_staff_invite"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:office_staff_invitations")
    invitation = StaffInvitation.objects.get()
    assert (invitation.office_roles, invitation.as_auditor) == (["reviewer", "certifier"], True)
    [message] = mail.outbox
    assert message.to == ["nina@example.org"]


def test_the_invite_form_wants_a_role_or_the_auditor_profile(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:office_staff_invite"),
        {"email": "nina@example.org", "full_name": "Nina", "language": "en"},
    )
    assert response.status_code == 200
    assert "Choose at least one office role" in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_the_invite_form_shows_the_services_refusal(client, admin, reviewer):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:office_staff_invite"),
        {
            "email": reviewer.email,
            "full_name": "Rita",
            "office_roles": ["reviewer"],
            "language": "en",
        },
    )
    assert "already holds" in response.content.decode()


def test_resend_and_revoke(client, admin, invited):
    invitation, _token = invited
    client.force_login(admin)
    response = client.post(reverse("accounts:office_staff_invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    new = StaffInvitation.objects.get(revoked_at__isnull=True)
    assert new.pk != invitation.pk
    client.post(reverse("accounts:office_staff_invitation_revoke", args=[new.pk]))
    assert not StaffInvitation.objects.filter(revoked_at__isnull=True).exists()
    # Revoked already: said, not an error page.
    response = client.post(
        reverse("accounts:office_staff_invitation_revoke", args=[new.pk]), follow=True
    )
    assert "no longer open" in response.content.decode()


# --- One member: roles, deactivation, reactivation ----------------------------------------


def test_the_member_page_shows_the_role_checkboxes_to_administrators_only(client, admin, reviewer):
    url = reverse("accounts:office_staff_member", args=[reviewer.pk])
    client.force_login(admin)
    html = client.get(url).content.decode()
    assert 'name="office_roles"' in html
    assert reviewer.email in html
    client.force_login(reviewer)
    html = client.get(url).content.decode()
    assert 'name="office_roles"' not in html
    assert reverse("accounts:office_staff_member_deactivate", args=[reviewer.pk]) not in html


def test_an_administrator_changes_roles(client, admin, reviewer):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:office_staff_member_roles", args=[reviewer.pk]),
        {"office_roles": ["reviewer", "certifier"]},
    )
    assert response["Location"] == reverse("accounts:office_staff_member", args=[reviewer.pk])
    assert office_roles_of(fresh(reviewer)) == [R, C]
    html = client.get(response["Location"]).content.decode()
    assert "Rita Reviewer now holds: Reviewer, Certifier." in html
    # The staff record reads the change in words.
    assert "Changed the office roles of Rita Reviewer" in html
    assert "(Reviewer, Certifier)" in html


def test_removing_every_role_goes_back_to_the_list(client, admin, reviewer):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:office_staff_member_roles", args=[reviewer.pk]), {"office_roles": []}
    )
    assert response["Location"] == reverse("accounts:office_staff")
    assert (
        client.get(reverse("accounts:office_staff_member", args=[reviewer.pk])).status_code == 404
    )


def test_the_last_administrator_is_told_on_the_form(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:office_staff_member_roles", args=[admin.pk]),
        {"office_roles": ["reviewer"]},
    )
    assert response.status_code == 200
    assert "The office must keep an active administrator" in response.content.decode()
    assert A in office_roles_of(fresh(admin))


def test_deactivation_is_confirmed_then_signs_the_person_out(client, admin, reviewer, settings):
    theirs = type(client)()
    theirs.force_login(reviewer)
    assert theirs.get(reverse("accounts:office_staff")).status_code == 200
    url = reverse("accounts:office_staff_member_deactivate", args=[reviewer.pk])
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "signed out everywhere" in page
    assert 'method="post"' in page
    assert fresh(reviewer).is_active  # the page alone changes nothing

    response = client.post(url)

    assert response.status_code == 302
    assert not fresh(reviewer).is_active
    assert theirs.get(reverse("accounts:office_staff")).status_code == 302  # signed out


def test_nobody_is_offered_to_deactivate_themselves(client, admin, make_user):
    make_office(make_user(), A)
    client.force_login(admin)
    page = client.get(reverse("accounts:office_staff_member_deactivate", args=[admin.pk]))
    html = page.content.decode()
    assert "You cannot deactivate your own account" in html
    assert "Deactivate the account</button>" not in html
    client.post(reverse("accounts:office_staff_member_deactivate", args=[admin.pk]))
    assert fresh(admin).is_active


def test_an_auditor_with_an_open_audit_is_not_deactivated(
    client, admin, catalogue, alpha, auditor_user
):
    from tests.certification.factories import ApplicationFactory, AuditorFactory

    lead = AuditorFactory(user=auditor_user, qualified=True)
    application = ApplicationFactory(organization=alpha, office=admin, lead=lead, assigned=True)
    client.force_login(admin)
    url = reverse("accounts:office_staff_member_deactivate", args=[auditor_user.pk])
    html = client.get(url).content.decode()
    assert f"application #{application.pk} (Alpha)" in html
    client.post(url)
    assert fresh(auditor_user).is_active


def test_reactivation_is_confirmed(client, admin, reviewer):
    staff_deactivate(person=reviewer, by=admin)
    url = reverse("accounts:office_staff_member_reactivate", args=[reviewer.pk])
    client.force_login(admin)
    assert "Reactivate the account</button>" in client.get(url).content.decode()
    client.post(url)
    assert fresh(reviewer).is_active
    assert "This account is active." in client.get(url).content.decode()


# --- The invitation link ------------------------------------------------------------------


def links(html, path):
    return [h.replace("&amp;", "&") for h in re.findall(rf'href="({re.escape(path)}[^"]*)"', html)]


def test_a_visitor_is_told_what_to_do(client, invited, admin):
    _invitation, token = invited
    response = client.get(accept_path(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Olga Office" in html and "Certifier" in html
    assert "nina@example.org" not in html and admin.email not in html
    back = f"next=%2Faccounts%2Fstaff-invitation%2F{token}%2F"
    assert any(back in link for link in links(html, "/accounts/signup/"))
    assert any(back in link for link in links(html, "/accounts/login/"))


def test_a_visitor_cannot_accept_without_signing_in(client, invited):
    _invitation, token = invited
    response = client.post(accept_path(token))
    assert response["Location"].startswith(reverse("account_login"))
    assert not StaffInvitation.objects.filter(accepted_at__isnull=False).exists()


def test_the_invitee_accepts_and_is_sent_to_set_up_totp(client, invited):
    _invitation, token = invited
    nina = UserFactory(email="nina@example.org", full_name="Nina New")
    client.force_login(nina)
    html = client.get(accept_path(token)).content.decode()
    assert f'action="{accept_path(token)}"' in html

    response = client.post(accept_path(token))

    assert response["Location"] == reverse("mfa_activate_totp")
    assert office_roles_of(fresh(nina)) == [C]
    # Before anything else: every office page sends the new certifier to TOTP first.
    for path in (reverse("office_home"), reverse("accounts:office_staff"), reverse("dashboard")):
        assert client.get(path)["Location"] == reverse("mfa_activate_totp")
    from tests.conftest import _activate_totp

    _activate_totp(nina)
    assert client.get(reverse("office_home")).status_code == 200


def test_an_invited_auditor_sets_up_totp_before_the_audits(client, admin):
    _invitation, token = staff_invite(
        email="abe@example.org", full_name="Abe", office_roles=[], as_auditor=True, by=admin
    )
    abe = UserFactory(email="abe@example.org", full_name="Abe")
    client.force_login(abe)
    assert client.post(accept_path(token))["Location"] == reverse("mfa_activate_totp")
    assert is_auditor(fresh(abe))
    assert client.get("/audit/")["Location"] == reverse("mfa_activate_totp")


def test_someone_else_is_told_and_granted_nothing(client, invited, bob):
    _invitation, token = invited
    client.force_login(bob)
    html = client.get(accept_path(token)).content.decode()
    assert "This invitation was sent to another address" in html
    assert f'action="{accept_path(token)}"' not in html
    assert "nina@example.org" not in html
    response = client.post(accept_path(token))
    assert response.status_code == 400
    assert "another e-mail address" in response.content.decode()
    assert office_roles_of(fresh(bob)) == []


@pytest.mark.parametrize("spoil", ["unknown", "revoked", "used", "expired"])
def test_a_dead_invitation_is_refused_clearly(client, invited, admin, spoil):
    invitation, token = invited
    nina = UserFactory(email="nina@example.org", full_name="Nina New")
    expected = {
        "unknown": "not valid",
        "revoked": "not valid",
        "used": "already been used",
        "expired": "expired",
    }[spoil]
    if spoil == "unknown":
        token = "no-such-token"
    elif spoil == "revoked":
        staff_invitation_revoke(invitation=invitation, by=admin)
    elif spoil == "used":
        staff_invitation_accept(token=token, user=nina)
    travel = timezone.now() + timedelta(days=15 if spoil == "expired" else 0)
    with time_machine.travel(travel):
        response = client.get(accept_path(token))
        assert response.status_code == 404
        assert expected in response.content.decode()
        assert "Certifier" not in response.content.decode()
        other = UserFactory(email="other@example.org")
        client.force_login(other)
        assert client.post(accept_path(token)).status_code == 400
    assert office_roles_of(fresh(other)) == []


def test_sign_up_confirm_and_accept_then_totp(client, invited, django_capture_on_commit_callbacks):
    """The whole way of a person without an account: the link, sign-up, the confirmation
    mail, back on the invitation, accept, TOTP."""
    _invitation, token = invited
    html = client.get(accept_path(token)).content.decode()
    signup = next(link for link in links(html, "/accounts/signup/") if "next=" in link)
    form = client.get(signup).content.decode()
    next_value = re.search(r'name="next" value="([^"]+)"', form).group(1)
    data = {"email": "nina@example.org", "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(signup, data | SIGNUP_FIELDS | {"next": next_value})
    assert response.status_code == 302
    confirm = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0)
    response = client.post(confirm)
    assert response["Location"] == accept_path(token)
    response = client.post(accept_path(token))
    assert response["Location"] == reverse("mfa_activate_totp")
    nina = User.objects.get(email="nina@example.org")
    assert office_roles_of(nina) == [C]
    assert not Authenticator.objects.filter(user=nina).exists()
    assert client.get(reverse("office_home"))["Location"] == reverse("mfa_activate_totp")


def test_signing_in_later_leads_back_to_the_invitation(client, invited):
    _invitation, token = invited
    client.get(accept_path(token))
    nina = UserFactory(email="nina@example.org", full_name="Nina New")
    response = client.post(reverse("account_login"), {"login": nina.email, "password": PASSWORD})
    assert response["Location"] == accept_path(token)
    client.post(accept_path(token))
    client.logout()
    # Accepted: the next sign-in goes where an office member's always goes.
    response = client.post(reverse("account_login"), {"login": nina.email, "password": PASSWORD})
    assert response["Location"] in {reverse("dashboard"), reverse("office_home")}
