"""A role that must have a second factor reaches nothing but the MFA setup until it has one.

Who may see which URL is proven by the permission matrix (tests/trust/test_permission_matrix.py),
which walks every URL pattern and every API route for every role.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from cpo_portal.accounts.middleware import _ALLOWED_PREFIXES

pytestmark = pytest.mark.django_db


def _patterns(resolvers=None, namespace="", converters=None):
    """(qualified name, {kwarg: converter}) for every named URL pattern."""
    resolvers = resolvers if resolvers is not None else get_resolver().url_patterns
    for entry in resolvers:
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        regex_groups = dict.fromkeys(entry.pattern.regex.groupindex, None)
        found = {**regex_groups, **found}
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, ns, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", found


def _argument_free_urls():
    return sorted(
        (name, reverse(name)) for name, params in _patterns() if not params and _reverses(name)
    )


def _reverses(name):
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def test_role_without_mfa_reaches_only_the_mfa_setup(client, office_user_without_mfa):
    client.force_login(office_user_without_mfa)
    opened = {}
    for name, url in _argument_free_urls():
        if url.startswith(_ALLOWED_PREFIXES):
            continue
        response = client.get(url)
        expected = 403 if url.startswith("/api/") else 302
        if response.status_code != expected or (
            expected == 302 and response["Location"] != "/accounts/2fa/totp/activate/"
        ):
            opened[name] = response.status_code
    assert len(_argument_free_urls()) > 50
    assert opened == {}
