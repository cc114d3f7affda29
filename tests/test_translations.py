"""The English and German catalogues are complete and the compiled .mo files are current.

The catalogue is extracted again from the code and the templates into a temporary copy of
locale/ (makemessages, merged with the committed .po files as usual), so a string added
without a translation fails here instead of showing up in English on a German page.
"""

import contextlib
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGUAGES = ("de", "en")
# Everything but the virtualenv, the runtime folder (databases, media, CI service state)
# and caches is searched for strings.
IGNORE = [".venv", "var", "node_modules", ".git", "*_cache", "__pycache__"]
BASE_DIR = Path(settings.BASE_DIR)
LOCALE = BASE_DIR / "locale"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt", "msgattrib")),
    reason="gettext is missing (apt install gettext)",
)


def _po(language: str, root: Path = LOCALE) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


def _msgids(po_text: str) -> list[str]:
    """The msgids of the entries in a .po text (the header's empty msgid left out)."""
    msgids = []
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        parts: list[str] = []
        for line in lines:
            if line.startswith("msgid "):
                parts = [line.removeprefix("msgid ")]
            elif line.startswith('"') and parts and not parts[-1].startswith("msgstr"):
                parts.append(line)
            elif parts:
                break
        text = "".join(p.strip()[1:-1] for p in parts)
        if text:
            msgids.append(text)
    return msgids


def _attrib(po: Path, *options: str) -> list[str]:
    result = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *options, str(po)],
        check=True,
        capture_output=True,
        text=True,
    )
    return _msgids(result.stdout)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The sources and locale/ copied to a temporary folder, the catalogue extracted there.

    makemessages walks the current directory and writes next to the sources (and its
    temporary files too), so it runs on a copy: the working tree stays untouched.
    """
    tree = tmp_path_factory.mktemp("sources")
    shutil.copytree(BASE_DIR, tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*IGNORE))
    root = tree / "locale"
    with override_settings(LOCALE_PATHS=[str(root)]), contextlib.chdir(tree):
        call_command("makemessages", locale=list(LANGUAGES), ignore_patterns=IGNORE, verbosity=0)
    return root


def _report(gaps: list[str]) -> str:
    shown = "\n".join(f"  {msgid!r}" for msgid in gaps[:40])
    more = f"\n  … and {len(gaps) - 40} more" if len(gaps) > 40 else ""
    return f"{len(gaps)} strings:\n{shown}{more}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_and_templates_is_translated(extracted, language):
    po = _po(language, extracted)
    assert _msgids(po.read_text(encoding="utf-8")), "makemessages found no strings"
    untranslated = _attrib(po, "--untranslated")
    assert not untranslated, f"untranslated in locale/{language}: {_report(untranslated)}"
    fuzzy = _attrib(po, "--only-fuzzy")
    assert not fuzzy, f"fuzzy (to be checked) in locale/{language}: {_report(fuzzy)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_has_every_extracted_string(extracted, language):
    committed = set(_msgids(_po(language).read_text(encoding="utf-8")))
    missing = [m for m in _attrib(_po(language, extracted)) if m not in committed]
    assert not missing, f"missing from locale/{language}: {_report(missing)}"


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as fp:
        return gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(tmp_path, language):
    # Compared as catalogues, not bytes: another msgfmt version may lay the file out
    # differently and still mean the same.
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(_po(language))],
        check=True,
        capture_output=True,
    )
    committed = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert committed.exists(), f"{committed} is missing: run `make messages`"
    assert _catalog(committed) == _catalog(fresh), (
        f"locale/{language}/LC_MESSAGES/django.mo is older than its .po file: run "
        "`DEBUG=true .venv/bin/python manage.py compilemessages --ignore=.venv`"
    )
