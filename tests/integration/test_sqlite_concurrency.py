"""The embedded default (SQLite) holds concurrent writers: a threaded server takes twenty
autosaves of CPO Statements and twenty ballots at the same moment, answers none of them with
a 5xx, and stores every one.

It runs the portal as `make run` does (runserver, DEBUG, an SQLite file), in a process of its
own, because the test database of the suite is an in-memory SQLite that Django's live server
shares between its threads: it would never see two writers.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CSRF = "c" * 32


def _env(database: Path, media: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CPO_TESTING"}
        and not key.startswith("PYTEST")
    }
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="cpo_portal.settings",
        PYTHONPATH=str(BASE_DIR),
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A migrated SQLite file with the scenario, served by runserver; yields (url, scenario)."""
    root = tmp_path_factory.mktemp("sqlite-portal")
    env = _env(root / "db.sqlite3", root / "media")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, cwd=BASE_DIR, check=True)
    built = subprocess.run(
        [sys.executable, "-m", "tests.integration.sqlite_scenario"],
        env=env,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    scenario = json.loads(built.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail((root / "server.log").read_text())
        yield url, scenario, root / "db.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _post(url: str, session: str, data: dict[str, object], headers: dict[str, str]) -> int:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Referer": url,
            "Content-Type": "application/x-www-form-urlencoded",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except ConnectionError:
        return 599  # the server dropped the connection: as lost as a 5xx


def _statement_version_fields(url: str, session: str, criterion: int) -> dict[str, str]:
    """The hidden inputs the editor sends with an answer (e.g. its version), read off the page."""
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        page = response.read().decode()
    prefix = f'name="c{criterion}-version" value="'
    start = page.find(prefix)
    if start < 0:
        return {}
    value = page[start + len(prefix) : page.index('"', start + len(prefix))]
    return {f"c{criterion}-version": value}


def test_concurrent_autosaves_and_ballots_are_all_stored(portal):
    url, scenario, database = portal
    year, candidates, criteria = scenario["year"], scenario["candidates"], scenario["criteria"]
    jobs = []
    for company in scenario["companies"]:
        slug, session = company["slug"], company["session"]
        if company["group"] == "it_vendor":
            for criterion in criteria:
                extra = _statement_version_fields(
                    f"{url}/o/{slug}/statement/draft/", session, criterion
                )
                data = {
                    f"c{criterion}-fulfilment": "fulfilled",
                    f"c{criterion}-explanation": f"Saved by {slug}",
                    **extra,
                }
                jobs.append(
                    (
                        f"{url}/o/{slug}/statement/draft/answers/{criterion}/",
                        session,
                        data,
                        {"HX-Request": "true"},
                    )
                )
        # Cast as from the confirmation page (the ballot's second step).
        ballot = {**{group: [pk] for group, pk in candidates.items()}, "confirm": "yes"}
        jobs.append((f"{url}/o/{slug}/community/elections/{year}/ballot/", session, ballot, {}))
    assert sum("ballot" in job[0] for job in jobs) >= 20
    assert sum("answers" in job[0] for job in jobs) >= 20

    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait(timeout=60)
        return _post(*job)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        statuses = list(pool.map(run, jobs))

    assert [s for s in statuses if s >= 500] == [], statuses
    assert all(s < 400 for s in statuses), statuses
    with sqlite3.connect(database) as db:
        (answers,) = db.execute(
            "SELECT count(*) FROM signees_statementanswer WHERE explanation LIKE 'Saved by %'"
        ).fetchone()
        (casts,) = db.execute("SELECT count(*) FROM community_ballotcast").fetchone()
        (votes,) = db.execute("SELECT count(*) FROM community_ballotvote").fetchone()
    assert answers == 20
    assert casts == 20
    assert votes == 40
