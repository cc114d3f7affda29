"""allauth counts clients and failed sign-ins the portal's way.

- The client address is `cpo_portal.clients.client_ip` (TRUSTED_PROXY_COUNT), the same as
  for the API and the portal's own limits.
- allauth keys its per-"key" failed-login limit by the account alone, so anyone could lock
  an account's owner out by guessing five times. Here the key is the account *at the
  client's address*: a stranger's guesses stop the stranger; the per-address limit
  (ACCOUNT_RATE_LIMITS["login_failed"], looser) stops one address trying many accounts.
"""

import ipaddress
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cpo_portal.clients import client_ip


def client_network(request: HttpRequest) -> str:
    """The client's address; an IPv6 client by its /64, as one host holds a whole network."""
    address = client_ip(request) or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return address


class ClientAddressAdapterMixin:
    """Mix into the project's allauth adapter (before DefaultAccountAdapter)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's key is "<site>:<login>"; its password reset clears the same key.
        account = super()._get_login_attempts_cache_key(request, **credentials)  # type: ignore[misc]
        return f"{account}@{client_network(request)}"
