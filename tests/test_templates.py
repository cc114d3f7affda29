"""Template source that Django would print as text instead of reading it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_has_a_comment_over_several_lines():
    # `{# … #}` ends at the end of its line: a longer one is shown to every visitor as text.
    # Several lines need {% comment %} … {% endcomment %}.
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.rglob("*.*"))
        if path.suffix in {".html", ".txt", ".xml", ".svg"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert broken == []
