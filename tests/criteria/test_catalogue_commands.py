"""manage.py import_catalogue and export_catalogue."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from criteria.interchange import parse
from criteria.models import CatalogueVersion, Criterion, VersionStatus
from criteria.selectors.catalogue import CSV_COLUMNS, catalogue_as_canonical
from tests.criteria.helpers import catalogue_payload, criterion_entry

pytestmark = pytest.mark.django_db


def _write(tmp_path, payload, name="catalogue.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(payload, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _state():
    with scopes_disabled():
        entries = ActivityEntry.objects.count()
    return (
        list(CatalogueVersion.objects.values_list("code", "status", "content_hash")),
        Criterion.objects.count(),
        entries,
    )


def test_import_of_a_good_file_creates_a_draft_and_prints_the_counts(tmp_path):
    out, _err = _run("import_catalogue", str(_write(tmp_path, catalogue_payload("cmd-1"))))
    version = CatalogueVersion.objects.get(code="cmd-1")
    assert version.status == VersionStatus.DRAFT
    assert "cmd-1: created (draft)" in out
    assert "7 categories, 9 criteria, 2 schemes" in out


def test_import_of_the_same_file_twice_prints_unchanged_and_writes_nothing(tmp_path):
    path = _write(tmp_path, catalogue_payload("cmd-1"))
    _run("import_catalogue", str(path))
    before = _state()
    out, _err = _run("import_catalogue", str(path))
    assert "cmd-1: unchanged" in out
    assert _state() == before


def test_import_with_publish_publishes(tmp_path):
    out, _err = _run(
        "import_catalogue", str(_write(tmp_path, catalogue_payload("cmd-2"))), "--publish"
    )
    assert CatalogueVersion.objects.get(code="cmd-2").status == VersionStatus.PUBLISHED
    assert "(published)" in out


def test_import_of_a_bad_file_lists_every_error_and_exits_non_zero(tmp_path):
    payload = catalogue_payload("cmd-bad")
    payload["categories"][0]["criteria"][0]["obligation"] = "must"
    payload["categories"][1]["number"] = "2.1"
    criterion_entry(payload, "2.4.1")["colour"] = "blue"
    path = _write(tmp_path, payload, "bad.yaml")
    before = _state()

    err = io.StringIO()
    with pytest.raises(CommandError, match=r"bad.yaml: \d+ errors; nothing was imported"):
        call_command("import_catalogue", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert any(line.startswith("categories[0].criteria[0].obligation: ") for line in lines)
    assert any(line.startswith("categories[1].number: duplicate") for line in lines)
    assert "categories[3].criteria[0].colour: unknown field" in lines
    assert _state() == before


def test_import_of_a_bad_file_exits_with_status_1_from_the_command_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "cpo-catalogue/1", "version": "x"}), "utf-8")
    # A database of its own: the refused import must not touch any real one.
    env = {
        **os.environ,
        "CPO_TESTING": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_catalogue", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "title: has no text in any language" in result.stderr
    assert "categories: must be a non-empty list" in result.stderr


def test_import_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("import_catalogue", str(tmp_path / "nope.yaml"))


def test_import_of_a_changed_file_for_a_published_version_is_refused(tmp_path, catalogue_v1):
    payload = catalogue_payload("v1")
    criterion_entry(payload, "2.1.1")["title"] = {"en": "Changed", "de": "Geändert"}
    before = _state()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(_write(tmp_path, payload)), stderr=err)
    assert err.getvalue().startswith("version: Version v1 is published")
    assert _state() == before


def test_export_then_import_under_a_new_code_gives_the_identical_content(tmp_path, catalogue_v1):
    out, _err = _run("export_catalogue", "v1")
    exported = yaml.safe_load(out)
    assert exported == catalogue_as_canonical(catalogue_v1)

    exported["version"] = "v1-copy"
    _run("import_catalogue", str(_write(tmp_path, exported)))

    copy = catalogue_as_canonical(CatalogueVersion.objects.get(code="v1-copy"))
    original = catalogue_as_canonical(catalogue_v1)
    assert copy.pop("version") == "v1-copy"
    original.pop("version")
    assert copy == original


def test_export_as_json_to_a_file_imports_again_unchanged(tmp_path, catalogue_v1):
    path = tmp_path / "v1.json"
    _run("export_catalogue", "v1", "--format", "json", "--output", str(path))
    assert parse(path.read_bytes(), filename="v1.json") == catalogue_as_canonical(catalogue_v1)
    before = _state()
    out, _err = _run("import_catalogue", str(path))
    assert "v1: unchanged (published)" in out
    assert _state() == before


def test_export_as_csv_lists_every_criterion(tmp_path, catalogue_v1):
    out, _err = _run("export_catalogue", "v1", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 1 + catalogue_v1.criteria.count()
    assert rows[1][:5] == ["v1", "2.1", "2.1.1", "shall", "it_vendor"]


def test_export_of_an_unknown_version_is_an_error(db):
    with pytest.raises(CommandError, match="no catalogue version 'nope'"):
        _run("export_catalogue", "nope")
