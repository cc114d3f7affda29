"""API token authentication that keeps the MFA rule of the web pages.

The MFA middleware only sees session users; a token is checked inside DRF, so the same
rule is applied here: staff, the CPO office and auditors without a second factor are
refused, whatever token they hold.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from cpo_portal.accounts.roles import has_mfa, requires_mfa


class MFATokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if requires_mfa(user) and not has_mfa(user):
            raise AuthenticationFailed(
                _("Two-factor authentication is required for your role. Set it up to continue.")
            )
        return user, token
