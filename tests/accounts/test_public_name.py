"""How the portal names a person to others: by name, never by e-mail address (DESIGN §3)."""

import pytest
from django.utils import translation

from cpo_portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_person_is_named_by_their_name(make_user):
    person = make_user(email="ada@example.org", full_name="Ada Lovelace")

    assert person.public_name == "Ada Lovelace"
    assert str(person) == "Ada Lovelace"


@pytest.mark.parametrize("name", ["", "   "])
def test_a_nameless_person_gets_a_neutral_label_not_the_address(make_user, name):
    person = make_user(email="nobody@example.org", full_name=name)

    assert person.public_name == "Anonymous member"
    assert "@" not in str(person)


def test_an_erased_person_is_a_former_member_in_the_readers_language(make_user):
    person = make_user(full_name="Ada Lovelace")
    User.objects.filter(pk=person.pk).update(email=f"erased-{person.pk}@erased.invalid")
    person.refresh_from_db()

    assert person.is_erased
    assert person.public_name == "Former member"
    with translation.override("de"):
        assert person.public_name == "Ehemaliges Mitglied"
