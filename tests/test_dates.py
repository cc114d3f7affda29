"""One "today": the portal's local date (`timezone.localdate()`, TIME_ZONE Europe/Berlin).

The UTC date (`timezone.now().date()`) or the machine's (`date.today()`) disagree with it for
an hour or two around midnight: a certificate valid until today was refused, a membership
lapsed a day early, due dates moved. No module, and no test, computes today another way."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ["cpo_portal", "criteria", "signees", "certification", "community", "bench", "tests"]
OTHER_TODAY = re.compile(r"timezone\.now\(\)\.date\b|\bdate\.today\(\)|datetime\.now\(\)\.date\b")


def test_today_is_always_the_portals_local_date():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OTHER_TODAY.search(line)
    ]
    assert offenders == [], "use timezone.localdate(): " + ", ".join(offenders)
