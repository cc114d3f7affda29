"""Security headers Django's SecurityMiddleware does not set: the Content-Security-Policy.

The policy is a dict in the settings (``CONTENT_SECURITY_POLICY``: directive → sources),
turned into the header once at start-up. It goes on every response, error pages and API
answers included, so a page that slips an inline script past review is refused by the
browser instead of run. A view that needs a stricter or different policy sets the header
itself; the middleware leaves such a response alone.
"""

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"

# Sources that would reopen the door the policy exists to close. They are refused at
# start-up for scripts, so a settings change cannot quietly weaken the policy.
_UNSAFE_SCRIPT_SOURCES = frozenset({"'unsafe-inline'", "'unsafe-eval'", "*", "data:"})
_SCRIPT_DIRECTIVES = ("default-src", "script-src", "script-src-elem", "script-src-attr")


def build_policy(directives: Mapping[str, Sequence[str]]) -> str:
    """The header value for a directive → sources mapping, in the mapping's order."""
    parts = []
    for directive, sources in directives.items():
        if directive in _SCRIPT_DIRECTIVES:
            unsafe = _UNSAFE_SCRIPT_SOURCES.intersection(sources)
            if unsafe:
                raise ImproperlyConfigured(
                    f"CONTENT_SECURITY_POLICY: {directive} must not allow {sorted(unsafe)}."
                )
        parts.append(" ".join([directive, *sources]) if sources else directive)
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_policy(getattr(settings, "CONTENT_SECURITY_POLICY", {}))
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
        self.header = REPORT_ONLY_HEADER if report_only else HEADER

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and self.header not in response:
            response.headers[self.header] = self.policy
        return response
