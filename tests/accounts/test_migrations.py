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
