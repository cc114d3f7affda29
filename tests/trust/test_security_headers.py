"""Security headers and cookies under the production settings, and templates the CSP allows.

The production values are read from the settings module in a fresh process (no DEBUG, a
SECRET_KEY and ALLOWED_HOSTS, as in a deployment) and applied to this test run, so the
headers are asserted against what production really configures, not against a copy.
`manage.py check --deploy` under the same environment is proven in
tests/test_settings.py::test_production_settings_pass_the_deploy_check.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.authtoken.models import Token

from cpo_portal.security import ContentSecurityPolicyMiddleware, build_policy
from tests.factories import PASSWORD

BASE_DIR = Path(django_settings.BASE_DIR)
HOST = "cpo.example.org"
# Names of the settings that decide headers and cookies; everything else stays as tested.
SECURITY_SETTINGS = re.compile(
    r"^(SECURE_|SESSION_COOKIE_|CSRF_COOKIE_|LANGUAGE_COOKIE_|X_FRAME_OPTIONS$|"
    r"CONTENT_SECURITY_POLICY|ALLOWED_HOSTS$|DEBUG$|MIDDLEWARE$)"
)
DUMP = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in dir(settings) if name.isupper()},
                 default=lambda value: list(value) if isinstance(value, tuple) else str(value)))
"""


@pytest.fixture(scope="module")
def production_values():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": HOST,
    }
    result = subprocess.run(
        [sys.executable, "-c", DUMP],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    return {name: value for name, value in values.items() if SECURITY_SETTINGS.match(name)}


@pytest.fixture
def production(settings, production_values):
    """This test run with the security settings of production."""
    assert production_values["DEBUG"] is False
    assert production_values["MIDDLEWARE"] == settings.MIDDLEWARE, "same middleware stack"
    for name, value in production_values.items():
        if name == "SECURE_PROXY_SSL_HEADER":
            value = tuple(value)
        setattr(settings, name, value)
    return settings


@pytest.fixture
def https(production):
    """A browser talking to the portal through the TLS-terminating proxy."""
    return Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_security_headers(response) -> None:
    policy = _csp(response)
    for directive in ("default-src", "script-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:"}
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header

    hsts = response["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains; preload", hsts)
    assert int(re.match(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Headers on every kind of response ---------------------------------------------------


@pytest.mark.django_db
def test_public_page_carries_the_security_headers(https):
    response = https.get("/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_workspace_page_carries_the_security_headers(https, alpha, bob):
    https.force_login(bob)
    response = https.get("/o/alpha/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_api_responses_carry_the_security_headers(https, bob):
    token = Token.objects.create(user=bob)
    answered = https.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = https.get("/api/v1/me/")

    assert answered.status_code == 200
    assert refused.status_code == 401
    assert_security_headers(answered)
    assert_security_headers(refused)


@pytest.mark.django_db
def test_error_pages_carry_the_security_headers(https, monkeypatch):
    not_found = https.get("/no-such-page/")
    assert not_found.status_code == 404
    assert_security_headers(not_found)

    csrf = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    refused = csrf.post("/accounts/login/", {"login": "x@example.org", "password": "x"})
    assert refused.status_code == 403
    assert_security_headers(refused)

    def broken(*args, **kwargs):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr("signees.selectors.signing.published_group_counts", broken)
    https.raise_request_exception = False
    crashed = https.get("/")
    assert crashed.status_code == 500
    assert_security_headers(crashed)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = Client(HTTP_HOST=HOST).get("/signees/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/signees/"


@pytest.mark.django_db
def test_health_check_answers_over_plain_http_for_the_load_balancer(production):
    assert Client(HTTP_HOST=HOST).get("/healthz").status_code in (200, 503)


# --- Cookies ------------------------------------------------------------------------------


def _flags(cookie) -> tuple[bool, bool, str]:
    return bool(cookie["secure"]), bool(cookie["httponly"]), cookie["samesite"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(https, bob):
    login_page = https.get("/accounts/login/")
    assert login_page.status_code == 200
    csrf_cookie = login_page.cookies[django_settings.CSRF_COOKIE_NAME]
    assert _flags(csrf_cookie) == (True, True, "Lax")

    signed_in = https.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    session_cookie = signed_in.cookies[django_settings.SESSION_COOKIE_NAME]
    assert _flags(session_cookie) == (True, True, "Lax")


@pytest.mark.django_db
def test_language_cookie_is_secure_httponly_and_samesite(https):
    response = https.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert _flags(response.cookies[django_settings.LANGUAGE_COOKIE_NAME]) == (True, True, "Lax")


# --- The policy itself ----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["'unsafe-inline'", "'unsafe-eval'", "*", "data:"])
@pytest.mark.parametrize("directive", ["default-src", "script-src"])
def test_a_policy_that_would_allow_inline_or_foreign_scripts_is_refused(directive, source):
    with pytest.raises(ImproperlyConfigured):
        build_policy({directive: ["'self'", source]})


def test_a_view_that_sets_its_own_policy_keeps_it(rf, settings):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(view)(rf.get("/"))["Content-Security-Policy"] == (
        "default-src 'none'"
    )


def test_report_only_mode_sends_the_report_only_header(rf, settings):
    from django.http import HttpResponse

    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())(rf.get("/"))
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


# --- Templates: nothing the policy would block ------------------------------------------------

# Browsers render these; the PDF templates are rendered by WeasyPrint and never served.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json)[^>]*>"
    r"|<style\b"
    r"|\sstyle=[\"']"
    r"|\son[a-z]+\s*=\s*[\"']"
    r"|javascript:"
    r"|\s(?:data-)?hx-on",
    re.IGNORECASE,
)


def _served_templates() -> list[Path]:
    roots = [Path(d) for d in django_settings.TEMPLATES[0]["DIRS"]]
    for app in ("criteria", "signees", "community", "certification", "cpo_portal"):
        roots.extend((BASE_DIR / app).glob("**/templates"))
    return [
        path
        for root in roots
        for path in root.rglob("*.html")
        if "pdf" not in path.relative_to(root).parts
    ]


def test_templates_hold_no_inline_script_style_or_event_handler():
    templates = _served_templates()
    assert len(templates) > 50, "the template folders were found"
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {match.group(0).strip()}"
        for path in templates
        for match in INLINE_CODE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "move it to static/js or static/css"


# htmx settings the policy depends on: no eval, no <script> from swapped content, no style
# element for its indicators, and no style attribute copied over while a swap settles.
SAFE_HTMX = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "attributesToSettle": ["class", "width", "height"],
}
HTMX_CONFIG = re.compile(r'<meta name="htmx-config" content=\'([^\']+)\'>')


@pytest.mark.django_db
def test_htmx_is_configured_without_eval_and_inline_styles(client):
    [config] = HTMX_CONFIG.findall(client.get("/").content.decode())
    values = json.loads(config)
    assert {name: values.get(name) for name in SAFE_HTMX} == SAFE_HTMX
    # A failed response never replaces what the user typed (js/autosave.js shows it).
    assert {"code": "[45]..", "swap": False, "error": True} in values["responseHandling"]


def test_every_page_that_configures_htmx_keeps_the_safe_settings():
    # htmx reads only the first htmx-config, so a page's own must repeat them.
    configs = [
        (path, config)
        for path in _served_templates()
        for config in HTMX_CONFIG.findall(path.read_text(encoding="utf-8"))
    ]
    assert any(path.name == "base.html" for path, _config in configs)
    for path, config in configs:
        values = json.loads(config)
        assert {name: values.get(name) for name in SAFE_HTMX} == SAFE_HTMX, path


@pytest.mark.django_db
def test_api_docs_load_their_start_up_script_from_a_url(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    [script_url] = re.findall(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', html)

    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- In a real browser: the pages run under the policy without a single violation ---------

CHROMIUM = "/usr/bin/chromium"
# Playwright's sync API keeps an event loop running in the main thread, and Django refuses
# ORM calls from a thread with a running loop (as in tests/integration/conftest.py).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Collected before any page script runs; Playwright's own scripts are exempt from the CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, as in tests/integration."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    }


def _sign_in(context, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def _violations(page, url: str, settle: str = "load") -> list[str]:
    page.goto(url)
    page.wait_for_load_state(settle)
    return [f"{url}: {v}" for v in page.evaluate("window.__cspViolations")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_in_chromium_without_a_policy_violation(
    live_server, context, page, alpha, bob, office_user
):
    context.add_init_script(RECORD_VIOLATIONS)
    base = live_server.url
    console = []
    page.on("console", lambda m: console.append(m.text) if "Security Policy" in m.text else None)

    found = []
    for path in ("/", "/signees/", "/accounts/login/"):
        found += _violations(page, base + path)
    # htmx runs, with the settings that need no eval and no inline style.
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [
        False,
        False,
    ]

    found += _violations(page, base + "/api/docs/", settle="networkidle")
    page.locator(".opblock").first.wait_for()  # Swagger UI rendered the operations

    _sign_in(context, base, bob)
    for path in ("/o/alpha/", "/o/alpha/signing/"):
        found += _violations(page, base + path)
    _sign_in(context, base, office_user)
    found += _violations(page, base + "/office/certification/")

    assert found == []
    assert console == []
