"""The conference agenda is Markdown: the public pages render it as sanitized HTML, as the
annual report's sections are, never as raw text and never with a script."""

import pytest
from django.urls import reverse

from community import services
from tests.community.test_conference_rules import make_conference

pytestmark = pytest.mark.django_db

AGENDA = (
    "## Day 1\n\n"
    "- Welcome by the **CPO office**\n"
    "- [Programme](https://example.org/programme)\n\n"
    '<script>alert("agenda")</script>\n\n'
    '<a href="javascript:alert(1)" onclick="alert(2)">Workshops</a>'
)


@pytest.fixture
def conference(office_user):
    conference = make_conference(office_user)
    values = {name: getattr(conference, name) for name in services.CONFERENCE_FIELDS}
    return services.conference_save(
        by=office_user,
        year=conference.year,
        conference=conference,
        **(values | {"agenda": AGENDA}),
    )


def _agenda(client, url):
    page = client.get(url).content.decode()
    start = page.index('<div class="community-agenda">')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("current", [True, False], ids=["current", "by_year"])
def test_agenda_markdown_renders_as_html(client, conference, current):
    url = (
        reverse("community:conference")
        if current
        else reverse("community:conference_year", args=[conference.year])
    )
    agenda = _agenda(client, url)
    # Below the page's "Agenda" heading (h2), as report sections sit below their title.
    assert "<h4>Day 1</h4>" in agenda and "## Day 1" not in agenda
    assert "<li>Welcome by the <strong>CPO office</strong></li>" in agenda
    assert 'href="https://example.org/programme"' in agenda


def test_script_in_the_agenda_is_neutralised(client, conference):
    agenda = _agenda(client, reverse("community:conference"))
    assert "<script" not in agenda and "alert" not in agenda
    assert "javascript:" not in agenda and "onclick" not in agenda
    assert "Workshops" in agenda
