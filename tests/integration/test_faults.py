"""Faults, with nothing lost: Redis stopped while certificates are issued and statements
published; PostgreSQL restarted under a running portal; 50 ballots and 50 grants at once.

The services these tests stop are their own (tests/integration/own_services.py): a
redis-server and a PostgreSQL cluster on free ports, stopped and started by PID, never the
shared ones. A worker killed mid-render is proven in test_certificate_worker.py
(test_worker_killed_mid_render_leaves_a_job_the_sweeper_renders_again).
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    ApplicationStatus,
    AuditorAssignment,
    Certificate,
    CertificateSequence,
    Score,
)
from community.models import Ballot, BallotCast
from community.services import elections as community_services
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.celery import app as celery_app
from cpo_portal.documents import services as document_services
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.services import organization_create
from signees.selectors.statements import statement_progress
from signees.services.statements import statement_answer_save, statement_start_draft
from tests.certification import conftest as certification
from tests.certification.helpers import decide
from tests.community.helpers import at_phase, member
from tests.factories import UserFactory
from tests.integration.concurrency import all_at_once
from tests.integration.conftest import BASE_DIR, _worker_database_url, database_url_is_postgres
from tests.integration.own_services import (
    OwnPostgres,
    OwnRedis,
    PortalServer,
    postgres_unavailable_reason,
    redis_unavailable_reason,
)

alpha_signee = certification.alpha_signee
lead = certification.lead
office2 = certification.office2
draft = certification.draft
submitted = certification.submitted
accepted = certification.accepted
assigned = certification.assigned
in_audit = certification.in_audit
reported = certification.reported


@pytest.fixture
def through_services():
    """The real stack: every certification stage through the services, tasks and mails."""
    return True


SWEEP_TASK = settings.CELERY_BEAT_SCHEDULE["documents-sweep-stuck"]["task"]
RENDER_TIMEOUT = 90.0
CONCURRENT = 50


# --- Helpers ------------------------------------------------------------------------------


def clone_reported(application, count):
    """`count` more applications exactly where `application` is (report submitted, the
    same scores and auditors): rows copied, not the audit walked 50 times."""
    with scopes_disabled():
        source = Application.objects.get(pk=application.pk)
        scores = list(Score.objects.filter(application=source))
        assignments = list(AuditorAssignment.objects.filter(application=source))
        clones = []
        for _ in range(count):
            clone = Application.objects.get(pk=source.pk)
            clone.pk = None
            clone._state.adding = True
            clone.save()
            clones.append(clone)
        for model, rows in ((Score, scores), (AuditorAssignment, assignments)):
            copies = []
            for clone in clones:
                for row in rows:
                    copy = model.objects.get(pk=row.pk)
                    copy.pk, copy.application = None, clone
                    copies.append(copy)
            model.objects.bulk_create(copies)
    return clones


def documents():
    with scopes_disabled():
        return list(Document.objects.order_by("pk"))


def rendered_entries(document):
    with scopes_disabled():
        return ActivityEntry.objects.filter(
            verb="document.rendered", target_id=str(document.pk)
        ).count()


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


# --- (1) Redis stopped while certificates are issued and statements published -------------


class RedisWorld:
    """Our own redis-server as the cache, session cache and broker of this process and of
    a Celery worker of our own."""

    def __init__(self, redis: OwnRedis, worker: subprocess.Popen, log: Path, media: Path):
        self.redis, self.worker, self.log, self.media = redis, worker, log, media

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def wait_until_rendered(self, pks, timeout=RENDER_TIMEOUT):
        """Do what beat does (send the sweep by name) until every document is ready."""
        deadline = time.monotonic() + timeout
        while True:
            with scopes_disabled():
                left = list(
                    Document.objects.filter(pk__in=pks)
                    .exclude(status=DocumentStatus.READY)
                    .values_list("pk", "status", "last_error")
                )
            if not left:
                return
            assert self.worker.poll() is None, f"the worker exited:\n{self.log_tail()}"
            assert not any(s == DocumentStatus.FAILED for _, s, _ in left), left
            assert time.monotonic() < deadline, f"not rendered: {left}\n{self.log_tail()}"
            celery_app.send_task(SWEEP_TASK)
            time.sleep(1.5)


def _point_celery_at(url):
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_world(request, settings, tmp_path_factory):
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if connection.vendor != "postgresql":
        pytest.skip(
            "DATABASE_URL is not PostgreSQL: a worker process cannot share pytest's "
            "in-memory SQLite test database"
        )
    base = tmp_path_factory.mktemp("redis-world")
    media = base / "media"
    media.mkdir()
    redis = OwnRedis(directory=base)
    redis.start()
    log = base / "worker.log"
    nodename = f"faults-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
        "CPO_TESTING": "true",
        "DATABASE_URL": _worker_database_url(),
        "REDIS_URL": redis.url(0),
        "CELERY_BROKER_URL": redis.url(0),
        "REDIS_CACHE_DB": "1",
        "MEDIA_ROOT": str(media),
        # A document is stale for the sweeper after one second, not ten minutes.
        "DOCUMENT_STUCK_AFTER_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_CACHE_URL", None)
    command = [
        *(sys.executable, "-m", "celery", "-A", "cpo_portal", "worker"),
        *("--pool=solo", "--concurrency=1", "-Q", "celery"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        *("-l", "info", "-n", nodename),
        *("--include", "tests.integration.worker_hooks"),
    ]
    saved_broker = celery_app.conf.broker_url
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    world = RedisWorld(redis, worker, log, media)
    try:
        # This process: the same Redis for cache, sessions and broker; one media store.
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis.url(1),
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": 2,
                    "SOCKET_TIMEOUT": 2,
                    "IGNORE_EXCEPTIONS": True,
                },
            }
        }
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        settings.CELERY_BROKER_URL = redis.url(0)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.MEDIA_ROOT = str(media)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(media)},
            },
        }
        _point_celery_at(redis.url(0))
        deadline = time.monotonic() + 60
        while not any(
            nodename in reply
            for reply in celery_app.control.ping(destination=[nodename], timeout=1.0)
        ):
            assert worker.poll() is None, f"the worker exited:\n{world.log_tail()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{world.log_tail()}"
        yield world
    finally:
        if worker.poll() is None:
            worker.kill()  # our worker, by its PID; nothing of it is needed any more
            worker.wait(timeout=10)
        redis.stop()
        _point_celery_at(saved_broker)


@pytest.fixture
def second_reported(reported):
    (clone,) = clone_reported(reported, 1)
    return clone


@pytest.fixture
def statement_ready(alpha_signee, alice):
    """Alpha's statement draft, every criterion answered: ready to publish."""
    statement = statement_start_draft(signee=alpha_signee, by=alice)
    for criterion in statement_progress(statement).missing:
        statement_answer_save(
            statement=statement,
            criterion=criterion,
            fulfilment="fulfilled",
            explanation="Documented in our developer handbook.",
            link="",
            by=alice,
        )
    return statement


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # the worker only sees committed rows
def test_redis_down_requests_succeed_and_every_document_is_rendered_after_it_returns(
    reported, second_reported, statement_ready, alpha, alice, office2, redis_world
):
    office, company, visitor = Client(), Client(), Client()
    office.force_login(office2)  # signed in while Redis was up
    company.force_login(alice)
    before = {d.pk for d in documents()}

    redis_world.redis.stop()
    assert not redis_world.redis.answers()

    # The office grants two certificates, the company publishes its statement.
    for application in (reported, second_reported):
        response, seconds = timed(
            office.post,
            reverse("certification:office_decide", args=[application.pk]),
            {"decision": "grant", "rationale": "All criteria met."},
        )
        assert response.status_code == 302, response.content[:2000]
        assert seconds < 15
    response, seconds = timed(
        company.post,
        reverse("signees:statement_publish", args=[alpha.slug]),
        {"confirm": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert seconds < 15

    with scopes_disabled():
        certificates = list(Certificate.objects.order_by("number"))
        assert {c.application_id for c in certificates} == {reported.pk, second_reported.pk}
        for application in (reported, second_reported):
            application.refresh_from_db()
            assert application.status == ApplicationStatus.DECIDED
    new = [d for d in documents() if d.pk not in before]
    assert sorted(d.kind for d in new) == ["certificate", "certificate", "cpo_statement"]
    assert {d.status for d in new} == {DocumentStatus.PENDING}

    # Signed-in and public pages still answer; /healthz says what is down.
    pages = [
        (company, reverse("signees:statement", args=[alpha.slug])),
        (office, reverse("certification:office_applications")),
        (visitor, "/"),
        (visitor, "/signees/"),
        (visitor, f"/signees/{alpha.slug}/statement/"),
        (visitor, "/seal/"),
        *((visitor, f"/verify/{c.number}/") for c in certificates),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    response = visitor.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["cache"]["ok"] is False
    assert checks["broker"]["ok"] is False

    # Redis returns (empty, as after a crash); the sweeper re-queues; nothing was lost.
    redis_world.redis.start()
    assert visitor.get("/healthz").status_code == 200
    redis_world.wait_until_rendered([d.pk for d in new])
    for document in documents():
        assert document.status == DocumentStatus.READY, document
    for document in new:
        with scopes_disabled():
            document.refresh_from_db()
        path = redis_world.media / document.file.name
        assert path.read_bytes().startswith(b"%PDF-")
        assert document.size == path.stat().st_size
        assert rendered_entries(document) == 1
    # The sessions outlived the outage: they were in the database all along.
    assert company.get(reverse("signees:statement", args=[alpha.slug])).status_code == 200
    assert office.get(reverse("certification:office_applications")).status_code == 200


# --- (3) PostgreSQL restarted under a running portal --------------------------------------


@pytest.fixture
def own_postgres():
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster = OwnPostgres.create()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def portal(request, own_postgres, tmp_path):
    """The portal under gunicorn on our own cluster, on a copy of the migrated test
    database (pg_dump takes a second where `migrate` takes half a minute)."""
    if not database_url_is_postgres():
        pytest.skip("DATABASE_URL is not PostgreSQL: there is no migrated database to copy")
    request.getfixturevalue("django_db_setup")
    own_postgres.copy_database(_worker_database_url(), "portal")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "REDIS_CACHE_DB", "REDIS_CACHE_URL"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
        "CPO_TESTING": "true",
        "DATABASE_URL": own_postgres.url("portal"),
        "DATABASE_CONNECT_TIMEOUT": "3",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    server = PortalServer(env=env, log=tmp_path / "gunicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def health(portal):
    response = portal.get("/healthz")
    assert response.seconds < 10, "/healthz hung"
    return response.status, json.loads(response.body)["checks"]


@pytest.mark.postgres
def test_postgresql_restart_the_portal_recovers_and_healthz_tells_the_truth(portal, own_postgres):
    pid = portal.process.pid
    assert health(portal)[0] == 200
    assert portal.get("/signees/").status == 200

    # Down: /healthz says so at once, every time; pages fail fast instead of hanging.
    own_postgres.stop()
    for _ in range(3):
        status, checks = health(portal)
        assert status == 503
        assert checks["database"]["ok"] is False
        assert checks["cache"]["ok"] is True
    # A page that needs the database fails fast; a visitor's public page already in the
    # page cache is still answered from Redis.
    page = portal.get("/signees/?q=not-cached-yet")
    assert page.status == 500
    assert page.seconds < 10
    assert portal.get("/signees/").status == 200

    # Up again: healthy from the first request on, without restarting the portal.
    own_postgres.start()
    status, checks = health(portal)
    assert status == 200, checks
    assert portal.get("/signees/").status == 200

    # A restart nobody saw: the kept-alive connection is dead, yet the next page works.
    own_postgres.stop()
    own_postgres.start()
    response = portal.get("/signees/")
    assert response.status == 200, portal.log_tail()
    assert health(portal)[0] == 200
    assert portal.process.pid == pid and portal.process.poll() is None


# --- (4) 50 concurrent ballots and 50 concurrent grants -----------------------------------


@pytest.fixture
def ballot_voters(catalogue, office_user, monkeypatch):
    """25 community member organizations (IT customers), each with its owner."""
    # Their signature PDFs are beside the point and would only cost time.
    monkeypatch.setattr(document_services, "_queue", lambda document: None)
    voters = []
    for n in range(CONCURRENT // 2):
        owner = UserFactory(email=f"voter{n}@example.org")
        organization = organization_create(by=owner, legal_name=f"Voter {n} AG", country="DE")
        member(organization, owner, office_user, group="it_customer")
        voters.append((organization, owner))
    return voters


@pytest.fixture
def ballot_election(ballot_voters, office_user):
    now = timezone.now()
    day = timezone.timedelta(days=1)
    election = community_services.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=office_user,
    )
    organization, owner = ballot_voters[0]
    candidate = community_services.candidate_nominate(
        election=election,
        nominating_organization=organization,
        candidate_user=owner,
        candidate_organization=organization,
        by=owner,
    )
    candidate = community_services.candidate_answer(candidate=candidate, accept=True, by=owner)
    at_phase(election, "voting")
    return election, candidate


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_ballots_give_one_ballot_per_organization(ballot_election, ballot_voters):
    election, candidate = ballot_election
    choices = {"it_customer": [candidate.pk]}

    def cast(organization, owner):
        return lambda: community_services.ballot_cast(
            election=election, organization=organization, choices=choices, by=owner
        )

    # Every organization casts twice, all 50 casts released at the same moment.
    calls = [cast(organization, owner) for organization, owner in ballot_voters for _ in (1, 2)]
    outcomes = all_at_once(calls)

    receipts = [o["result"] for o in outcomes if "result" in o]
    errors = [o["error"] for o in outcomes if "error" in o]
    assert len(receipts) == len(ballot_voters), errors
    assert len(set(receipts)) == len(receipts)
    assert all(isinstance(e, DomainError) and e.code == "already_voted" for e in errors), errors
    for pair in zip(outcomes[::2], outcomes[1::2], strict=True):
        assert sorted(map(sorted, pair)) == [["error"], ["result"]], pair
    assert BallotCast.objects.filter(election=election).count() == len(ballot_voters)
    assert Ballot.objects.filter(election=election).count() == len(ballot_voters)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_grants_get_fifty_gapless_numbers(reported, office2, monkeypatch):
    # The numbers are the point here; the PDFs are proven in test_certificate_worker.py, and
    # 50 renders in this process would only cost time.
    monkeypatch.setattr(document_services, "_queue", lambda document: None)
    applications = [reported, *clone_reported(reported, CONCURRENT - 1)]

    outcomes = all_at_once([lambda a=a: decide(a, office2) for a in applications])

    assert all("result" in o for o in outcomes), [o for o in outcomes if "error" in o]
    year = timezone.now().year
    with scopes_disabled():
        numbers = sorted(Certificate.objects.values_list("number", flat=True))
        owners = set(Certificate.objects.values_list("application_id", flat=True))
        sequence = CertificateSequence.objects.get(kind="organizational", year=year)
    assert numbers == [f"CPO-O-{year}-{n:04d}" for n in range(1, CONCURRENT + 1)]
    assert owners == {a.pk for a in applications}
    assert sequence.last == CONCURRENT
