"""`manage.py backup` and `manage.py restore`: a populated portal (the demo, a granted
certificate, evidence, an uploaded statement, ballots) is backed up, the database and the
media folder are emptied, and the restore brings back every row and file, byte for byte,
with the public pages answering exactly as before. Damaged archives, archives of another
migration state and non-empty databases are refused with nothing written."""

import contextlib
import gzip
import hashlib
import io
import json
import re
import shutil
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, transaction
from django_scopes import scopes_disabled

from certification.models import Application, Certificate
from certification.services.applications import application_accept, application_decide
from certification.services.auditors import auditor_assign
from certification.services.audits import report_submit
from community.models import Ballot, BallotCast, BallotVote, Candidate, Election
from community.services.elections import ballot_cast, ballot_for_receipt
from cpo_portal.accounts.models import OFFICE_ROLE_GROUPS, OfficeRole
from cpo_portal.accounts.roles import office_roles_of
from cpo_portal.backup import data
from cpo_portal.backup.services import media_names
from cpo_portal.demo import DEMO_PASSWORD
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.services import organization_create
from signees.models import Signee, SigneeGroup
from signees.services.statements import statement_publish, statement_start_draft, statement_upload
from tests.certification.helpers import PDF_BYTES, add_pdf, score_all
from tests.factories import UserFactory

User = get_user_model()


@pytest.fixture(autouse=True)
def _signing_dir(settings, tmp_path):
    """The self-signed certificate of the embedded default, generated in tmp."""
    for name in ("P12", "P12_PASSWORD", "KEY", "KEY_PASSWORD", "CERT", "CHAIN"):
        setattr(settings, f"CERTIFICATE_SIGNING_{name}", "")
    settings.CERTIFICATE_SIGNING_SELF_SIGNED_DIR = tmp_path / "signing"


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def media_root() -> Path:
    return Path(default_storage.location)


def media_hashes() -> dict[str, str]:
    return {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in media_names(default_storage)
    }


def office_group_permissions():
    """The permissions of each office role's group, which the restore must bring back."""
    permissions = {
        name: sorted(p.natural_key() for p in Group.objects.get(name=name).permissions.all())
        for name in OFFICE_ROLE_GROUPS.values()
    }
    assert all(permissions.values())  # every role grants something
    return permissions


def user(email):
    return User.objects.get(email=email)


def organization_of(group):
    with scopes_disabled():
        return Signee.objects.select_related("organization").get(group=group).organization


# --- populating the portal -----------------------------------------------------------------


def grant_demo_audit(office, auditor):
    """The demo's open audit, scored, reported and granted."""
    with scopes_disabled():
        application = Application.objects.get(status="audit")
    score_all(application, auditor)
    report_submit(application=application, recommendation="grant", summary="All met.", by=auditor)
    application_decide(
        application=application, decision="grant", rationale="As reported.", by=office
    )
    with scopes_disabled():
        return Certificate.objects.get(application=application)


def add_evidence(office, auditor):
    """The demo's waiting application, accepted and assigned, gets an evidence file."""
    with scopes_disabled():
        application = Application.objects.get(status="submitted")
        owner = application.organization.memberships.get(role="owner").user
    application_accept(application=application, by=office)
    auditor_assign(application=application, auditor=auditor.auditor, role="lead", by=office)
    with scopes_disabled():
        application.refresh_from_db()
    return add_pdf(application, owner, name="Interface handbook.pdf")


def publish_uploaded_statement(vendor_owner):
    with scopes_disabled():
        signee = Signee.objects.get(group=SigneeGroup.IT_VENDOR)
    draft = statement_start_draft(signee=signee, by=vendor_owner)
    draft = statement_upload(
        statement=draft, upload=SimpleUploadedFile("statement.pdf", PDF_BYTES), by=vendor_owner
    )
    return statement_publish(statement=draft, by=vendor_owner)


def last_vote(provider_owner):
    """The demo's open election, in which the service provider has not voted yet."""
    election = Election.objects.order_by("-year").first()
    candidates = Candidate.objects.filter(election=election, status="accepted")
    choices = {candidate.group: [candidate.pk] for candidate in candidates}
    provider = organization_of(SigneeGroup.IT_SERVICE_PROVIDER)
    code = ballot_cast(election=election, organization=provider, choices=choices, by=provider_owner)
    return election, code


def receipt_answer(election, code):
    ballot = ballot_for_receipt(election, code)
    return ballot.pk, sorted(vote.candidate_id for vote in ballot.votes.all())


CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def public_pages(client, number):
    paths = [
        f"/verify/{number}/",
        f"/verify/{number}.json",
        f"/seal/{number}.svg",
        "/signees/",
        "/signees.json",
        "/seal/",
        "/community/core-team/",
    ]
    answers = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response) if response.streaming else response.content
        # The CSRF token (language form, htmx headers) is new per request; nothing else may change.
        answers[path] = (response.get("ETag"), CSRF_TOKEN.sub(b"", body))
    return answers


def everything(using=DEFAULT_DB_ALIAS):
    """Every row of every backed-up table, as the serializer writes it."""
    out = io.StringIO()
    with scopes_disabled():
        data.dump(out, using)
    return sorted(out.getvalue().splitlines())


def fresh_database():
    """Flushed and set up again by `migrate`'s handlers, with content type ids of its own."""
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.all().delete()  # and with them, permissions and group permissions
    # flush restarts the id sequences: without this row the content types would come back
    # with the ids they had whenever the database was last set up the same way.
    ContentType.objects.create(app_label="backup_test", model="shift").delete()
    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


def fresh_media():
    shutil.rmtree(media_root(), ignore_errors=True)


def read_member(archive, name):
    with tarfile.open(archive, "r:gz") as tar:
        return tar.extractfile(name).read()


def assert_ballots_archived_without_a_link(archive):
    """Ballots in the order of their random keys, never in the order of casting, and with
    nothing but their election and receipt hash; the records of voting stay apart."""
    rows = [json.loads(line) for line in read_member(archive, "data.jsonl").splitlines()]
    ballots = [row for row in rows if row["model"] == "community.ballot"]
    votes = [row for row in rows if row["model"] == "community.ballotvote"]
    assert len(ballots) == Ballot.objects.count() == BallotCast.objects.count() == 6
    assert len(votes) == BallotVote.objects.count()
    assert [b["pk"] for b in ballots] == sorted(b["pk"] for b in ballots)
    assert all(set(b["fields"]) == {"election", "receipt_hash"} for b in ballots)
    assert all(set(v["fields"]) == {"ballot", "candidate"} for v in votes)
    manifest = json.loads(read_member(archive, "manifest.json"))
    assert manifest["counts"]["community.ballot"] == 6
    assert "contenttypes.contenttype" not in manifest["counts"]


# --- the round trip ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restore_brings_back_every_row_file_and_public_answer(client, tmp_path):
    run("seed_demo")
    office = user("office@cpo-portal.example")
    auditor = user("auditor@cpo-portal.example")
    vendor_owner = user("owner@plexa.example")
    provider_owner = user("owner@integra.example")
    certificate = grant_demo_audit(office, auditor)
    evidence = add_evidence(office, auditor)
    publish_uploaded_statement(vendor_owner)
    election, code = last_vote(provider_owner)

    with scopes_disabled():
        documents = list(Document.objects.values_list("pk", "kind", "status", "sha256", "file"))
        old_content_types = dict(ContentType.objects.values_list("model", "pk"))
    assert {kind for _, kind, *_ in documents} >= {"certificate", "annual_report"}
    assert all(status == DocumentStatus.READY for _, _, status, *_ in documents)
    rows_before = everything()
    files_before = media_hashes()
    assert len(files_before) >= len(documents) + 2  # + the evidence and the uploaded statement
    pages_before = public_pages(client, certificate.number)
    receipt_before = receipt_answer(election, code)
    office_permissions = office_group_permissions()

    archive = tmp_path / "backup.tar.gz"
    printed = run("backup", str(archive))
    assert f"{len(files_before)} media files" in printed and str(archive) in printed
    assert_ballots_archived_without_a_link(archive)

    fresh_database()
    fresh_media()
    assert not User.objects.exists() and not media_root().exists()
    assert dict(ContentType.objects.values_list("model", "pk")) != old_content_types

    printed = run("restore", str(archive))
    assert "row counts match" in printed and "Restore complete." in printed

    assert everything() == rows_before
    assert media_hashes() == files_before
    with scopes_disabled():
        for pk, kind, status, sha256, name in documents:
            document = Document.objects.get(pk=pk)
            assert (document.kind, document.status, document.sha256) == (kind, status, sha256)
            assert files_before[name] == sha256 and document.owner is not None
        assert files_before[evidence.file.name] == evidence.sha256
        assert certificate in [d.owner for d in Document.objects.filter(kind="certificate")]
    assert public_pages(client, certificate.number) == pages_before
    assert receipt_answer(election, code) == receipt_before
    assert user("office@cpo-portal.example").check_password(DEMO_PASSWORD)
    assert office_group_permissions() == office_permissions
    assert office_roles_of(user("office@cpo-portal.example")) == list(OfficeRole)

    # New rows get fresh ids after the restored ones (sequences reset on PostgreSQL).
    newcomer = organization_create(by=office, legal_name="Newcomer GmbH", country="DE")
    assert newcomer.pk > max(organization_of(g).pk for g in SigneeGroup.values)


# --- refusals ------------------------------------------------------------------------------
# These run inside the test's transaction: the restore's own is a savepoint there.


class Undo(Exception):
    pass


@pytest.fixture
def archive(db, tmp_path):
    """An archive of one organization and one media file, made inside a savepoint that is
    then rolled back: the database is again as `migrate` left it, the archive stays."""
    path = tmp_path / "small.tar.gz"
    with contextlib.suppress(Undo), transaction.atomic():
        owner = UserFactory(email="archived@example.org")
        organization_create(by=owner, legal_name="Archived AG", country="DE")
        default_storage.save("documents/portal/note.txt", ContentFile(b"kept as it is"))
        run("backup", str(path))
        raise Undo
    fresh_media()
    assert not User.objects.exists()
    return path


def rewrite(archive, change):
    """The archive again, each member's bytes passed through change(name, data)."""
    with tarfile.open(archive, "r:gz") as tar:
        entries = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    target = archive.with_name("changed.tar.gz")
    with tarfile.open(target, "w:gz") as tar:
        for member, content in entries:
            content = change(member.name, content)
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    return target


def nothing_written():
    return not User.objects.exists() and not media_root().exists()


def test_restore_refuses_a_database_that_is_not_empty(archive, alpha):
    with pytest.raises(CommandError, match="not empty"):
        run("restore", str(archive))
    assert set(User.objects.values_list("email", flat=True)) == {
        "alice@example.org",
        "bob@example.org",
    }
    assert not media_root().exists()


def test_restore_with_force_replaces_the_data(archive, alpha):
    printed = run("restore", "--force", str(archive))
    assert "Replaced the data" in printed
    assert list(User.objects.values_list("email", flat=True)) == ["archived@example.org"]
    assert default_storage.open("documents/portal/note.txt").read() == b"kept as it is"


def test_damaged_archive_is_refused_with_nothing_written(archive):
    damaged = rewrite(
        archive, lambda name, content: b"forged" if name.endswith("note.txt") else content
    )
    with pytest.raises(CommandError, match=r"damaged.*note\.txt"):
        run("restore", str(damaged))
    assert nothing_written()


def test_truncated_archive_is_refused_with_nothing_written(archive):
    truncated = archive.with_name("truncated.tar.gz")
    truncated.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(CommandError, match="cannot be read"):
        run("restore", str(truncated))
    assert nothing_written()


def test_archive_of_another_migration_state_is_refused(archive):
    def older(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["migrations"]["signees"].pop()
        return json.dumps(manifest).encode()

    with pytest.raises(CommandError, match=r"another migration state.*signees"):
        run("restore", str(rewrite(archive, older)))
    assert nothing_written()


def test_backup_does_not_overwrite_an_archive(archive):
    with pytest.raises(CommandError, match="exists already"):
        run("backup", str(archive))
    assert gzip.decompress(archive.read_bytes())  # still the complete archive
