"""No lost updates on the annual report's sections: two Core Team members (alice of Alpha and
charlie of Beta, both elected) edit the same section; the one whose save is based on an
older version is told, with both values and who saved when, and nothing is overwritten.
"Keep mine" saves on top; a section deleted meanwhile keeps the unsaved text; a delete based
on an older version is refused too."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AnnualReport, ReportSection
from community.selectors.elections import is_core_team_member
from community.services import reports as reports_services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.community.factories import ElectionFactory

YEAR = timezone.now().year


@pytest.fixture
def core_team_of_two(alpha_member, beta_member, alpha, beta, alice, charlie, office_user):
    """alice (Alpha) and charlie (Beta) are both elected to the Core Team."""
    election = ElectionFactory(
        published=True,
        created_by=office_user,
        candidates=[(alice, alpha), (charlie, beta)],
        voters=[(alpha, alice), (beta, charlie)],
    )
    assert is_core_team_member(alice) and is_core_team_member(charlie)
    return election


@pytest.fixture
def report(core_team_of_two, alice):
    return reports_services.report_create(year=YEAR, by=alice)


@pytest.fixture
def section(report):
    return report.sections.order_by("position").first()


def save(report, section, user, version, body="Alice's text.", title="Foreword", **extra):
    return reports_services.report_section_save(
        report=report,
        section=section,
        by=user,
        title=title,
        body=body,
        expected_version=version,
        **extra,
    )


def stored(section):
    return ReportSection.objects.select_related("updated_by").get(pk=section.pk)


def logged(verb="report.section_saved"):
    with scopes_disabled():
        return ActivityEntry.objects.filter(verb=verb).count()


# --- the service --------------------------------------------------------------------------


def test_sections_start_at_version_one_and_each_save_counts_up(report, section, alice):
    assert set(report.sections.values_list("version", flat=True)) == {1}
    saved = save(report, section, alice, 1)
    again = save(report, section, alice, 2, body="Alice's second text.")
    assert (saved.version, again.version) == (2, 3)
    assert (stored(section).version, stored(section).updated_by) == (3, alice)
    added = reports_services.report_section_save(report=report, by=alice, title="Annex", body="")
    assert added.version == 1


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_section(
    report, section, alice, charlie
):
    save(report, section, alice, 1, body="Alice's text.")
    before = (logged(), AnnualReport.objects.get(pk=report.pk).updated_at)

    with pytest.raises(reports_services.ReportSectionConflict) as refused:
        save(report, section, charlie, 1, body="Charlie's text.", title="Preface")

    assert refused.value.code == "stale_version"
    assert "Alice Owner" in refused.value.messages[0]
    assert (refused.value.current.body, refused.value.current.version) == ("Alice's text.", 2)
    now = stored(section)
    assert (now.title, now.body, now.version, now.updated_by) == (
        "Foreword",
        "Alice's text.",
        2,
        alice,
    )
    # Nothing logged, and a PDF rendered before is still as current as it was.
    assert (logged(), AnnualReport.objects.get(pk=report.pk).updated_at) == before


def test_keeping_mine_saves_on_top_of_the_newer_version(report, section, alice, charlie):
    save(report, section, alice, 1, body="Alice's text.")
    kept = save(report, section, charlie, 2, body="Charlie's text.")
    assert (kept.version, kept.updated_by, stored(section).body) == (3, charlie, "Charlie's text.")


def test_the_same_values_again_are_no_conflict_and_write_nothing(report, section, alice, charlie):
    save(report, section, alice, 1, body="Agreed text.")
    before = logged()
    same = save(report, section, charlie, 1, body="Agreed text.")
    assert (same.version, same.updated_by) == (2, alice)
    assert logged() == before


def test_a_save_to_a_section_deleted_meanwhile_is_refused_and_not_recreated(
    report, section, alice, charlie
):
    reports_services.report_section_delete(
        section=ReportSection.objects.get(pk=section.pk), by=alice
    )
    with pytest.raises(DomainError) as refused:
        save(report, section, charlie, 1, body="Charlie's text.")
    assert refused.value.code == "deleted"
    assert not ReportSection.objects.filter(pk=section.pk).exists()
    assert not ReportSection.objects.filter(body="Charlie's text.").exists()


def test_a_delete_based_on_an_older_version_is_refused(report, section, alice, charlie):
    save(report, section, alice, 1, body="Alice's text.")
    with pytest.raises(reports_services.ReportSectionConflict) as refused:
        reports_services.report_section_delete(section=section, by=charlie, expected_version=1)
    assert "Alice Owner" in refused.value.messages[0]
    assert stored(section).body == "Alice's text."
    reports_services.report_section_delete(section=section, by=charlie, expected_version=2)
    assert not ReportSection.objects.filter(pk=section.pk).exists()


# --- the pages (the section editor is a plain form; "Take the saved one" uses htmx) --------


def section_url(section):
    return reverse("community:report_section", args=[YEAR, section.pk])


def form_data(version, body, title="Foreword", **extra):
    return {"title": title, "body": body, "position": "1", "version": str(version)} | {
        key: str(value) for key, value in extra.items()
    }


def version_on(html):
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the form carries the section's version"
    return int(found.group(1))


def test_the_editor_carries_the_version_and_a_save_counts_it_up(client, section, alice):
    client.force_login(alice)
    assert version_on(client.get(section_url(section)).content.decode()) == 1
    response = client.post(section_url(section), form_data(1, "Alice's text."))
    assert response.status_code == 302
    assert version_on(client.get(section_url(section)).content.decode()) == 2


def test_stale_save_shows_both_values_and_who_saved_and_keep_mine_saves(
    client, section, alice, charlie
):
    # Both open the section (version 1); alice saves first, then charlie saves his text.
    alices = Client()
    alices.force_login(alice)
    client.force_login(charlie)
    seen = version_on(client.get(section_url(section)).content.decode())
    assert (
        alices.post(section_url(section), form_data(seen, "Alice's saved text.")).status_code == 302
    )

    response = client.post(
        section_url(section), form_data(seen, "Charlie's unsaved text.", title="Preface")
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html
    assert "Not saved: this section was changed in the meantime." in html
    assert "data-autosave-refused" in html
    assert "Charlie&#x27;s unsaved text." in html  # yours, still in the form and in the table
    assert html.count("Charlie&#x27;s unsaved text.") >= 2
    assert "Alice&#x27;s saved text." in html
    assert "Saved by Alice Owner" in html
    assert "Preface" in html and "Foreword" in html
    assert 'name="keep_version" value="2"' in html
    # The button is the form's only keep_version: an empty hidden one after it would win.
    assert html.count('name="keep_version"') == 1
    assert version_on(html) == seen
    url = section_url(section)
    assert f'href="{url}#c-{section.pk}"' in html  # take the saved one, without JavaScript
    assert f'hx-select="#c-{section.pk}"' in html  # … and with htmx
    assert "alice@example.org" not in html
    now = stored(section)
    assert (now.title, now.body, now.version, now.updated_by) == (
        "Foreword",
        "Alice's saved text.",
        2,
        alice,
    )

    # "Take the saved one": the page (or, with htmx, its #c-<pk> part) holds the saved one.
    fresh = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    part = fresh.split(f'id="c-{section.pk}"', 1)[1]
    assert "Alice&#x27;s saved text." in part and version_on(part) == 2

    kept = client.post(
        url, form_data(seen, "Charlie's unsaved text.", title="Preface", keep_version=2)
    )
    assert kept.status_code == 302
    now = stored(section)
    assert (now.title, now.body, now.version, now.updated_by) == (
        "Preface",
        "Charlie's unsaved text.",
        3,
        charlie,
    )


def test_saving_a_section_deleted_meanwhile_keeps_the_text_to_save_as_new(
    client, report, section, alice, charlie
):
    url = section_url(section)
    client.force_login(charlie)
    assert version_on(client.get(url).content.decode()) == 1
    reports_services.report_section_delete(section=section, by=alice)

    response = client.post(url, form_data(1, "Charlie's unsaved text."))

    assert response.status_code == 409
    html = response.content.decode()
    assert "was deleted in the meantime" in html
    assert "Charlie&#x27;s unsaved text." in html
    new_url = reverse("community:report_section_new", args=[YEAR])
    assert f'action="{new_url}"' in html
    count = report.sections.count()
    saved = client.post(new_url, form_data("", "Charlie's unsaved text."))
    assert saved.status_code == 302
    assert report.sections.count() == count + 1
    assert report.sections.filter(body="Charlie's unsaved text.").exists()


def test_deleting_a_section_changed_since_the_page_was_loaded_is_refused(
    client, section, alice, charlie
):
    client.force_login(charlie)
    editor = client.get(reverse("community:report_edit", args=[YEAR])).content.decode()
    delete_url = reverse("community:report_section_delete", args=[YEAR, section.pk])
    form = editor.split(f'action="{delete_url}"', 1)[1].split("</form>", 1)[0]
    assert version_on(form) == 1
    save(section.report, section, alice, 1, body="Alice's new text.")

    response = client.post(delete_url, {"version": "1"}, follow=True)

    assert "Alice Owner" in response.content.decode()
    assert stored(section).body == "Alice's new text."
    response = client.post(delete_url, {"version": "2"})
    assert response.status_code == 302
    assert not ReportSection.objects.filter(pk=section.pk).exists()
