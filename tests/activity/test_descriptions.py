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


def _sentence(verb: str, **data: object) -> str:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    entry = SimpleNamespace(verb=verb, data=data, target_label="CPO-A-1")
    return " ".join(render_to_string("activity/_description.html", {"entry": entry}).split())


def test_the_audit_plan_and_objection_verbs_read_as_sentences():
    assert _sentence("certification.plan_drafted", plan=2) == (
        "Drafted version 2 of the audit plan"
    )
    assert _sentence("certification.plan_discarded", plan=2) == (
        "Discarded the draft of version 2 of the audit plan"
    )
    assert _sentence(
        "certification.plan_sent", plan=1, objection_deadline="2026-12-21", team=["Arne"]
    ) == ("Sent version 1 of the audit plan to the company (objections until 2026-12-21)")
    assert _sentence("certification.plan_confirmed", plan=1) == (
        "Confirmed version 1 of the audit plan"
    )
    assert _sentence("certification.objection_raised", plan=1, auditor="Bert Biased") == (
        "Objected to the auditor Bert Biased (audit plan version 1)"
    )
    assert _sentence(
        "certification.objection_upheld", auditor="Bert Biased", reason="A conflict."
    ) == ("Upheld the objection to the auditor Bert Biased: A conflict.")
    assert _sentence(
        "certification.objection_dismissed", auditor="Bert Biased", reason="No conflict."
    ) == ("Dismissed the objection to the auditor Bert Biased: No conflict.")
