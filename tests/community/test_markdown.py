"""The Markdown of report sections and the conference agenda (community/markdown.py): hostile
input is neutralised, ordinary formatting is kept."""

import pytest

from community.markdown import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>',
    '<p onclick="steal()" style="color:red">styled</p>',
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)><circle/></svg>",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="x"></form>',
    "<object data='x'></object><embed src='x'>",
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<div><a href="&#106;avascript:alert(1)">entity</a></div>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_neutralises_hostile_input(text):
    html = str(render_markdown(text)).lower()
    for needle in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<img",
        "<svg",
        "<style",
        "style=",
        "<form",
        "<input",
        "<object",
        "<embed",
    ):
        assert needle not in html, (text, html)


def test_markdown_keeps_ordinary_formatting():
    html = str(
        render_markdown(
            "# Year\n\nSome **bold** and *em*, a [link](https://example.org).\n\n"
            "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h3>Year</h3>" in html  # below the section's own level-2 title
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html and "<table>" in html and "<td>1</td>" in html
