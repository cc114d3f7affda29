"""DRF's rate throttles, counting clients by the portal's one client-address function.

DRF's own `get_ident` reads X-Forwarded-For by NUM_PROXIES; here the address comes from
`cpo_portal.clients.client_ip`, so the API, allauth and the portal's limits agree on who a
client is (and a client cannot become someone new by sending another X-Forwarded-For).
"""

from typing import Any

from rest_framework import throttling

from cpo_portal.clients import client_ip


class _ClientAddress:
    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"


class AnonRateThrottle(_ClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    pass
