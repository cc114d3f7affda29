"""The office's staff and auditors, managed by its administrators (cpo_portal/accounts/
services/personnel.py): invitations by e-mail (expiring, single-use, capped), office roles,
deactivation and reactivation; the office always keeps an active administrator; every change
in the activity log."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from cpo_portal.accounts import extensions
from cpo_portal.accounts.models import (
    OFFICE_ROLE_GROUPS,
    Auditor,
    OfficeRole,
    StaffInvitation,
    User,
)
from cpo_portal.accounts.roles import has_office_role, is_auditor, is_office, office_roles_of
from cpo_portal.accounts.selectors.personnel import deactivation_blockers, roles_held
from cpo_portal.accounts.services import personnel
from cpo_portal.accounts.services.people import person_erase
from cpo_portal.accounts.services.personnel import (
    auditor_create,
    staff_deactivate,
    staff_invitation_accept,
    staff_invitation_resend,
    staff_invitation_revoke,
    staff_invite,
    staff_reactivate,
    staff_roles_change,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from cpo_portal.guards import require_office_role
from tests.factories import UserFactory, make_office

pytestmark = pytest.mark.django_db

A, R, C = OfficeRole.ADMINISTRATOR, OfficeRole.REVIEWER, OfficeRole.CERTIFIER


@pytest.fixture
def admin(office_user):
    """An office administrator (the root office user holds all three roles)."""
    return office_user


@pytest.fixture
def reviewer(make_user, activate_totp):
    return activate_totp(make_office(make_user(full_name="Rita Reviewer"), R))


@pytest.fixture
def certifier(make_user, activate_totp):
    return activate_totp(make_office(make_user(full_name="Cora Certifier"), C))


def fresh(user):
    return User.objects.get(pk=user.pk)


def entries(verb):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(verb=verb).order_by("pk"))


def invite(by, email="nina@example.org", roles=(C,), auditor=False, **extra):
    return staff_invite(
        email=email,
        full_name=extra.pop("full_name", "Nina New"),
        office_roles=[str(r) for r in roles],
        as_auditor=auditor,
        by=by,
        **extra,
    )


# --- The guard ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(OfficeRole))
def test_require_office_role_names_the_role_it_asks_for(reviewer, role):
    if role == R:
        require_office_role(reviewer, role)
        return
    with pytest.raises(DomainError, match=str(OfficeRole(role).label)) as refused:
        require_office_role(reviewer, role)
    assert refused.value.code == "office_role"


def test_require_office_role_refuses_the_system_and_outsiders(bob):
    for who in (None, bob):
        with pytest.raises(DomainError):
            require_office_role(who, A)


def test_an_inactive_role_holder_holds_no_role(admin):
    admin.is_active = False
    with pytest.raises(DomainError):
        require_office_role(admin, A)


# --- Inviting -----------------------------------------------------------------------------


def test_an_invitation_is_stored_as_a_hash_mailed_and_logged(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(admin, email=" Nina@Example.org ", roles=(R, C))

    assert invitation.email == "nina@example.org"
    assert invitation.office_roles == ["reviewer", "certifier"]
    assert token not in invitation.token_hash
    assert invitation.expires_at - timezone.now() > timedelta(days=13, hours=23)
    [message] = mail.outbox
    assert message.to == ["nina@example.org"]
    assert f"/accounts/staff-invitation/{token}/" in message.body
    assert "Reviewer" in message.body and "Certifier" in message.body
    assert "Olga Office" in message.body  # the inviter by name
    assert admin.email not in message.body
    assert "two-factor" in message.body
    [logged] = entries("staff.invited")
    assert logged.actor == admin
    assert logged.data == {"roles": ["reviewer", "certifier"], "auditor": False}
    assert "nina@example.org" not in str(logged.data) + logged.target_repr


def test_an_auditor_invitation_says_so(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = invite(admin, roles=(), auditor=True, auditing_body="Audit GmbH")
    assert invitation.office_roles == []
    assert invitation.auditing_body == "Audit GmbH"
    [message] = mail.outbox
    assert "auditor" in message.subject
    assert "Audit GmbH" in message.body


def test_the_mail_to_an_unknown_address_is_in_the_language_chosen(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, language="de")
    assert "Wenn Sie diese Einladung nicht erwartet haben" in mail.outbox[0].body


def test_a_known_person_reads_the_invitation_in_their_own_language(
    admin, make_user, django_capture_on_commit_callbacks
):
    make_user(email="nina@example.org", language="de")
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, language="en")
    assert "Wenn Sie diese Einladung nicht erwartet haben" in mail.outbox[0].body


def test_an_invitation_gives_a_role_or_the_auditor_profile(admin):
    with pytest.raises(DomainError, match="at least one office role"):
        invite(admin, roles=())
    with pytest.raises(DomainError, match="Unknown office role"):
        staff_invite(
            email="x@example.org",
            full_name="X",
            office_roles=["superhero"],
            as_auditor=False,
            by=admin,
        )
    assert not StaffInvitation.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "certifier", "bob", "auditor_user"])
def test_only_an_office_administrator_invites(request, who):
    with pytest.raises(DomainError):
        invite(request.getfixturevalue(who))
    assert not StaffInvitation.objects.exists()
    assert not entries("staff.invited")


def test_a_new_invitation_replaces_the_open_one_to_the_same_address(admin):
    first, old_token = invite(admin)
    second, token = invite(admin, email="NINA@example.org")
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    nina = UserFactory(email="nina@example.org")
    with pytest.raises(DomainError, match="not valid"):
        staff_invitation_accept(token=old_token, user=nina)
    staff_invitation_accept(token=token, user=nina)
    assert office_roles_of(fresh(nina)) == [C]


def test_a_person_who_holds_everything_asked_for_is_not_invited(admin, reviewer):
    with pytest.raises(DomainError, match="already holds"):
        invite(admin, email=reviewer.email, roles=(R,))
    # Something new (the auditor profile, another role) may be offered.
    invite(admin, email=reviewer.email, roles=(R,), auditor=True)
    invite(admin, email=reviewer.email, roles=(C,))


def test_a_deactivated_account_is_reactivated_not_invited(admin, reviewer):
    staff_deactivate(person=reviewer, by=admin)
    with pytest.raises(DomainError, match="deactivated"):
        invite(admin, email=reviewer.email, roles=(C,))


def test_an_administrator_sends_a_bounded_number_of_invitations_a_day(admin, monkeypatch):
    monkeypatch.setattr(personnel, "STAFF_INVITATIONS_PER_DAY", 2)
    invite(admin, email="one@example.org")
    invite(admin, email="two@example.org")
    with pytest.raises(DomainError, match="in the last 24 hours") as refused:
        invite(admin, email="three@example.org")
    assert refused.value.code == "rate_limited"
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        invite(admin, email="three@example.org")


def test_one_address_is_invited_a_bounded_number_of_times_a_day(admin, make_user):
    other_admin = make_office(make_user(), A)
    for by in (admin, other_admin, admin):
        invite(by)
    with pytest.raises(DomainError, match="This address has been invited 3 times"):
        invite(other_admin)


# --- Accepting ----------------------------------------------------------------------------


def test_accepting_grants_the_roles_and_the_auditor_profile(admin):
    invitation, token = invite(admin, roles=(R, C), auditor=True, auditing_body="Audit GmbH")
    nina = UserFactory(email="nina@example.org", full_name="Nina New")

    staff_invitation_accept(token=token, user=nina)

    nina = fresh(nina)
    assert office_roles_of(nina) == [R, C]
    assert is_office(nina) and is_auditor(nina)
    assert nina.auditor.organisation_name == "Audit GmbH"
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina and invitation.accepted_at is not None
    [accepted] = entries("staff.invitation_accepted")
    assert accepted.actor == nina
    assert accepted.target_repr == "Nina New"
    assert accepted.data["roles"] == ["reviewer", "certifier"]
    [created] = entries("auditor.created")
    assert created.actor == admin  # the profile comes from the administrator's invitation


def test_an_invitation_is_used_once(admin):
    _invitation, token = invite(admin)
    nina = UserFactory(email="nina@example.org")
    staff_invitation_accept(token=token, user=nina)
    with pytest.raises(DomainError, match="already been used"):
        staff_invitation_accept(token=token, user=nina)


def test_an_invitation_expires_after_14_days(admin):
    _invitation, token = invite(admin)
    nina = UserFactory(email="nina@example.org")
    with (
        time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)),
        pytest.raises(DomainError, match="expired"),
    ):
        staff_invitation_accept(token=token, user=nina)
    assert office_roles_of(fresh(nina)) == []


def test_a_revoked_invitation_grants_nothing(admin):
    invitation, token = invite(admin)
    staff_invitation_revoke(invitation=invitation, by=admin)
    nina = UserFactory(email="nina@example.org")
    with pytest.raises(DomainError, match="not valid"):
        staff_invitation_accept(token=token, user=nina)
    assert office_roles_of(fresh(nina)) == []


def test_another_address_grants_nothing(admin, bob):
    _invitation, token = invite(admin)
    with pytest.raises(DomainError, match="another e-mail address"):
        staff_invitation_accept(token=token, user=bob)
    assert office_roles_of(fresh(bob)) == [] and not is_auditor(fresh(bob))


def test_an_unconfirmed_address_grants_nothing(admin):
    _invitation, token = invite(admin)
    nina = UserFactory(email="nina@example.org", verified_email=False)
    EmailAddress.objects.create(user=nina, email=nina.email, verified=False, primary=True)
    with pytest.raises(DomainError, match="another e-mail address"):
        staff_invitation_accept(token=token, user=nina)
    assert office_roles_of(fresh(nina)) == []


def test_a_confirmed_second_address_may_accept(admin):
    _invitation, token = invite(admin)
    nina = UserFactory(email="nina.private@example.org")
    EmailAddress.objects.create(user=nina, email="nina@example.org", verified=True)
    staff_invitation_accept(token=token, user=nina)
    assert office_roles_of(fresh(nina)) == [C]


def test_accepting_activates_a_deactivated_auditor_profile(admin, auditor_user):
    Auditor.objects.filter(user=auditor_user).update(is_active=False)
    _invitation, token = invite(admin, email=auditor_user.email, roles=(), auditor=True)
    staff_invitation_accept(token=token, user=fresh(auditor_user))
    assert Auditor.objects.get(user=auditor_user).is_active


def test_auditor_create_logs_no_address(admin, bob):
    auditor = auditor_create(user=bob, by=admin, organisation_name="Body")
    assert auditor.organisation_name == "Body"
    [created] = entries("auditor.created")
    assert bob.email not in str(created.data)


# --- Resending and revoking ---------------------------------------------------------------


def test_resending_makes_a_new_link_and_ends_the_old(admin, django_capture_on_commit_callbacks):
    invitation, old_token = invite(admin)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        with django_capture_on_commit_callbacks(execute=True):
            new, token = staff_invitation_resend(invitation=invitation, by=admin)
        assert new.expires_at > timezone.now() + timedelta(days=13)
    assert token != old_token
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert (new.email, new.office_roles, new.full_name) == (
        "nina@example.org",
        ["certifier"],
        "Nina New",
    )
    assert f"/accounts/staff-invitation/{token}/" in mail.outbox[-1].body
    [resent] = entries("staff.invitation_resent")
    assert resent.data["replaces"] == invitation.pk
    nina = UserFactory(email="nina@example.org")
    with pytest.raises(DomainError):
        staff_invitation_accept(token=old_token, user=nina)
    staff_invitation_accept(token=token, user=nina)


def test_revoking_is_logged_and_happens_once(admin):
    invitation, _token = invite(admin)
    staff_invitation_revoke(invitation=invitation, by=admin)
    [revoked] = entries("staff.invitation_revoked")
    assert revoked.actor == admin
    with pytest.raises(DomainError, match="no longer open"):
        staff_invitation_revoke(invitation=invitation, by=admin)
    with pytest.raises(DomainError, match="no longer open"):
        staff_invitation_resend(invitation=invitation, by=admin)


def test_only_an_administrator_resends_or_revokes(admin, reviewer):
    invitation, _token = invite(admin)
    with pytest.raises(DomainError):
        staff_invitation_revoke(invitation=invitation, by=reviewer)
    with pytest.raises(DomainError):
        staff_invitation_resend(invitation=invitation, by=reviewer)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Roles --------------------------------------------------------------------------------


def test_roles_change_and_are_logged_before_and_after(admin, reviewer):
    roles = staff_roles_change(person=reviewer, office_roles=["certifier", "reviewer"], by=admin)
    assert roles == [R, C]
    assert office_roles_of(fresh(reviewer)) == [R, C]
    [changed] = entries("staff.roles_changed")
    assert changed.data == {"before": ["reviewer"], "after": ["reviewer", "certifier"]}
    assert changed.target_repr == "Rita Reviewer"
    # The same roles again: nothing to log.
    staff_roles_change(person=reviewer, office_roles=["reviewer", "certifier"], by=admin)
    assert len(entries("staff.roles_changed")) == 1


def test_removing_every_role_leaves_the_office(admin, reviewer):
    assert staff_roles_change(person=reviewer, office_roles=[], by=admin) == []
    assert not is_office(fresh(reviewer))


@pytest.mark.parametrize("who", ["reviewer", "certifier", "bob"])
def test_only_an_administrator_changes_roles(request, who, admin):
    by = request.getfixturevalue(who)
    with pytest.raises(DomainError):
        staff_roles_change(person=by, office_roles=["administrator"], by=by)
    assert not has_office_role(fresh(by), A)


def test_the_last_administrator_keeps_the_role(admin):
    with pytest.raises(DomainError, match="active administrator") as refused:
        staff_roles_change(person=admin, office_roles=["reviewer"], by=admin)
    assert refused.value.code == "last_administrator"
    assert has_office_role(fresh(admin), A)


def test_an_administrator_steps_down_when_another_is_active(admin, make_user):
    other = make_office(make_user(), A)
    staff_roles_change(person=admin, office_roles=["reviewer"], by=admin)
    assert office_roles_of(fresh(admin)) == [R]
    # The other one is the last now; a deactivated administrator does not count.
    staff_deactivate(person=admin, by=other)
    with pytest.raises(DomainError, match="active administrator"):
        staff_roles_change(person=other, office_roles=[], by=other)


def test_two_administrators_removing_each_other_leave_one(admin, make_user):
    """The second change runs after the first (the administrators' rows are locked): it asks
    the database, not its stale copy, whether its author is still an administrator."""
    other = make_office(make_user(full_name="Otto Other"), A)
    assert has_office_role(other, A)  # permissions cached on this instance, as in a request
    staff_roles_change(person=other, office_roles=["reviewer"], by=admin)
    with pytest.raises(DomainError, match="Office administrator"):
        staff_roles_change(person=admin, office_roles=["reviewer"], by=other)
    assert office_roles_of(fresh(admin)) == [A, R, C]


def test_roles_change_locks_the_administrators_rows(admin, reviewer, monkeypatch):
    locked = []
    monkeypatch.setattr(
        personnel,
        "office_administrators_lock",
        lambda *, also=(): locked.append({u.pk for u in also}),
    )
    staff_roles_change(person=reviewer, office_roles=["certifier"], by=admin)
    assert locked == [{reviewer.pk, admin.pk}]


def test_an_erased_person_gets_no_roles(admin, make_user):
    person = make_user()
    person_erase(person=person, by=admin)
    with pytest.raises(DomainError, match="erased"):
        staff_roles_change(person=fresh(person), office_roles=["reviewer"], by=admin)


def test_roles_held_reads_the_groups_of_a_deactivated_person(admin, reviewer):
    staff_deactivate(person=reviewer, by=admin)
    assert roles_held(fresh(reviewer)) == [R]
    assert office_roles_of(fresh(reviewer)) == []  # but they give nothing while deactivated


# --- Deactivation and reactivation --------------------------------------------------------


def _session_of(user):
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    return session.session_key


def test_deactivation_ends_sessions_and_the_api_token(admin, reviewer):
    key = _session_of(reviewer)
    Token.objects.create(user=reviewer)

    counts = staff_deactivate(person=reviewer, by=admin)

    assert counts == {"sessions": 1, "api_token": 1}
    assert not fresh(reviewer).is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert not Token.objects.filter(user=reviewer).exists()
    [deactivated] = entries("staff.deactivated")
    assert (deactivated.actor, deactivated.target_repr) == (admin, "Rita Reviewer")
    # Roles stay for a reactivation.
    assert fresh(reviewer).groups.filter(name=OFFICE_ROLE_GROUPS[R]).exists()


def test_reactivation_restores_the_roles(admin, reviewer):
    staff_deactivate(person=reviewer, by=admin)
    staff_reactivate(person=reviewer, by=admin)
    assert fresh(reviewer).is_active
    assert office_roles_of(fresh(reviewer)) == [R]
    [reactivated] = entries("staff.reactivated")
    assert reactivated.data == {"roles": ["reviewer"]}
    with pytest.raises(DomainError, match="active"):
        staff_reactivate(person=reviewer, by=admin)


def test_nobody_deactivates_themselves(admin, make_user):
    make_office(make_user(), A)
    with pytest.raises(DomainError, match="your own account"):
        staff_deactivate(person=admin, by=admin)
    assert fresh(admin).is_active


def test_the_last_active_administrator_is_not_deactivated(admin, make_user):
    other = make_office(make_user(), A)
    staff_deactivate(person=other, by=admin)
    staff_reactivate(person=other, by=admin)
    staff_roles_change(person=other, office_roles=["reviewer"], by=admin)
    # The other one cannot deactivate the last administrator (and is no administrator now).
    reasons = deactivation_blockers(person=admin, by=fresh(other))
    assert any("last active office administrator" in str(r) for r in reasons)


@pytest.mark.parametrize("who", ["reviewer", "certifier"])
def test_only_an_administrator_deactivates(request, who, admin, bob):
    with pytest.raises(DomainError):
        staff_deactivate(person=bob, by=request.getfixturevalue(who))
    assert fresh(bob).is_active


def test_a_feature_app_holds_a_deactivation_back_with_its_reasons(admin, reviewer, monkeypatch):
    monkeypatch.setitem(
        extensions._deactivation_checks, "test", lambda user: [f"{user} has work open."]
    )
    with pytest.raises(DomainError, match=r"Rita Reviewer has work open\."):
        staff_deactivate(person=reviewer, by=admin)
    assert fresh(reviewer).is_active


def test_an_auditor_of_an_open_audit_is_not_deactivated(admin, catalogue, alpha, auditor_user):
    """The certification app's check: the open cases are named; end the assignments first."""
    from tests.certification.factories import ApplicationFactory, AuditorFactory

    lead = AuditorFactory(user=auditor_user, qualified=True)
    application = ApplicationFactory(organization=alpha, office=admin, lead=lead, assigned=True)

    reasons = deactivation_blockers(person=fresh(auditor_user), by=admin)

    assert [str(r) for r in reasons] == [
        f"Arne Auditor is assigned to the audit of application #{application.pk} (Alpha): "
        "end the assignment first."
    ]
    with pytest.raises(DomainError, match="end the assignment first"):
        staff_deactivate(person=auditor_user, by=admin)


def test_an_erased_person_is_not_reactivated(admin, make_user):
    person = make_user()
    person_erase(person=person, by=admin)
    with pytest.raises(DomainError, match="erased"):
        staff_reactivate(person=person, by=admin)


# --- The demo -----------------------------------------------------------------------------


def test_the_demo_has_a_certifier_only_login(db):
    from cpo_portal.demo import seed

    ctx = seed()
    assert office_roles_of(ctx.office) == [A, R, C]
    certifier = fresh(ctx.certifier)
    assert (certifier.email, certifier.full_name) == (
        "certifier@cpo-portal.example",
        "Cora Certifier",
    )
    assert office_roles_of(certifier) == [C]
    assert certifier.authenticator_set.filter(type="totp").exists()
    assert any(email == certifier.email for email, _role, _password in ctx.logins)


def test_the_role_groups_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(OFFICE_ROLE_GROUPS.values())
