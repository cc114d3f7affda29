"""The signature records the signer's address, not the reverse proxy's."""

import pytest
from django.test import Client
from django_scopes import scope

from signees.models import Signature

from .helpers import post_signature

pytestmark = pytest.mark.django_db


def test_behind_the_proxy_the_signature_records_the_clients_address(
    settings, mini_catalogue, alpha, alice
):
    settings.TRUSTED_PROXY_COUNT = 1
    # post_signature connects from 198.51.100.23: here that is the proxy.
    client = Client(HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.41")
    client.force_login(alice)

    assert post_signature(client, alpha).status_code == 302

    with scope(organization=alpha):
        assert Signature.objects.get().ip_address == "203.0.113.41"
