"""No public page, export or API answer shows anybody's e-mail address (DESIGN §3).

One populated portal (the demo, seeded once for the module) where two of the three company
owners have no name — the case in which a person used to be shown by their address: they
are candidates, the Core Team, a commenter on a proposal and on the figures of the
published annual report. An anonymous visitor then asks for every public route of the
permission matrix (tests/trust/test_permission_matrix.py), with its parameters filled from
the portal's rows, and follows every link of every answer (HTML, JSON, the Atom feed) that
stays on public ground, up to a bound. PDFs are read with pdftotext. No answer may contain
any address the portal holds, neither as is nor URL- or entity-encoded.
"""

import itertools
import json
import re
import shutil
import subprocess
from collections import deque
from dataclasses import dataclass
from io import StringIO
from itertools import islice
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django_scopes import scopes_disabled

from tests.trust.test_permission_matrix import NOBODY, PUBLIC, expected_for, walk

pytestmark = pytest.mark.django_db

# Where an anonymous visitor has nothing to read (sign-in forms, workspaces, staff areas) or
# nothing of the portal's data (the schema and its docs, static files).
PRIVATE_PREFIXES = (
    "/accounts/",
    "/admin/",
    "/o/",
    "/office/",
    "/audit/",
    "/dashboard/",
    "/static/",
    "/i18n/",
    "/api/schema/",
    "/api/docs/",
    "/bench/",
)
MAX_PAGES = 900
MAX_QUERIES_PER_PATH = 6  # filter, sort and page links of one list: a few suffice

# Nameless people: the owners of two demo companies (seed_demo keeps an existing user).
NAMELESS = ("owner@plexa.example", "owner@integra.example")


@dataclass(frozen=True)
class Portal:
    emails: frozenset[str]
    start: tuple[str, ...]
    media: str


def _seed_with_nameless_people() -> None:
    from tests.factories import UserFactory

    for email in NAMELESS:
        UserFactory(email=email, full_name="")
    call_command("seed_demo", stdout=StringIO())


def _parameter_values() -> dict[str, list[str]]:
    """Every value a public route's parameter may take in the seeded portal."""
    from certification.models import Certificate
    from community.models import AnnualReport, Conference, Election, Proposal
    from criteria.models import CatalogueVersion
    from signees.models import Signee, Statement

    with scopes_disabled():
        versions = list(CatalogueVersion.objects.exclude(status="draft"))
        return {
            "slug": list(Signee.objects.values_list("organization__slug", flat=True)),
            "number": [
                *Certificate.objects.values_list("number", flat=True),
                *(str(n) for n in Statement.objects.values_list("number", flat=True)),
            ],
            "year": sorted(
                {
                    *(str(y) for y in Election.objects.values_list("year", flat=True)),
                    *(str(y) for y in Conference.objects.values_list("year", flat=True)),
                    *(str(y) for y in AnnualReport.objects.values_list("year", flat=True)),
                }
            ),
            "id": [str(pk) for pk in Proposal.objects.values_list("pk", flat=True)],
            "pk": [str(pk) for pk in Proposal.objects.values_list("pk", flat=True)],
            "version": [v.code for v in versions],
            "code": [c.code for v in versions for c in v.criteria.all()[:2]],
            "kind": ["organizational", "product"],
        }


def _start_urls() -> tuple[str, ...]:
    """Every public route of the permission matrix, for the rows it can show."""
    values = _parameter_values()
    urls = []
    for route in walk():
        # NOBODY: public routes that the matrix asks for a draft; here they show published rows.
        if expected_for(route.key) not in (PUBLIC, NOBODY) or not route.name:
            continue
        if not all(p in values for p in route.params):
            continue  # account keys and tokens: forms, no data
        for combination in islice(itertools.product(*(values[p] for p in route.params)), 0, 40):
            kwargs = dict(zip(route.params, combination, strict=True))
            try:
                urls.append(reverse(route.name, kwargs=kwargs))
            except NoReverseMatch:  # a value that does not fit the route's pattern
                continue
    urls += ["/signees/?format=csv", "/signees/?format=json"]
    return tuple(dict.fromkeys(u for u in urls if not u.startswith(PRIVATE_PREFIXES)))


def _all_addresses() -> frozenset[str]:
    """Every e-mail address the portal holds: accounts, invitations, attendees."""
    from allauth.account.models import EmailAddress

    from community.models import Registration
    from cpo_portal.accounts.models import User
    from cpo_portal.tenancy.models import Invitation

    with scopes_disabled():
        return frozenset(
            address.lower()
            for address in itertools.chain(
                User.objects.values_list("email", flat=True),
                EmailAddress.objects.values_list("email", flat=True),
                Invitation.objects.values_list("email", flat=True),
                Registration.objects.values_list("attendee_email", flat=True),
            )
        )


@pytest.fixture(scope="module")
def portal(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("privacy-media"))
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    test_settings = override_settings(
        MEDIA_ROOT=media,
        STORAGES={**settings.STORAGES, "default": {**storage, "OPTIONS": {"location": media}}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CELERY_TASK_ALWAYS_EAGER=True,
        PUBLIC_PAGE_CACHE_SECONDS=0,
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        _seed_with_nameless_people()
        cache.clear()
        yield Portal(emails=_all_addresses(), start=_start_urls(), media=media)
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(autouse=True)
def _portal_media(_isolated_settings, settings, portal):
    """The portal's files (the report PDF) stay readable in every test (the root conftest
    points MEDIA_ROOT at a fresh folder per test)."""
    settings.MEDIA_ROOT = portal.media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": portal.media},
        },
    }


# --- Reading answers ---------------------------------------------------------------------

LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("application/pdf"):
        pdftotext = shutil.which("pdftotext")
        assert pdftotext, "pdftotext is missing (apt install poppler-utils)"
        result = subprocess.run(
            [pdftotext, "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
        )
        return result.stdout.decode()
    return body.decode("utf-8", errors="replace")


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def _links(base: str, response, text: str) -> list[str]:
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        try:
            candidates = [s for s in _json_strings(json.loads(text)) if s.startswith(("/", "http"))]
        except ValueError:
            candidates = []
    elif "html" in content_type or "xml" in content_type:
        candidates = LINK.findall(text)
    else:
        return []
    links = []
    for candidate in candidates:
        url = urljoin(f"http://testserver{base}", candidate.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("testserver", urlsplit(settings.SITE_URL).netloc):
            continue
        if parts.path.startswith(PRIVATE_PREFIXES):
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def _forms_of(email: str) -> tuple[str, ...]:
    return (
        email,
        quote(email, safe=""),
        quote_plus(email),
        email.replace("@", "&#64;"),
        email.replace("@", "&#x40;"),
        email.replace("@", "\\u0040"),
    )


def crawl(client: Client, start: tuple[str, ...]) -> dict[str, str]:
    """{url: text} of every public answer reachable from `start` (bounded)."""
    queue, seen, queries = deque(start), set(start), {}
    answers = {}
    while queue and len(answers) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = _text(response)
        answers[url] = text
        for link in _links(url, response, text):
            path = link.split("?")[0]
            if link in seen:
                continue
            if "?" in link:
                queries[path] = queries.get(path, 0) + 1
                if queries[path] > MAX_QUERIES_PER_PATH:
                    continue
            seen.add(link)
            queue.append(link)
    return answers


def test_no_public_answer_shows_an_email_address(portal):
    answers = crawl(Client(), portal.start)
    # The crawl did reach what a visitor can read about people.
    reached = " ".join(answers)
    for part in ("/community/core-team/", "/community/proposals/", "/community/reports/"):
        assert part in reached
    for part in (
        "/api/v1/community/core-team/",
        "/api/v1/community/elections/",
        "/api/v1/community/reports/",
        "/signees.csv",
        "/seal/feed.atom",
    ):
        assert part in reached
    assert any(url.endswith("/pdf/") or ".pdf" in url for url in answers), "no PDF was read"
    assert len(answers) > 60

    leaks = {
        url: sorted(e for e in portal.emails if any(f in text.lower() for f in _forms_of(e)))
        for url, text in answers.items()
    }
    found = {url: addresses for url, addresses in leaks.items() if addresses}
    assert found == {}, "\n".join(f"{url}: {', '.join(a)}" for url, a in found.items())


def test_nameless_people_are_named_without_their_address(portal):
    """A person without a name is still a person on the public pages: a neutral label."""
    from community.models import Election

    page = Client().get("/community/core-team/").content.decode()
    assert "Anonymous member" in page
    election = Election.objects.filter(results_published_at__isnull=False).first()
    results = Client().get(f"/api/v1/community/elections/{election.year}/results/").json()
    names = {c["name"] for c in _json_dicts(results) if "name" in c}
    assert "Anonymous member" in names


def _json_dicts(value) -> list[dict]:
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _json_dicts(v))]
    if isinstance(value, list):
        return [d for v in value for d in _json_dicts(v)]
    return []
