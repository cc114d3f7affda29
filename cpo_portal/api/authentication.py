"""API token authentication that keeps the MFA rule of the web pages, and the tokens' expiry.

The MFA middleware only sees session users; a token is checked inside DRF, so the same
rule is applied here: staff, the CPO office and auditors without a second factor are
refused, whatever token they hold. A token older than API_TOKEN_MAX_AGE_DAYS is refused
with the day it expired.
"""

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from cpo_portal.accounts.roles import has_mfa, requires_mfa
from cpo_portal.accounts.services.profile import api_token_expires_at


class MFATokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        expires_at = api_token_expires_at(token)
        if expires_at is not None and expires_at <= timezone.now():
            raise AuthenticationFailed(
                _(
                    "This API token expired on %(date)s. Create a new one on your account's "
                    "API token page."
                )
                % {"date": date_format(timezone.localdate(expires_at), "DATE_FORMAT")}
            )
        if requires_mfa(user) and not has_mfa(user):
            raise AuthenticationFailed(
                _("Two-factor authentication is required for your role. Set it up to continue.")
            )
        return user, token
