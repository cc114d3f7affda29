"""Script and HTML injection through every text a company or a member writes: neutralised in
the HTML pages and in the HTML the PDFs are rendered from.

Organization names, statement explanations and links, proposal texts and comments, finding
texts and annual report Markdown carry the payloads below; no page or PDF source may hold
them as live markup.
"""

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from community.markdown import render_markdown
from community.services import proposals as community
from cpo_portal.documents.models import Document
from cpo_portal.documents.registry import get_kind
from cpo_portal.documents.rendering import render_html
from cpo_portal.tenancy.services import organization_create
from criteria.models import Criterion
from signees.services.statements import (
    statement_answer_save,
    statement_publish,
    statement_start_draft,
)
from tests.community.helpers import member
from tests.signees import conftest as signee_fixtures

pytestmark = pytest.mark.django_db

published_catalogue = signee_fixtures.mini_catalogue

SCRIPT = "<script>alert('xss')</script>"
HANDLER = '<img src=x onerror="alert(1)">'
SVG = "<svg/onload=alert(1)>"
JS_LINK = "javascript:alert(document.cookie)"
ENTITY = "&lt;script&gt;alert(2)&lt;/script&gt;"
BREAKOUT = '"><iframe src="https://evil.example"></iframe>'
PAYLOAD = f"Evil {SCRIPT} {HANDLER} {SVG} {BREAKOUT} {ENTITY} & Co"

LIVE_MARKUP = [
    re.compile(r"<script[\s>]", re.I),
    re.compile(r"<img[^>]*\bonerror\s*=", re.I),
    re.compile(r"<svg[^>]*\bonload\s*=", re.I),
    re.compile(r"<iframe", re.I),
    re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I),
    # An entity the author typed must stay text, never be decoded into a tag.
    re.compile(r"<script>alert\(2\)", re.I),
]


def assert_neutralised(html: str) -> None:
    for pattern in LIVE_MARKUP:
        found = pattern.search(html)
        # The page's own <script src=...> tags for vendored assets are not payloads.
        if found and pattern.pattern.startswith("<script"):
            assert "alert(" not in html[found.start() : found.start() + 200], found
            continue
        assert found is None, (pattern.pattern, html[max(0, found.start() - 80) : found.end() + 80])


@pytest.fixture
def hostile_org(published_catalogue, alice, office_user):
    org = organization_create(by=alice, legal_name=PAYLOAD[:200], country="DE")
    member(org, alice, office_user)
    return org


@pytest.mark.parametrize(
    "text",
    [
        SCRIPT,
        HANDLER,
        SVG,
        f"[click]({JS_LINK})",
        "[click](JaVaScRiPt:alert(1))",
        f"<a href='{JS_LINK}'>x</a>",
        ENTITY,
        BREAKOUT,
        "![x](javascript:alert(1))",
        f"# Heading {SCRIPT}\n\n* item {HANDLER}",
    ],
)
def test_markdown_of_reports_never_yields_live_markup(text):
    assert_neutralised(str(render_markdown(text)))


def test_organization_name_is_escaped_on_public_pages(client, hostile_org):
    for url in [
        reverse("signees:list"),
        reverse("signees:detail", args=[hostile_org.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_neutralised(response.content.decode())
        assert "&lt;script&gt;" in response.content.decode()


def test_statement_texts_are_escaped_on_the_page_and_in_the_pdf_source(
    client,
    hostile_org,
    alice,
    published_catalogue,
):
    with scopes_disabled():
        signee = hostile_org.signee
    draft = statement_start_draft(signee=signee, by=alice)
    for criterion in Criterion.objects.filter(version=published_catalogue):
        statement_answer_save(
            statement=draft,
            criterion=criterion,
            fulfilment="partially",
            explanation=PAYLOAD,
            link="https://example.org/?q=<script>",
            by=alice,
        )
    statement = statement_publish(statement=draft, by=alice)

    page = client.get(reverse("signees:public_statement", args=[hostile_org.slug]))
    assert page.status_code == 200
    assert_neutralised(page.content.decode())

    with scopes_disabled():
        document = Document.objects.get(kind="cpo_statement", owner_id=statement.pk)
    kind = get_kind("cpo_statement")
    html = render_html(kind.template, kind.build_context(document), language="en")
    assert_neutralised(html)
    assert "&lt;script&gt;" in html


def test_proposal_texts_and_comments_are_escaped(client, hostile_org, alice):
    proposal = community.proposal_submit(
        organization=hostile_org, by=alice, kind="change", title=PAYLOAD[:200], rationale=PAYLOAD
    )
    community.proposal_comment(proposal=proposal, organization=hostile_org, by=alice, body=PAYLOAD)

    response = client.get(reverse("community:proposal", args=[proposal.pk]))

    assert response.status_code == 200
    assert_neutralised(response.content.decode())
    assert "&lt;script&gt;" in response.content.decode()
