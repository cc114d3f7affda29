"""Auditors autosaving scores, for `make bench` (locust, headless).

Every simulated user is one auditor of the dataset (its session cookie comes from the
manifest named by BENCH_MANIFEST) and saves scores of its own audits one after the other,
as htmx does: each save carries the version it last saw, so none conflicts.
"""

import itertools
import json
import os
import secrets
import string
from pathlib import Path

from locust import FastHttpUser, constant, task

MANIFEST = json.loads(Path(os.environ["BENCH_MANIFEST"]).read_text(encoding="utf-8"))
# (session, audit) pairs, dealt out to the users so that no two users save the same score
# (a conflict is a refused save, not load): user k takes every USERS-th pair from k on.
PAIRS = [(a["session"], audit) for a in MANIFEST["auditors"] for audit in a["audits"]]
USERS = int(os.environ.get("BENCH_USERS", "1"))
NEXT_USER = itertools.count()


class Auditor(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        mine = PAIRS[next(NEXT_USER) % USERS :: USERS] or PAIRS[:1]
        self.sessions = {audit: session for session, audit in mine}
        self.saves = itertools.cycle(
            [
                (audit, criterion)
                for criterion, _v in MANIFEST["audit_criteria"]
                for _s, audit in mine
            ]
        )
        self.versions = {
            (audit, criterion): version
            for criterion, version in MANIFEST["audit_criteria"]
            for _s, audit in mine
        }
        first = mine[0][1]
        self.session_cookie = f"sessionid={self.sessions[first]}"
        # Double-submit CSRF as the browser does it: a secret in the csrftoken cookie and the
        # same value in the X-CSRFToken header (Django accepts the unmasked secret).
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.client.get(
            f"/audit/{first}/",
            headers={"Cookie": self.session_cookie},
            name="/audit/[id]/ (scoring page)",
        )

    @task
    def autosave(self) -> None:
        audit, criterion = next(self.saves)
        version = self.versions[(audit, criterion)]
        session = f"sessionid={self.sessions[audit]}"
        with self.client.post(
            f"/audit/{audit}/scores/{criterion}/",
            data={"rating": "fulfilled", "rationale": "", "version": str(version)},
            headers={
                "Cookie": f"{session}; csrftoken={self.csrf}",
                "X-CSRFToken": self.csrf,
                "HX-Request": "true",
                "Referer": f"{self.host}/audit/{audit}/",
            },
            name="/audit/[id]/scores/[criterion]/ (autosave)",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.versions[(audit, criterion)] = version + 1
            else:
                response.failure(f"autosave answered {response.status_code}")
