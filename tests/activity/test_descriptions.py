"""Every verb the services record has a readable sentence in the activity log."""

import re
from pathlib import Path

from django.conf import settings

APPS = ("cpo_portal", "signees", "certification", "community", "criteria")
LITERAL = re.compile(r'verb="([a-z_]+\.[a-z_]+)"(?: if [^,\n]* else "([a-z_]+\.[a-z_]+)")?')


def _recorded_verbs() -> set[str]:
    root = Path(settings.BASE_DIR)
    verbs: set[str] = set()
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
                verbs.update(v for v in match.groups() if v)
    return verbs


def test_every_literal_verb_has_a_description():
    template = (Path(settings.BASE_DIR) / "templates/activity/_description.html").read_text()
    described = set(re.findall(r'verb == "([a-z_.]+)"', template))
    verbs = _recorded_verbs()
    assert len(verbs) > 50  # the scan finds the services' verbs
    assert sorted(verbs - described) == []
