"""accounts 0002: existing users keep everything and get the portal's default language."""

import pytest
from django.conf import settings

from tests.migrations import migrate

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_user_language")]


@pytest.mark.django_db(transaction=True)
def test_existing_users_are_carried_forward_with_the_default_language():
    old_apps = migrate(*BEFORE)
    try:
        User = old_apps.get_model("accounts", "User")
        User.objects.create(email="old@example.org", full_name="Olaf Old", password="x")
        User.objects.create(email="nameless@example.org", password="x")

        new_apps = migrate(*AFTER)

        User = new_apps.get_model("accounts", "User")
        rows = list(User.objects.order_by("email").values("email", "full_name", "language"))
        assert rows == [
            {"email": "nameless@example.org", "full_name": "", "language": settings.LANGUAGE_CODE},
            {
                "email": "old@example.org",
                "full_name": "Olaf Old",
                "language": settings.LANGUAGE_CODE,
            },
        ]
    finally:
        # Leave the schema as every other test expects it.
        migrate()


# --- accounts 0003: the one office group becomes three roles ------------------------------

ROLES = [("accounts", "0003_office_roles_staff_invitations")]
ROLE_GROUPS = {"CPO office administrators", "CPO office reviewers", "CPO office certifiers"}


def _groups_of(apps, email):
    User = apps.get_model("accounts", "User")
    return set(User.objects.get(email=email).groups.values_list("name", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_legacy_office_group_becomes_all_three_roles_and_back():
    old_apps = migrate(*AFTER)
    try:
        User = old_apps.get_model("accounts", "User")
        Group = old_apps.get_model("auth", "Group")
        Group.objects.filter(name__in=ROLE_GROUPS).delete()  # as before roles existed
        legacy = Group.objects.get_or_create(name="CPO office")[0]
        olga = User.objects.create(email="olga@example.org", full_name="Olga", password="x")
        legacy.user_set.add(olga)
        User.objects.create(email="carl@example.org", full_name="Carl", password="x")

        new_apps = migrate(*ROLES)

        Group = new_apps.get_model("auth", "Group")
        assert not Group.objects.filter(name="CPO office").exists()
        assert _groups_of(new_apps, "olga@example.org") == ROLE_GROUPS
        assert _groups_of(new_apps, "carl@example.org") == set()

        back_apps = migrate(*AFTER)

        Group = back_apps.get_model("auth", "Group")
        assert not Group.objects.filter(name__in=ROLE_GROUPS).exists()
        assert _groups_of(back_apps, "olga@example.org") == {"CPO office"}
        assert _groups_of(back_apps, "carl@example.org") == set()
    finally:
        migrate()
