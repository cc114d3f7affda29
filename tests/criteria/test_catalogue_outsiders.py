"""An outsider trying to break the criteria app: access, draft leaks, hostile input, API writes.

Every check is a real request through the test client (or DRF's APIClient). Where the app
misbehaves, the test stays and is marked xfail(strict=True) with the reason, so that it
turns red as soon as the bug is fixed and the mark can go.
"""

import copy
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from cpo_portal.activity.models import ActivityEntry
from criteria import urls as criteria_urls
from criteria.interchange import CatalogueInvalid
from criteria.models import AssessmentCriterion, CatalogueVersion, Criterion, VersionStatus
from tests.criteria.helpers import catalogue_payload, criterion_entry, import_catalogue

pytestmark = pytest.mark.django_db

OFFICE = "/office/criteria/"
API = "/api/v1/catalogue/"
SECRET = "Secret draft title"  # the draft_catalogue fixture's unique criterion title

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# A criterion code that tries to break out of an id attribute (codes are at most 20 chars).
# Codes are restricted to letters, digits, dots, dashes and underscores (a code that tries
# to break out of an attribute is refused at import: see the test below).
EVIL_CODE = "2.1.9-x_y"
BREAKOUT_CODE = '"><svg onload=1>'
# What must never appear raw in a page: each is the unescaped core of a payload above.
RAW_MARKERS = ("<script>alert", "alert(1)</script>", "<img src=x", "onerror=alert(1)>", "<svg")


def _counts() -> dict[str, int]:
    with scopes_disabled():
        activity = ActivityEntry.objects.count()
    return {
        "versions": CatalogueVersion.objects.count(),
        "criteria": Criterion.objects.count(),
        "assessment_criteria": AssessmentCriterion.objects.count(),
        "activity": activity,
        "statuses": tuple(CatalogueVersion.objects.order_by("pk").values_list("code", "status")),
        "titles": tuple(Criterion.objects.order_by("pk").values_list("code", "title_en")),
    }


def _upload(payload, name="catalogue.yaml") -> SimpleUploadedFile:
    text = yaml.safe_dump(payload, allow_unicode=True, sort_keys=False)
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def _raw_file(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _assert_escaped(body: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in body, f"{where}: unescaped {marker!r}"


def _assert_shown_escaped(body: str, where: str) -> None:
    """The hostile text reached the page (so the check above means something), escaped."""
    _assert_escaped(body, where)
    assert "&lt;script&gt;" in body or "&lt;img src=x" in body or "&lt;svg" in body, where


# --- 1. The office pages, for everyone but the office ---------------------------------------

# The office's patterns of criteria.urls: their names start with "office_".
OFFICE_PATTERNS = [p for p in criteria_urls.urlpatterns if p.name.startswith("office_")]


def _param_values(name: str, version: CatalogueVersion) -> list[dict]:
    """Real keyword arguments for the office URL `name` under `version`."""
    category = version.categories.order_by("position").first()
    criterion = version.criteria.order_by("pk").first()
    kwargs_by_name = {
        "office_versions": [{}],
        "office_import": [{}],
        "office_new_draft": [{}],
        "office_version": [{"code": version.code}],
        "office_publish": [{"code": version.code}],
        "office_retire": [{"code": version.code}],
        "office_export": [{"code": version.code, "fmt": fmt} for fmt in ("yaml", "json", "csv")],
        "office_category_edit": [{"code": version.code, "pk": category.pk}],
        "office_criterion_add": [{"code": version.code}],
        "office_criterion_edit": [{"code": version.code, "pk": criterion.pk}],
        "office_criterion_delete": [{"code": version.code, "pk": criterion.pk}],
        "office_scheme_edit": [
            {"code": version.code, "kind": kind} for kind in ("organizational", "product")
        ],
        "office_mapping_edit": [
            {
                "code": version.code,
                "kind": kind,
                "pk": AssessmentCriterion.objects.filter(scheme__version=version, scheme__kind=kind)
                .order_by("pk")
                .first()
                .pk,
            }
            for kind in ("organizational", "product")
        ],
    }
    return kwargs_by_name[name]


def _office_urls(draft: CatalogueVersion, published: CatalogueVersion) -> list[str]:
    """Every office pattern of criteria.urls, filled with a draft's and a published version's
    real values. A new pattern that this helper cannot fill fails the test on purpose."""
    urls: list[str] = []
    for pattern in OFFICE_PATTERNS:
        params = set(pattern.pattern.converters)
        filled = False
        for version in (draft, published):
            for kwargs in _param_values(pattern.name, version):
                assert set(kwargs) == params, (pattern.name, params)
                urls.append(reverse(f"criteria:{pattern.name}", kwargs=kwargs))
                filled = True
            if not params:
                break  # no version in the URL: once is enough
        assert filled, pattern.name
    return sorted(set(urls))


def _hostile_post_data(published: CatalogueVersion, category_pk: int) -> dict:
    """Data that would change something if the view accepted it (see the control test)."""
    return {
        "confirm": "on",
        "source": published.code,
        "code": "hijack-1",
        "category": category_pk,
        "title_en": "Hijacked",
        "title_de": "Gekapert",
        "text_en": "Hijacked text.",
        "text_de": "Gekaperter Text.",
        "description_en": "Hijacked.",
        "obligation": "shall",
        "applies_to": ["it_vendor"],
        "publish": "on",
        "verifies": [c.pk for c in published.criteria.all()[:1]],
        "should_share": "0.10",
        "validity_months": "1",
        "surveillance_months": "1",
        "file": _upload(catalogue_payload("hijack-2")),
    }


@pytest.fixture
def two_versions(catalogue_v1, draft_catalogue):
    return draft_catalogue, catalogue_v1


def test_every_office_pattern_is_enumerated(two_versions):
    draft, published = two_versions
    urls = _office_urls(draft, published)
    names = {p.name for p in OFFICE_PATTERNS}
    assert len(names) == len(OFFICE_PATTERNS) == 13
    # 3 pages without a version + 2 versions × (7 single URLs, 3 exports, 2 schemes, 2 mappings)
    assert len(urls) == 3 + 2 * 14
    assert any(f"/versions/{draft.code}/criteria/" in u for u in urls)
    assert any(f"/versions/{published.code}/schemes/product/criteria/" in u for u in urls)


def test_control_the_hostile_post_data_does_change_things_for_the_office(
    client, office_user, two_versions
):
    """The refusals below mean something only if the same POSTs work for the office."""
    draft, published = two_versions
    client.force_login(office_user)
    category = draft.categories.first()
    before = _counts()
    response = client.post(
        f"{OFFICE}versions/{draft.code}/criteria/add/", _hostile_post_data(published, category.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Criterion.objects.filter(version=draft, code="hijack-1").exists()
    response = client.post(f"{OFFICE}import/", _hostile_post_data(published, category.pk))
    assert response.status_code == 302
    assert CatalogueVersion.objects.filter(code="hijack-2", status=VersionStatus.PUBLISHED).exists()
    assert _counts() != before


def test_anonymous_visitor_is_sent_to_sign_in_and_writes_nothing(client, two_versions):
    draft, published = two_versions
    category = draft.categories.first()
    before = _counts()
    for url in _office_urls(draft, published):
        for method in ("get", "post"):
            data = _hostile_post_data(published, category.pk) if method == "post" else None
            response = getattr(client, method)(url, data)
            assert response.status_code == 302, (method, url, response.status_code)
            login = reverse("account_login")
            assert response["Location"].startswith(f"{login}?next="), (method, url)
    assert _counts() == before


@pytest.mark.parametrize("who", ["alice", "charlie", "auditor_user"])
def test_signed_in_non_office_users_get_404_and_write_nothing(client, request, two_versions, who):
    draft, published = two_versions
    category = draft.categories.first()
    client.force_login(request.getfixturevalue(who))
    before = _counts()
    answers = {}
    for url in _office_urls(draft, published):
        answers[("get", url)] = client.get(url).status_code
        answers[("post", url)] = client.post(
            url, _hostile_post_data(published, category.pk)
        ).status_code
    assert set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}
    assert _counts() == before


def test_office_user_without_mfa_is_sent_to_mfa_setup_and_writes_nothing(
    client, office_user_without_mfa, two_versions
):
    draft, published = two_versions
    category = draft.categories.first()
    client.force_login(office_user_without_mfa)
    before = _counts()
    mfa = reverse("mfa_activate_totp")
    for url in _office_urls(draft, published):
        for method in ("get", "post"):
            data = _hostile_post_data(published, category.pk) if method == "post" else None
            response = getattr(client, method)(url, data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"] == mfa, (method, url, response["Location"])
    assert _counts() == before


def test_office_user_without_mfa_cannot_download_an_export(
    client, office_user_without_mfa, two_versions
):
    draft, _published = two_versions
    client.force_login(office_user_without_mfa)
    for fmt in ("yaml", "json", "csv"):
        response = client.get(f"{OFFICE}versions/{draft.code}/export/{fmt}/")
        assert response.status_code == 302
        assert SECRET not in _body(response)


# --- 2. Drafts never leak ------------------------------------------------------------------


def _draft_public_pages(draft: str, published: str) -> list[tuple[str, int]]:
    return [
        (f"/criteria/{draft}/", 404),
        (f"/criteria/{draft}/2.1.1/", 404),
        (f"/criteria/{draft}/2.4.1/", 404),
        (f"/criteria/{draft}/schemes/organizational/", 404),
        (f"/criteria/{draft}/schemes/product/", 404),
        (f"/criteria/diff/?from={published}&to={draft}", 400),
        (f"/criteria/diff/?from={draft}&to={published}", 400),
        (f"/criteria/{draft}/?q=Secret", 404),
    ]


def _draft_api_endpoints(draft: str, published: str) -> list[tuple[str, int]]:
    return [
        (f"{API}versions/{draft}/", 404),
        (f"{API}versions/{draft}/categories/", 404),
        (f"{API}versions/{draft}/criteria/", 404),
        (f"{API}versions/{draft}/criteria/?q=Secret", 404),
        (f"{API}versions/{draft}/criteria/2.1.1/", 404),
        (f"{API}versions/{draft}/schemes/", 404),
        (f"{API}diff/?from={published}&to={draft}", 400),
        (f"{API}diff/?from={draft}&to={published}", 400),
    ]


@pytest.mark.parametrize("who", [None, "alice", "auditor_user", "office_user"])
def test_draft_pages_are_404_and_never_show_the_draft(client, request, two_versions, who):
    draft, published = two_versions
    if who:
        client.force_login(request.getfixturevalue(who))
    for url, expected in _draft_public_pages(draft.code, published.code):
        response = client.get(url)
        assert response.status_code == expected, (url, response.status_code)
        assert SECRET not in _body(response), url
    # The pages that do exist list the published version and nothing of the draft.
    for url in (
        "/criteria/",
        "/criteria/versions/",
        "/criteria/diff/",
        f"/criteria/{published.code}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        assert SECRET not in body, url
        assert draft.code not in body, url


@pytest.mark.parametrize("who", [None, "alice", "office_user"])
def test_draft_api_endpoints_are_404_and_never_show_the_draft(request, two_versions, who):
    draft, published = two_versions
    api = APIClient()
    if who:
        api.force_login(request.getfixturevalue(who))
    for url, expected in _draft_api_endpoints(draft.code, published.code):
        response = api.get(url)
        assert response.status_code == expected, (url, response.status_code)
        assert SECRET not in _body(response), url
    listing = api.get(f"{API}versions/")
    assert listing.status_code == 200
    assert SECRET not in _body(listing)
    assert draft.code not in [v["code"] for v in listing.json()["results"]]


def test_a_draft_that_was_only_a_draft_stays_hidden_after_a_sibling_is_published(
    client, two_versions
):
    """Publishing another version (e.g. a copy of the draft) does not reveal the draft."""
    draft, _published = two_versions
    payload = catalogue_payload("v3")
    import_catalogue(payload)
    for url, expected in _draft_public_pages(draft.code, "v3"):
        response = client.get(url)
        assert response.status_code == expected, url
        assert SECRET not in _body(response)


# --- 3. Hostile input ------------------------------------------------------------------------


def _hostile_payload(code: str) -> dict:
    payload = catalogue_payload(code)
    payload["title"] = {"en": f"Title {SCRIPT}", "de": f"Titel {IMG}"}
    payload["notes"] = {"en": f"Notes {SCRIPT}\n{IMG}", "de": f"Notizen {IMG}"}
    payload["categories"][0]["title"] = {"en": f"Cat {SCRIPT}", "de": f"Kat {IMG}"}
    payload["categories"][0]["description"] = {"en": f"About {IMG}", "de": f"Über {SCRIPT}"}
    entry = criterion_entry(payload, "2.1.1")
    entry["title"] = {"en": f"Neutral {SCRIPT} formats", "de": f"Neutrale {IMG} Formate"}
    entry["text"] = {
        "en": f"The system exports {IMG} its product data {SCRIPT} in an openly documented format.",
        "de": f"Das System {SCRIPT} exportiert {IMG}.",
    }
    # An added criterion with a hostile code and title, listed as "added" in the diff.
    payload["categories"][0]["criteria"].append(
        {
            "code": EVIL_CODE,
            "title": {"en": f"Added {IMG}", "de": f"Neu {SCRIPT}"},
            "text": {"en": f"Added text {SCRIPT}", "de": f"Neuer Text {IMG}"},
            "obligation": "should",
            "applies_to": ["it_vendor"],
        }
    )
    organizational = payload["schemes"][0]
    organizational["title"] = {"en": f"Org {SCRIPT}", "de": f"Org {IMG}"}
    area = organizational["subject_areas"][0]
    area["title"] = {"en": f"Area {IMG}", "de": f"Bereich {SCRIPT}"}
    area["criteria"][0]["title"] = {"en": f"Check {SCRIPT}", "de": f"Prüfung {IMG}"}
    area["criteria"][0]["text"] = {"en": f"Text {IMG}", "de": f"Text {SCRIPT}"}
    area["criteria"][0]["verifies"] = ["2.1.1", EVIL_CODE]
    return payload


@pytest.fixture
def hostile(catalogue_v1):
    """v1 (clean, published) and "hx" (hostile, published after it) and "hx-draft"."""
    version = import_catalogue(_hostile_payload("hx"))
    draft = import_catalogue(_hostile_payload("hx-draft"), publish=False)
    return catalogue_v1, version, draft


@pytest.mark.parametrize("language", ["en", "de"])
def test_hostile_catalogue_text_is_escaped_on_every_public_page(client, hostile, language):
    _v1, version, _draft = hostile
    client.cookies["django_language"] = language
    criterion_url = reverse("criteria:criterion", args=[version.code, EVIL_CODE])
    pages = [
        "/criteria/",
        "/criteria/versions/",
        f"/criteria/{version.code}/",
        f"/criteria/{version.code}/?q=system",
        f"/criteria/{version.code}/2.1.1/",
        criterion_url,
        f"/criteria/{version.code}/schemes/organizational/",
        f"/criteria/{version.code}/schemes/product/",
        f"/criteria/diff/?from=v1&to={version.code}",
        f"/criteria/diff/?from={version.code}&to=v1",
    ]
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (url, response.status_code)
        _assert_shown_escaped(_body(response), url)
    # The text is there, escaped, not dropped: the diff shows the inserted words.
    diff = _body(client.get(f"/criteria/diff/?from=v1&to={version.code}"))
    assert "&lt;script&gt;" in diff or "&lt;img" in diff
    assert "<ins>" in diff
    page = _body(client.get(f"/criteria/{version.code}/2.1.1/"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;img src=x" in page


def test_hostile_catalogue_text_is_escaped_in_the_api(hostile):
    """JSON is not HTML, but it must come out as JSON strings, unchanged and well-formed."""
    _v1, version, _draft = hostile
    api = APIClient()
    response = api.get(f"{API}versions/{version.code}/criteria/2.1.1/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert SCRIPT in response.json()["title"]["en"]


def test_hostile_catalogue_text_is_escaped_in_the_office(client, office_user, hostile):
    _v1, version, draft = hostile
    client.force_login(office_user)
    criterion = draft.criteria.get(code="2.1.1")
    evil = draft.criteria.get(code=EVIL_CODE)
    category = criterion.category
    mapping = AssessmentCriterion.objects.filter(
        scheme__version=draft, scheme__kind="organizational"
    ).first()
    pages = [
        OFFICE,
        f"{OFFICE}versions/{draft.code}/",
        f"{OFFICE}versions/{version.code}/",
        f"{OFFICE}versions/{draft.code}/publish/",
        f"{OFFICE}versions/{version.code}/retire/",
        f"{OFFICE}versions/{draft.code}/categories/{category.pk}/",
        f"{OFFICE}versions/{draft.code}/criteria/{criterion.pk}/",
        f"{OFFICE}versions/{draft.code}/criteria/{evil.pk}/",
        f"{OFFICE}versions/{draft.code}/criteria/{criterion.pk}/delete/",
        f"{OFFICE}versions/{draft.code}/criteria/add/",
        f"{OFFICE}versions/{draft.code}/schemes/organizational/",
        f"{OFFICE}versions/{draft.code}/schemes/organizational/criteria/{mapping.pk}/mapping/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _assert_shown_escaped(_body(response), url)
    # The new-draft form lists the versions by code only.
    _assert_escaped(_body(client.get(f"{OFFICE}new-draft/")), "new-draft")


def test_import_errors_with_hostile_values_and_file_name_are_escaped(client, office_user):
    client.force_login(office_user)
    payload = catalogue_payload("hx-bad")
    criterion_entry(payload, "2.1.1")["obligation"] = SCRIPT
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["verifies"] = [IMG]
    before = _counts()
    response = client.post(f"{OFFICE}import/", {"file": _upload(payload, name=f"{IMG}.yaml")})
    assert response.status_code == 200
    body = _body(response)
    _assert_escaped(body, "import errors")
    assert "&lt;script&gt;" in body  # the error names the bad value, escaped
    assert _counts() == before


# Search and filters ---------------------------------------------------------------------

ODD_QUERIES = [
    "%",
    "_",
    "%%",
    "'",
    '"',
    "\\",
    "\\%",
    "' OR 1=1 --",
    '"; DROP TABLE criteria_criterion; --',
    ".*",
    "(",
    "[a-",
    "*",
    "$where",
    SCRIPT,
    IMG,
    "\x00",
    "\u202e\ufeff",
    "😀",
    "a" * 5000,
    "x " * 2500,
]


@pytest.mark.parametrize("q", ODD_QUERIES, ids=lambda q: repr(q[:12]))
def test_odd_search_queries_on_the_catalogue_page_are_200(client, catalogue_v1, q):
    for url in ("/criteria/", f"/criteria/{catalogue_v1.code}/"):
        response = client.get(url, {"q": q})
        assert response.status_code == 200, (url, response.status_code)
        _assert_escaped(_body(response), url)
    # % and _ are not wildcards: nothing in the catalogue contains them.
    if q in ("%", "_", "%%", "\\%"):
        assert client.get(f"/criteria/{catalogue_v1.code}/", {"q": q}).context["shown"] == 0


@pytest.mark.parametrize("q", ODD_QUERIES, ids=lambda q: repr(q[:12]))
def test_odd_search_queries_in_the_api_are_200_or_400(catalogue_v1, q):
    response = APIClient().get(f"{API}versions/{catalogue_v1.code}/criteria/", {"q": q})
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert "q" in response.json()
    elif q in ("%", "_", "%%", "\\%"):
        assert response.json()["count"] == 0


BAD_FILTERS = [
    {"obligation": "bogus"},
    {"obligation": SCRIPT},
    {"group": "nobody"},
    {"group": IMG},
    {"obligation": ["shall", "may"], "group": ["it_vendor", "x"]},
    {"category": "9" * 500},
    {"category": "' OR 1=1"},
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999999"},
    {"page": "1e9"},
    {"page_size": "100000"},
    {"format": "xml"},
    {"unknown": "1"},
    {"from": "v1", "to": "v1"},
]


@pytest.mark.parametrize("params", BAD_FILTERS, ids=lambda p: "-".join(p)[:30])
def test_unknown_or_invalid_filter_values_never_500(client, catalogue_v1, params):
    for url in ("/criteria/", f"/criteria/{catalogue_v1.code}/", "/criteria/versions/"):
        response = client.get(url, params)
        assert response.status_code in (200, 404), (url, response.status_code)
        _assert_escaped(_body(response), url)
    api = APIClient()
    for url in (
        f"{API}versions/",
        f"{API}versions/{catalogue_v1.code}/criteria/",
        f"{API}versions/{catalogue_v1.code}/categories/",
    ):
        response = api.get(url, params)
        assert response.status_code in (200, 400, 404), (url, response.status_code)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "v1"},
        {"to": "v1"},
        {"from": "v1", "to": "v1"},
        {"from": "", "to": ""},
        {"from": "nope", "to": "v1"},
        {"from": SCRIPT, "to": IMG},
        {"from": "x" * 5000, "to": "v1"},
        {"from": "\x00", "to": "v1"},
        {"from": ["v1", "v2"], "to": ["v2", "v1"]},
    ],
    ids=lambda p: repr(p)[:30],
)
def test_bad_diff_parameters_are_400_never_500(client, catalogue_v2, params):
    response = client.get("/criteria/diff/", params)
    assert response.status_code in (200, 400), response.status_code
    _assert_escaped(_body(response), "diff")
    response = APIClient().get(f"{API}diff/", params)
    assert response.status_code in (200, 400), response.status_code


# Odd version and criterion codes in URLs ------------------------------------------------

ODD_SEGMENTS = [
    "..",
    "%2e%2e",
    ".",
    "-",
    "v1%0A",
    "v1%0D%0ASet-Cookie:x=1",
    "v1'",
    'v1"',
    "v1;DROP",
    "v1%27%20OR%201=1",
    "%C3%BC",
    "%FF",
    "%F0%9F%98%80",
    "a" * 41,
    "a" * 5000,
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "v1%2F..",
    "versions",
    "diff",
]


@pytest.mark.parametrize("segment", ODD_SEGMENTS, ids=lambda s: s[:20])
def test_odd_version_codes_in_public_urls_are_404(client, catalogue_v1, segment):
    for url in (
        f"/criteria/{segment}/",
        f"/criteria/{segment}/2.1.1/",
        f"/criteria/{segment}/schemes/product/",
        f"/criteria/{catalogue_v1.code}/{segment}/",
        f"/criteria/{catalogue_v1.code}/schemes/{segment}/",
    ):
        if segment in ("versions", "diff") and url in (f"/criteria/{segment}/",):
            continue  # pages of their own
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        _assert_escaped(_body(response), url)


@pytest.mark.parametrize("segment", ODD_SEGMENTS, ids=lambda s: s[:20])
def test_odd_version_codes_in_api_urls_are_404(catalogue_v1, segment):
    api = APIClient()
    for url in (
        f"{API}versions/{segment}/",
        f"{API}versions/{segment}/categories/",
        f"{API}versions/{segment}/criteria/",
        f"{API}versions/{segment}/criteria/2.1.1/",
        f"{API}versions/{segment}/schemes/",
        f"{API}versions/{catalogue_v1.code}/criteria/{segment}/",
    ):
        response = api.get(url)
        assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("segment", ODD_SEGMENTS, ids=lambda s: s[:20])
def test_odd_version_codes_in_office_urls_are_404(client, office_user, catalogue_v1, segment):
    client.force_login(office_user)
    for url in (
        f"{OFFICE}versions/{segment}/",
        f"{OFFICE}versions/{segment}/publish/",
        f"{OFFICE}versions/{segment}/export/yaml/",
        f"{OFFICE}versions/{segment}/schemes/product/",
        f"{OFFICE}versions/{catalogue_v1.code}/export/{segment}/",
        f"{OFFICE}versions/{catalogue_v1.code}/schemes/{segment}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)


ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]
NUL_REASON = (
    "PostgreSQL refuses NUL in a text parameter (psycopg ValueError), and a NUL from a "
    "<str:...> path segment reaches the query unchecked: criteria/selectors/catalogue.py "
    "public_version() / criterion_of_version() (public pages and API) and "
    "criteria/views/catalogue.py office_version() "
    "answer 500 instead of 404; SQLite accepts NUL, so only a PostgreSQL run shows it"
)
NUL_URLS = [
    "/criteria/v1%00/",
    "/criteria/v1/%00/",
    "/criteria/v1/2.1.1%00/",
    "/criteria/v1/schemes/%00/",
    f"{API}versions/%00/",
    f"{API}versions/v1%00/categories/",
    f"{API}versions/v1%00/criteria/",
    f"{API}versions/v1%00/schemes/",
    f"{API}versions/v1/criteria/2.1.1%00/",
    f"{API}diff/?from=v1%00&to=v1",
]
NUL_OFFICE_URLS = [
    f"{OFFICE}versions/v1%00/",
    f"{OFFICE}versions/v1%00/publish/",
    f"{OFFICE}versions/v1%00/export/yaml/",
    f"{OFFICE}versions/v1%00/criteria/add/",
    f"{OFFICE}versions/v1/schemes/product%00/",
]


def _statuses(client, urls):
    return {url: client.get(url).status_code for url in urls}


def test_nul_in_public_and_api_urls_is_404(catalogue_v1):
    # A 500 is recorded, not raised, so the assertion names every URL that fails.
    client = Client(raise_request_exception=False)
    api = APIClient(raise_request_exception=False)
    answers = _statuses(client, NUL_URLS[:4]) | _statuses(api, NUL_URLS[4:-1])
    assert set(answers.values()) == {404}, {u: c for u, c in answers.items() if c != 404}
    assert api.get(NUL_URLS[-1]).status_code == 400


def test_nul_in_office_urls_is_404(office_user, catalogue_v1):
    client = Client(raise_request_exception=False)
    client.force_login(office_user)
    answers = _statuses(client, NUL_OFFICE_URLS)
    assert set(answers.values()) == {404}, {u: c for u, c in answers.items() if c != 404}


def test_overlong_integer_ids_in_office_urls_are_404(client, office_user, catalogue_v1):
    client.force_login(office_user)
    huge = "9" * 30
    for url in (
        f"{OFFICE}versions/{catalogue_v1.code}/categories/{huge}/",
        f"{OFFICE}versions/{catalogue_v1.code}/criteria/{huge}/",
        f"{OFFICE}versions/{catalogue_v1.code}/criteria/{huge}/delete/",
        f"{OFFICE}versions/{catalogue_v1.code}/schemes/product/criteria/{huge}/mapping/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"confirm": "on"}).status_code == 404, url


# The import form ------------------------------------------------------------------------


def _import(client, upload, publish=False):
    data = {"file": upload}
    if publish:
        data["publish"] = "on"
    return client.post(f"{OFFICE}import/", data)


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


def _assert_refused(response, before, *needles: str) -> str:
    assert response.status_code == 200, response.status_code
    body = _body(response)
    for needle in needles:
        assert needle in body, needle
    assert _counts() == before
    return body


def test_import_of_a_non_utf8_file_is_refused_clearly(office, catalogue_v1):
    before = _counts()
    text = yaml.safe_dump(catalogue_payload("latin-1"), allow_unicode=True)
    text = text.replace("Interoperabilität", "Interoperabilität ÄÖÜ")
    response = _import(office, _raw_file(text.encode("latin-1"), "catalogue.yaml"))
    _assert_refused(response, before, "not UTF-8")
    response = _import(office, _raw_file(b"\xff\xfe\x00{\x00}", "catalogue.json"))
    _assert_refused(response, before, "not UTF-8")


def test_import_of_a_6_mb_file_is_refused_clearly(office, catalogue_v1):
    before = _counts()
    payload = catalogue_payload("huge-1")
    payload["notes"] = {"en": "x" * (6 * 1024 * 1024), "de": "y"}
    upload = _raw_file(json.dumps(payload).encode(), "catalogue.json")
    assert upload.size > 6 * 1024 * 1024
    response = _import(office, upload, publish=True)
    _assert_refused(response, before, "larger than 5 MB")


def test_import_of_a_file_with_a_wrong_suffix_is_refused(office, catalogue_v1):
    before = _counts()
    text = yaml.safe_dump(catalogue_payload("exe-1")).encode()
    for name in ("catalogue.exe", "catalogue.yaml.exe", "catalogue", ".yaml.", "x.YAML.txt"):
        response = _import(office, _raw_file(text, name))
        _assert_refused(response, before, ".yaml, .yml or .json")


def test_import_of_an_empty_file_is_refused(office, catalogue_v1):
    before = _counts()
    response = _import(office, _raw_file(b"", "catalogue.yaml"))
    assert response.status_code == 200
    assert _counts() == before


@pytest.mark.parametrize(
    "name,content",
    [
        ("list.json", b'[{"format": "cpo-catalogue/1"}]'),
        ("list.yaml", b"- format: cpo-catalogue/1\n- version: v9\n"),
        ("scalar.json", b'"cpo-catalogue/1"'),
        ("null.json", b"null"),
        ("null.yaml", b"~\n"),
        ("number.yaml", b"42\n"),
    ],
)
def test_import_of_a_non_mapping_file_is_refused_clearly(office, catalogue_v1, name, content):
    before = _counts()
    response = _import(office, _raw_file(content, name), publish=True)
    _assert_refused(response, before, "must contain one mapping")


@pytest.mark.parametrize(
    "name,content",
    [
        ("broken.json", b'{"format": "cpo-catalogue/1",'),
        ("broken.yaml", b"format: [unclosed\n"),
        ("tab.yaml", b"format:\tcpo\n\t- x: y\n"),
        ("python.yaml", b"format: !!python/object/apply:os.system ['echo pwned']\n"),
        ("tag.yaml", b"format: !custom x\n"),
        ("dupkey.yaml", b"? [a, b]\n: c\n"),
    ],
)
def test_import_of_a_malformed_file_is_refused_clearly(office, catalogue_v1, name, content):
    before = _counts()
    response = _import(office, _raw_file(content, name), publish=True)
    _assert_refused(response, before, "Malformed file")


# Inputs that make the YAML/JSON reader itself raise something other than a parse error.
PARSER_CRASHES = [
    pytest.param(
        "timestamp.yaml",
        b"format: cpo-catalogue/1\nversion: 2024-13-45\n",
        id="invalid-yaml-date",
    ),
    pytest.param(
        "bigint.yaml", b"format: cpo-catalogue/1\nversion: " + b"1" * 5000 + b"\n", id="yaml-int"
    ),
    pytest.param("bigint.json", b'{"version": ' + b"1" * 5000 + b"}", id="json-int"),
    pytest.param("deep.json", b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", id="json-deep"),
    pytest.param("deep.yaml", b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", id="yaml-deep"),
]


@pytest.mark.parametrize("name,content", PARSER_CRASHES)
def test_import_of_a_file_that_crashes_the_reader_is_refused_clearly(
    office, catalogue_v1, name, content
):
    before = _counts()
    response = _import(office, _raw_file(content, name), publish=True)
    _assert_refused(response, before, "Malformed file")


def _billion_laughs(levels: int = 9, *, anchor_at: str = "obligation") -> str:
    """The classic alias bomb: `levels` levels of 9 aliases each, 9**levels leaves."""
    lines = ['lol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    top = f"*l{levels - 1}"
    body = {
        "obligation": f"""\
categories:
- number: '2.1'
  key: k
  title: {{en: T}}
  criteria:
  - code: '2.1.1'
    title: {{en: T}}
    text: {{en: T}}
    obligation: {top}
""",
        "verifies": f"""\
categories:
- number: '2.1'
  key: k
  title: {{en: T}}
  criteria:
  - code: '2.1.1'
    title: {{en: T}}
    text: {{en: T}}
    obligation: shall
schemes:
- kind: product
  title: {{en: T}}
  subject_areas:
  - category: '2.1'
    criteria:
    - code: P-1
      title: {{en: T}}
      text: {{en: T}}
      obligation: shall
      verifies: [{top}]
""",
        "kind": f"schemes:\n- kind: {top}\n  title: {{en: T}}\n",
        "toplevel": f"categories: {top}\nschemes: {top}\ntitle: {top}\nlanguages: {top}\n",
    }[anchor_at]
    return "\n".join(lines) + "\n" + body


def test_billion_laughs_yaml_safe_load_itself_is_bounded():
    """PyYAML shares aliased nodes instead of copying them: loading the bomb is instant."""
    started = time.monotonic()
    data = yaml.safe_load(_billion_laughs(9))
    assert time.monotonic() - started < 2
    assert data["lol8"][0] is data["lol8"][1]


def test_billion_laughs_whose_aliases_are_never_printed_is_refused_quickly(office, catalogue_v1):
    before = _counts()
    text = _billion_laughs(9, anchor_at="toplevel")
    started = time.monotonic()
    response = _import(office, _raw_file(text.encode(), "bomb.yaml"))
    elapsed = time.monotonic() - started
    body = _assert_refused(response, before, "not imported")
    assert elapsed < 2, elapsed
    assert len(body) < 200_000


BOMB_REASON = (
    "criteria/interchange.py normalize() puts the raw value into error messages "
    "(_Validator.obligation: f'invalid obligation {value!r}'; verifies: str(target); schemes: "
    "kinds.add(str(kind))): an aliased YAML 'billion laughs' value of a few hundred bytes is "
    "expanded by repr()/str() into gigabytes (7 levels: a 35 MB error message, 8 levels: "
    "4.5 s and 650 MB, 9 levels: minutes and several GB) - a denial of service of the worker"
)


@pytest.mark.parametrize("anchor_at", ["obligation", "verifies"])
def test_billion_laughs_in_a_printed_field_gets_a_short_answer(office, catalogue_v1, anchor_at):
    """Seven levels (4.8 million leaves) keep this test in-process and safe to run; the
    full bomb is in the subprocess test below."""
    before = _counts()
    text = _billion_laughs(7, anchor_at=anchor_at)
    assert len(text) < 1000
    started = time.monotonic()
    response = _import(office, _raw_file(text.encode(), "bomb.yaml"))
    elapsed = time.monotonic() - started
    body = _assert_refused(response, before, "not imported")
    assert len(body) < 200_000, f"a {len(text)}-byte upload produced a {len(body)}-byte page"
    assert elapsed < 2, elapsed


_BOMB_CHILD = textwrap.dedent(
    """
    import os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
    os.environ.setdefault("CPO_TESTING", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo_portal.settings")
    import django
    django.setup()
    from criteria.interchange import CatalogueInvalid, normalize, parse
    text = sys.stdin.read()
    # From here on, at most about 2 s of CPU: a bomb gets the child killed (SIGXCPU).
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (spent + 2, spent + 3))
    started = time.monotonic()
    try:
        normalize(parse(text.encode(), filename="bomb.yaml"))
    except CatalogueInvalid as exc:
        longest = max(len(str(e)) for e in exc.errors)
        print(f"refused {time.monotonic() - started:.2f} {longest}")
    """
)


def _run_bomb_child(text: str) -> tuple[str, str, str]:
    """parse() + normalize() in a child process with 1.5 GB of address space; Django's
    start-up is not part of the 2 s: the child measures the parsing itself and gets about
    2 s of CPU for it, and the whole child is killed after 20 s."""
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BOMB_CHILD],
            input=text,
            capture_output=True,
            text=True,
            timeout=20,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("normalize() did not refuse the bomb within 20 s")
    assert done.returncode == 0, f"child ended with {done.returncode}: {done.stderr[-2000:]}"
    verdict, seconds, longest = done.stdout.split()
    return verdict, seconds, longest


@pytest.mark.parametrize("anchor_at", ["obligation", "verifies", "kind"])
def test_full_billion_laughs_is_refused_within_two_seconds(anchor_at):
    """The full nine-level bomb, in a child process with 1.5 GB of address space and a
    deadline, so that a failure cannot take the test run down with it."""
    verdict, seconds, longest = _run_bomb_child(_billion_laughs(9, anchor_at=anchor_at))
    assert verdict == "refused"
    assert float(seconds) < 2
    assert int(longest) < 10_000


@pytest.mark.parametrize("anchor_at", ["obligation", "verifies", "kind"])
def test_control_the_bomb_harness_reports_a_small_bomb_as_refused(anchor_at):
    """Two levels (81 leaves): the child process starts, refuses and reports in time, so the
    xfail above fails because of the bomb and not because of the harness."""
    verdict, seconds, _longest = _run_bomb_child(_billion_laughs(2, anchor_at=anchor_at))
    assert verdict == "refused"
    assert float(seconds) < 2


def test_import_with_a_reserved_or_odd_version_code_is_refused(office, catalogue_v1):
    before = _counts()
    for code in ("versions", "diff", "../v1", "v 1", "v1/x", "", "a" * 41, "<b>"):
        payload = catalogue_payload("x")
        payload["version"] = code
        response = _import(office, _upload(payload), publish=True)
        _assert_refused(response, before, "version")


def test_import_with_a_version_code_ending_in_a_newline_is_refused(office, catalogue_v1):
    before = _counts()
    payload = catalogue_payload("v9\n")
    response = _import(office, _upload(payload), publish=True)
    _assert_refused(response, before, "version")


def test_a_version_code_ending_in_a_newline_does_not_break_any_page(office_user, catalogue_v1):
    office = Client(raise_request_exception=False)
    office.force_login(office_user)
    visitor = Client(raise_request_exception=False)
    with pytest.raises(CatalogueInvalid) as refused:
        import_catalogue(catalogue_payload("v9\n"))
    assert [e.path for e in refused.value.errors] == ["version"]
    answers = _statuses(office, [f"{OFFICE}versions/v9%0A/export/{f}/" for f in ("yaml", "csv")])
    answers |= _statuses(
        visitor,
        [
            "/criteria/",
            "/criteria/versions/",
            "/criteria/diff/",
            f"{API}versions/",
            f"{API}versions/v9%0A/",
            f"{API}versions/v9%0A/criteria/",
        ],
    )
    assert {u: c for u, c in answers.items() if "%0A" not in u} == {
        u: 200 for u in answers if "%0A" not in u
    }
    assert {c for u, c in answers.items() if "%0A" in u} == {404}


@pytest.mark.parametrize("code", [BREAKOUT_CODE, "2.1/1", "2.1.1\n", " 2.1.1", "2.1 1"])
def test_codes_that_would_break_a_url_or_an_attribute_are_refused(code):
    payload = catalogue_payload("codes-1")
    criterion_entry(payload, "2.1.1")["code"] = code
    with pytest.raises(CatalogueInvalid) as refused:
        import_catalogue(payload)
    assert any(e.path.endswith(".code") for e in refused.value.errors)


def test_a_criterion_code_with_a_slash_does_not_break_the_public_catalogue(
    client, office, catalogue_v1
):
    payload = catalogue_payload("slash-1")
    criterion_entry(payload, "2.1.1")["code"] = "2.1/1"
    for scheme in payload["schemes"]:
        for area in scheme["subject_areas"]:
            for assessment in area["criteria"]:
                assessment["verifies"] = [
                    "2.1/1" if c == "2.1.1" else c for c in assessment["verifies"]
                ]
    response = _import(office, _upload(payload), publish=True)
    if response.status_code == 200:  # refused with a clear message: fine as well
        assert "criteria[0].code" in _body(response)
        assert not CatalogueVersion.objects.filter(code="slash-1").exists()
        return
    client.logout()
    for url in (
        "/criteria/",
        "/criteria/slash-1/",
        "/criteria/slash-1/schemes/product/",
        "/criteria/diff/?from=v1&to=slash-1",
        f"{API}versions/slash-1/criteria/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_criterion_code_with_a_slash_from_the_office_form_does_not_break_the_catalogue(
    office_user, draft_catalogue
):
    office = Client()
    office.force_login(office_user)
    draft = draft_catalogue
    category = draft.categories.first()
    response = office.post(
        f"{OFFICE}versions/{draft.code}/criteria/add/",
        {
            "code": "2.1/9",
            "category": category.pk,
            "title_en": "Slash",
            "text_en": "Slash.",
            "obligation": "may",
            "applies_to": ["it_vendor"],
        },
    )
    if response.status_code == 200:  # refused with a form error: fine as well
        assert not draft.criteria.filter(code="2.1/9").exists()
        return
    assert draft.criteria.filter(code="2.1/9").exists()
    office.post(f"{OFFICE}versions/{draft.code}/publish/", {"confirm": "on"})
    assert CatalogueVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED
    visitor = Client()
    for url in ("/criteria/", f"/criteria/{draft.code}/"):
        assert visitor.get(url).status_code == 200, url


def test_import_of_a_valid_file_then_the_same_file_changes_nothing(office, catalogue_v1):
    """Control: the import path works, and re-importing is idempotent."""
    payload = catalogue_payload("again-1")
    assert _import(office, _upload(payload)).status_code == 302
    before = _counts()
    assert _import(office, _upload(copy.deepcopy(payload))).status_code == 302
    assert _counts() == before


# --- 4. The API is read-only ---------------------------------------------------------------


def _api_endpoints(version: str) -> list[str]:
    return [
        f"{API}versions/",
        f"{API}versions/{version}/",
        f"{API}versions/{version}/categories/",
        f"{API}versions/{version}/criteria/",
        f"{API}versions/{version}/criteria/2.1.1/",
        f"{API}versions/{version}/schemes/",
        f"{API}diff/?from=v1&to=v2",
    ]


def test_every_catalogue_api_route_is_covered():
    from criteria.api import urls as api_urls

    assert len(api_urls.urlpatterns) == len(_api_endpoints("v1"))


@pytest.mark.parametrize("who", [None, "alice", "office_user"])
@pytest.mark.parametrize("csrf", [False, True])
def test_api_refuses_every_write_method(request, catalogue_v2, who, csrf):
    api = APIClient(enforce_csrf_checks=csrf)
    if who:
        api.force_login(request.getfixturevalue(who))
    body = {
        "code": "v1",
        "status": "draft",
        "title": {"en": "Hijacked"},
        "obligation": "may",
        "format": "cpo-catalogue/1",
    }
    before = _counts()
    for url in _api_endpoints("v1"):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code in (401, 403, 405), (method, url, response.status_code)
            assert not 200 <= response.status_code < 300
    assert _counts() == before
    # Still there, unchanged.
    assert api.get(f"{API}versions/v1/").json()["status"] == "published"


def test_api_allows_only_read_methods(catalogue_v1):
    response = APIClient().options(f"{API}versions/v1/criteria/")
    if response.status_code == 200:
        allowed = {m.strip() for m in response["Allow"].split(",")}
        assert allowed <= {"GET", "HEAD", "OPTIONS"}, allowed


def test_openapi_schema_lists_the_catalogue_endpoints_read_only(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    expected = {
        "/api/v1/catalogue/versions/",
        "/api/v1/catalogue/versions/{version}/",
        "/api/v1/catalogue/versions/{version}/categories/",
        "/api/v1/catalogue/versions/{version}/criteria/",
        "/api/v1/catalogue/versions/{version}/criteria/{code}/",
        "/api/v1/catalogue/versions/{version}/schemes/",
        "/api/v1/catalogue/diff/",
    }
    assert expected <= set(paths), expected - set(paths)
    for path in expected:
        assert set(paths[path]) - {"parameters"} == {"get"}, (path, set(paths[path]))
