from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from cpo_portal.tenancy import services
from cpo_portal.tenancy.models import Invitation, Membership, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entries(org, verb):
    with scope(organization=org):
        return list(ActivityEntry.objects.filter(verb=verb))


def _membership(org, user):
    with scope(organization=org):
        return Membership.objects.select_related("user", "organization").get(user=user)


def _counts():
    with scopes_disabled():
        return (
            Membership.objects.count(),
            Invitation.objects.filter(accepted_at__isnull=False).count(),
            ActivityEntry.objects.count(),
        )


def _invite(org, by, email, role=Role.MEMBER):
    return services.invitation_create(organization=org, by=by, email=email, role=role)


# --- organization_create / organization_update -------------------------------------------


def test_create_organization_makes_creator_owner_and_logs_it(alice):
    org = services.organization_create(by=alice, legal_name="Alpha GmbH", country="DE")

    assert org.slug == "alpha-gmbh"
    assert org.display_name == "Alpha GmbH"
    assert _membership(org, alice).role == Role.OWNER
    [entry] = _entries(org, "organization.created")
    assert entry.actor == alice
    assert entry.organization == org
    assert entry.target_id == str(org.pk)


def test_create_organization_gives_unique_slugs_and_avoids_reserved_ones(alice):
    first = services.organization_create(by=alice, legal_name="Same", country="DE")
    second = services.organization_create(by=alice, legal_name="Same", country="DE")
    reserved = services.organization_create(by=alice, legal_name="Office", country="DE")

    assert (first.slug, second.slug) == ("same", "same-2")
    assert reserved.slug == "office-org"


def test_create_organization_with_invalid_country_writes_nothing(alice):
    from django.core.exceptions import ValidationError

    from cpo_portal.tenancy.models import Organization

    with pytest.raises(ValidationError):
        services.organization_create(by=alice, legal_name="Alpha", country="XX")
    assert not Organization.objects.exists()
    assert _counts() == (0, 0, 0)


def test_update_organization_logs_before_and_after(alpha, alice):
    services.organization_update(
        organization=alpha, by=alice, display_name="Alpha Renamed", website=""
    )

    alpha.refresh_from_db()
    assert alpha.display_name == "Alpha Renamed"
    [entry] = _entries(alpha, "organization.updated")
    assert entry.actor == alice
    assert entry.organization == alpha
    assert entry.data["before"]["display_name"] == "Alpha"
    assert entry.data["after"]["display_name"] == "Alpha Renamed"


def test_update_organization_refuses_unknown_fields(alpha, alice):
    with pytest.raises(TypeError):
        services.organization_update(organization=alpha, by=alice, slug="elsewhere")


# --- invitations -------------------------------------------------------------------------


def test_invitation_happy_path(alpha, alice, make_user, django_capture_on_commit_callbacks):
    dora = make_user(email="dora@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            organization=alpha, by=alice, email="Dora@Example.org ", role=Role.ADMIN
        )

    assert invitation.email == "dora@example.org"
    assert token not in invitation.token_hash  # only the hash is stored
    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    assert f"/invitations/{token}/" in message.body
    [sent] = _entries(alpha, "invitation.sent")
    assert (sent.actor, sent.data) == (alice, {"email": "dora@example.org", "role": "admin"})

    membership = services.invitation_accept(token=token, user=dora)

    assert membership.role == Role.ADMIN
    assert _membership(alpha, dora).pk == membership.pk
    with scope(organization=alpha):
        invitation.refresh_from_db()
    assert invitation.accepted_by == dora
    assert invitation.accepted_at is not None
    [accepted] = _entries(alpha, "invitation.accepted")
    assert (accepted.actor, accepted.organization) == (dora, alpha)


def test_invitation_token_is_single_use(alpha, alice, make_user):
    dora = make_user(email="dora@example.org")
    _invitation, token = _invite(alpha, alice, dora.email)
    services.invitation_accept(token=token, user=dora)
    before = _counts()

    with pytest.raises(DomainError, match="already been used"):
        services.invitation_accept(token=token, user=dora)

    assert _counts() == before


def test_expired_invitation_is_refused(alpha, alice, make_user):
    dora = make_user(email="dora@example.org")
    invitation, token = _invite(alpha, alice, dora.email)
    with scope(organization=alpha):
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    before = _counts()

    with pytest.raises(DomainError, match="expired"):
        services.invitation_accept(token=token, user=dora)
    assert _counts() == before


def test_revoked_invitation_is_refused(alpha, alice, make_user):
    dora = make_user(email="dora@example.org")
    invitation, token = _invite(alpha, alice, dora.email)
    services.invitation_revoke(invitation=invitation, by=alice)
    assert len(_entries(alpha, "invitation.revoked")) == 1
    before = _counts()

    with pytest.raises(DomainError, match="not valid"):
        services.invitation_accept(token=token, user=dora)
    assert _counts() == before


def test_new_invitation_revokes_the_open_one_for_the_same_address(alpha, alice, make_user):
    dora = make_user(email="dora@example.org")
    _first, old_token = _invite(alpha, alice, dora.email)
    _second, new_token = _invite(alpha, alice, dora.email)

    with pytest.raises(DomainError):
        services.invitation_accept(token=old_token, user=dora)
    assert services.invitation_accept(token=new_token, user=dora).organization == alpha


def test_invitation_for_another_email_is_refused(alpha, alice, charlie):
    _invitation, token = _invite(alpha, alice, "dora@example.org")
    before = _counts()

    with pytest.raises(DomainError, match="another e-mail address"):
        services.invitation_accept(token=token, user=charlie)
    assert _counts() == before
    with scope(organization=alpha):
        assert not Membership.objects.filter(user=charlie).exists()


def test_invitation_for_an_existing_member_is_refused(alpha, alice, bob):
    with pytest.raises(DomainError, match="already a member"):
        _invite(alpha, alice, "BOB@example.org")


def test_accepting_when_already_a_member_is_refused(alpha, alice, make_user):
    dora = make_user(email="dora@example.org")
    _invitation, token = _invite(alpha, alice, dora.email)
    # dora joined by another path in the meantime
    MembershipFactory(organization=alpha, user=dora)
    before = _counts()

    with pytest.raises(DomainError, match="already a member"):
        services.invitation_accept(token=token, user=dora)
    assert _counts() == before


def test_unknown_token_is_refused(alpha, bob):
    before = _counts()
    with pytest.raises(DomainError, match="not valid"):
        services.invitation_accept(token="no-such-token", user=bob)
    assert _counts() == before


def test_plain_member_cannot_invite(alpha, bob):
    with pytest.raises(DomainError):
        _invite(alpha, bob, "dora@example.org")
    with scope(organization=alpha):
        assert not Invitation.objects.exists()


def test_outsider_cannot_invite(alpha, charlie):
    with pytest.raises(DomainError):
        _invite(alpha, charlie, "dora@example.org")


def test_only_an_owner_may_invite_an_owner(alpha, alice, bob):
    services.membership_change_role(membership=_membership(alpha, bob), role=Role.ADMIN, by=alice)

    with pytest.raises(DomainError, match="Only an owner"):
        _invite(alpha, bob, "dora@example.org", role=Role.OWNER)
    invitation, _token = _invite(alpha, alice, "dora@example.org", role=Role.OWNER)
    assert invitation.role == Role.OWNER


# --- roles -------------------------------------------------------------------------------


def test_owner_changes_a_role_and_the_log_keeps_before_and_after(alpha, alice, bob):
    services.membership_change_role(membership=_membership(alpha, bob), role=Role.ADMIN, by=alice)

    assert _membership(alpha, bob).role == Role.ADMIN
    [entry] = _entries(alpha, "membership.role_changed")
    assert (entry.actor, entry.organization) == (alice, alpha)
    assert entry.data == {"user": "bob@example.org", "before": "member", "after": "admin"}


def test_admin_cannot_change_roles(alpha, alice, bob, make_user):
    services.membership_change_role(membership=_membership(alpha, bob), role=Role.ADMIN, by=alice)
    dora = MembershipFactory(organization=alpha, user=make_user(email="dora@example.org"))

    with pytest.raises(DomainError, match="Only an owner"):
        services.membership_change_role(membership=dora, role=Role.ADMIN, by=bob)
    assert _membership(alpha, dora.user).role == Role.MEMBER


def test_unknown_role_is_refused(alpha, alice, bob):
    with pytest.raises(DomainError, match="Unknown role"):
        services.membership_change_role(membership=_membership(alpha, bob), role="god", by=alice)


def test_last_owner_cannot_be_demoted(alpha, alice):
    with pytest.raises(DomainError, match="at least one owner"):
        services.membership_change_role(
            membership=_membership(alpha, alice), role=Role.MEMBER, by=alice
        )
    assert _membership(alpha, alice).role == Role.OWNER
    assert _entries(alpha, "membership.role_changed") == []


def test_one_of_two_owners_can_be_demoted(alpha, alice, bob):
    services.membership_change_role(membership=_membership(alpha, bob), role=Role.OWNER, by=alice)
    services.membership_change_role(membership=_membership(alpha, alice), role=Role.MEMBER, by=bob)
    assert _membership(alpha, alice).role == Role.MEMBER


def test_last_owner_cannot_leave(alpha, alice):
    with pytest.raises(DomainError, match="last owner"):
        services.membership_leave(membership=_membership(alpha, alice))
    assert _membership(alpha, alice).role == Role.OWNER


def test_member_can_leave_and_it_is_logged(alpha, bob):
    services.membership_leave(membership=_membership(alpha, bob))

    with scope(organization=alpha):
        assert not Membership.objects.filter(user=bob).exists()
    [entry] = _entries(alpha, "membership.left")
    assert (entry.actor, entry.data) == (bob, {"user": "bob@example.org"})


def test_last_owner_cannot_be_removed(alpha, alice, bob):
    services.membership_change_role(membership=_membership(alpha, bob), role=Role.OWNER, by=alice)
    services.membership_leave(membership=_membership(alpha, bob))  # alice is the last owner again

    with pytest.raises(DomainError):
        services.membership_remove(membership=_membership(alpha, alice), by=alice)
    assert _membership(alpha, alice).role == Role.OWNER


def test_owner_removes_a_member_and_it_is_logged(alpha, alice, bob):
    services.membership_remove(membership=_membership(alpha, bob), by=alice)

    with scope(organization=alpha):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [
            "alice@example.org"
        ]
    [entry] = _entries(alpha, "membership.removed")
    assert (entry.actor, entry.organization, entry.data) == (
        alice,
        alpha,
        {"user": "bob@example.org"},
    )


def test_plain_member_cannot_remove_anyone(alpha, alice, bob):
    with pytest.raises(DomainError):
        services.membership_remove(membership=_membership(alpha, alice), by=bob)
    assert _membership(alpha, alice)


def test_outsider_cannot_remove_members(alpha, bob, charlie):
    with pytest.raises(DomainError):
        services.membership_remove(membership=_membership(alpha, bob), by=charlie)


def test_transfer_ownership_swaps_roles(alpha, alice, bob):
    services.organization_transfer_ownership(
        organization=alpha, to=_membership(alpha, bob), by=alice
    )

    assert _membership(alpha, bob).role == Role.OWNER
    assert _membership(alpha, alice).role == Role.ADMIN
    [entry] = _entries(alpha, "organization.ownership_transferred")
    assert entry.actor == alice
    assert entry.data == {"from": "alice@example.org", "to": "bob@example.org"}


def test_transfer_ownership_to_a_member_of_another_organization_is_refused(
    alpha, beta, alice, charlie
):
    with pytest.raises(DomainError):
        services.organization_transfer_ownership(
            organization=alpha, to=_membership(beta, charlie), by=alice
        )
    assert _membership(alpha, alice).role == Role.OWNER
    assert _membership(beta, charlie).role == Role.OWNER


def test_transfer_ownership_by_non_owner_is_refused(alpha, alice, bob):
    with pytest.raises(DomainError):
        services.organization_transfer_ownership(
            organization=alpha, to=_membership(alpha, bob), by=bob
        )
    assert _membership(alpha, alice).role == Role.OWNER


def test_users_factory_email_is_unique():
    assert UserFactory().email != UserFactory().email


# --- membership checks registered by feature apps -----------------------------------------


@pytest.fixture
def refusing_check(monkeypatch):
    """A feature app's check that refuses dora joining alpha (and nothing else)."""
    from cpo_portal.tenancy import extensions

    asked = []

    def check(*, organization, user):
        asked.append((organization.slug, user.email))
        if user.email == "dora@example.org" and organization.slug == "alpha":
            return "Dora audits Alpha."
        return None

    monkeypatch.setattr(extensions, "_membership_checks", [check])
    return asked


def test_a_registered_check_refuses_the_invitation_of_a_known_user(
    alpha, alice, make_user, refusing_check
):
    make_user(email="dora@example.org")
    before = _counts()

    with pytest.raises(DomainError, match="Dora audits Alpha") as caught:
        _invite(alpha, alice, "Dora@Example.org")

    assert caught.value.code == "membership_barred"
    assert _counts() == before
    with scope(organization=alpha):
        assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_registered_check_refuses_the_acceptance(alpha, alice, make_user, refusing_check):
    # Invited before the user existed: only the acceptance can ask.
    _invitation, token = _invite(alpha, alice, "dora@example.org")
    dora = make_user(email="dora@example.org")
    before = _counts()

    with pytest.raises(DomainError, match="Dora audits Alpha") as caught:
        services.invitation_accept(token=token, user=dora)

    assert caught.value.code == "membership_barred"
    assert _counts() == before
    assert refusing_check[-1] == ("alpha", "dora@example.org")


def test_registered_checks_let_everyone_else_in(
    alpha, beta, alice, charlie, make_user, refusing_check
):
    dora = make_user(email="dora@example.org")
    _invitation, token = _invite(beta, charlie, dora.email)

    assert services.invitation_accept(token=token, user=dora).organization == beta
    _invitation, token = _invite(alpha, alice, "erik@example.org")
    erik = make_user(email="erik@example.org")
    assert services.invitation_accept(token=token, user=erik).organization == alpha
