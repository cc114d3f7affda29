import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.activity.services import activity_record

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_organization_verb_target_and_data(alpha, alice):
    entry = activity_record(
        actor=alice, organization=alpha, verb="thing.done", target=alpha, data={"n": 1}
    )

    with scope(organization=alpha):
        stored = ActivityEntry.objects.get(pk=entry.pk)
    assert stored.actor == alice
    assert stored.organization == alpha
    assert stored.verb == "thing.done"
    assert stored.target_type == ContentType.objects.get_for_model(alpha)
    assert stored.target_id == str(alpha.pk)
    assert stored.target_repr == "Alpha"
    assert stored.data == {"n": 1}
    assert stored.created_at is not None


def test_record_without_a_signed_in_actor_is_a_system_entry(alpha):
    entry = activity_record(actor=AnonymousUser(), organization=alpha, verb="system.tick")
    assert entry.actor is None
    assert activity_record(actor=None, verb="portal.wide").organization is None


def test_record_can_be_written_outside_any_scope_and_for_another_organization(alpha, beta, alice):
    with scope(organization=beta):
        activity_record(actor=alice, organization=alpha, verb="cross.scope")
    with scope(organization=alpha):
        assert ActivityEntry.objects.filter(verb="cross.scope").count() == 1


def test_target_repr_survives_the_target(alpha, alice, bob):
    from cpo_portal.tenancy.models import Membership

    with scope(organization=alpha):
        membership = Membership.objects.get(user=bob)
    entry = activity_record(actor=alice, organization=alpha, verb="x", target=membership)
    with scope(organization=alpha):
        membership.delete()
    with scopes_disabled():
        entry.refresh_from_db()
    assert "bob@example.org" in entry.target_repr or "Bob" in entry.target_repr


def test_long_target_repr_is_truncated(alpha, alice):
    alpha.display_name = "A" * 300
    entry = activity_record(actor=alice, organization=alpha, verb="x", target=alpha)
    assert len(entry.target_repr) == 200


def test_a_target_named_differently_per_language_keeps_every_name(alpha, alice):
    from django.utils import translation

    from certification.services.certificates import certification_policy

    target = certification_policy()  # its name is translated
    with translation.override("de"):  # the actor reads German
        entry = activity_record(actor=alice, verb="x.done", target=target, data={"n": 1})

    with scopes_disabled():
        entry.refresh_from_db()
    assert entry.target_repr == "Certification policy"  # the default language, for the admin
    assert entry.details == {"n": 1}
    with translation.override("en"):
        assert entry.target_label == "Certification policy"
    with translation.override("de"):
        assert entry.target_label == "Zertifizierungsrichtlinie"


def test_a_target_named_alike_in_every_language_adds_nothing_to_the_data(alpha, alice):
    entry = activity_record(actor=alice, organization=alpha, verb="x", target=alpha)
    assert entry.data == {}
    assert entry.target_label == "Alpha"
