"""Evidence files are judged by their content, not their name; a refusal stores nothing."""

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from certification import uploads
from certification.models import Evidence
from certification.services.self_assessment import evidence_add_file, evidence_remove
from cpo_portal.errors import DomainError

from .helpers import PDF, criteria_of

pytestmark = pytest.mark.django_db


# --- Minimal real samples -------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def zipped(parts, *, mimetype=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:
            archive.writestr(
                zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED
            )
        for name in parts:
            archive.writestr(name, "<?xml version='1.0'?><x/>")
    return buffer.getvalue()


DOCX = zipped(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
XLSX = zipped(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])
ODT = zipped(
    ["content.xml", "META-INF/manifest.xml"], mimetype="application/vnd.oasis.opendocument.text"
)
ODS = zipped(
    ["content.xml", "META-INF/manifest.xml"],
    mimetype="application/vnd.oasis.opendocument.spreadsheet",
)
ZIP = zipped(["readme.txt", "tool.exe"])
PPTX = zipped(["[Content_Types].xml", "ppt/presentation.xml"])

ACCEPTED = [
    ("handbook.pdf", PDF, "application/pdf", "pdf"),
    ("diagram.png", PNG, "image/png", "png"),
    ("photo.jpg", JPEG, "image/jpeg", "jpg"),
    ("photo.JPEG", JPEG, "image/jpeg", "jpg"),
    ("policy.docx", DOCX, uploads.DOCX.content_type, "docx"),
    ("kpis.xlsx", XLSX, uploads.XLSX.content_type, "xlsx"),
    ("process.odt", ODT, uploads.ODT.content_type, "odt"),
]

REFUSED = [
    ("renamed executable", "report.pdf", EXE, "file_type"),
    ("executable as itself", "setup.exe", EXE, "file_type"),
    ("html named pdf", "report.pdf", HTML, "file_type"),
    ("html as itself", "page.html", HTML, "file_type"),
    ("plain zip named docx", "policy.docx", ZIP, "file_type"),
    ("plain zip", "bundle.zip", ZIP, "file_type"),
    ("png named pdf", "scan.pdf", PNG, "file_type"),
    ("pdf named png", "scan.png", PDF, "file_type"),
    ("docx named xlsx", "kpis.xlsx", DOCX, "file_type"),
    ("docx renamed zip", "policy.zip", DOCX, "file_type"),
    ("spreadsheet named odt", "calc.odt", ODS, "file_type"),
    ("presentation named docx", "slides.docx", PPTX, "file_type"),
    ("no extension", "handbook", PDF, "file_type"),
    ("truncated zip", "policy.docx", DOCX[:40], "file_type"),
    ("empty", "empty.pdf", b"", "empty"),
]


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file()]


def evidence_rows():
    with scopes_disabled():
        return Evidence.objects.count()


def upload(application, user, name, content, criterion=None, **kwargs):
    criterion = criterion or criteria_of(application)[0]
    return evidence_add_file(
        application=application,
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        criterion_id=criterion.pk,
        by=user,
        **kwargs,
    )


@pytest.mark.parametrize(("name", "content", "content_type", "extension"), ACCEPTED)
def test_accepted_types(name, content, content_type, extension, assigned, alice):
    evidence = upload(assigned, alice, name, content, title=" Our handbook ")

    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.size == len(content)
    assert evidence.title == "Our handbook"
    assert evidence.uploaded_by == alice
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    # Stored privately under a random name of the true type, never the uploader's name.
    stored = evidence.file.name
    assert stored.startswith(f"evidence/org-{assigned.organization_id}/app-{assigned.pk}/")
    assert stored.endswith(f".{extension}")
    assert name not in stored
    with evidence.file.open("rb") as handle:
        assert handle.read() == content
    assert len(stored_files()) == 1


@pytest.mark.parametrize(
    ("name", "content", "code"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_types_store_nothing(name, content, code, assigned, alice):
    with pytest.raises(DomainError) as caught:
        upload(assigned, alice, name, content)

    assert caught.value.code == code
    assert stored_files() == []
    assert evidence_rows() == 0


def test_too_large_is_refused_and_stores_nothing(assigned, alice):
    content = PDF + b"0" * (uploads.MAX_EVIDENCE_BYTES + 1 - len(PDF))

    with pytest.raises(DomainError) as caught:
        upload(assigned, alice, "big.pdf", content)

    assert caught.value.code == "too_large"
    assert "20 MB" in caught.value.message
    assert stored_files() == []
    assert evidence_rows() == 0


def test_exactly_the_size_limit_is_accepted(assigned, alice, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", len(PDF))

    assert upload(assigned, alice, "edge.pdf", PDF).size == len(PDF)
    with pytest.raises(DomainError):
        upload(assigned, alice, "over.pdf", PDF + b"\n")
    assert evidence_rows() == 1


def test_path_in_the_name_is_dropped(assigned, alice):
    evidence = upload(assigned, alice, "../../etc/handbook.pdf", PDF)

    assert evidence.original_name == "handbook.pdf"
    assert ".." not in evidence.file.name


@pytest.mark.parametrize("who", ["bob", "charlie", "auditor_user", "office_user"])
def test_only_owners_and_admins_upload(who, request, assigned):
    with pytest.raises(DomainError, match="owner or admin"):
        upload(assigned, request.getfixturevalue(who), "handbook.pdf", PDF)
    assert stored_files() == []
    assert evidence_rows() == 0


def test_upload_for_a_criterion_of_another_scheme_is_refused(assigned, alice):
    from criteria.models import AssessmentCriterion

    with scopes_disabled():
        foreign = AssessmentCriterion.objects.exclude(scheme_id=assigned.scheme_id).first()

    with pytest.raises(DomainError) as caught:
        upload(assigned, alice, "handbook.pdf", PDF, criterion=foreign)
    assert caught.value.code == "wrong_scheme"
    assert stored_files() == []
    assert evidence_rows() == 0


def test_criterion_upload_refused_once_the_audit_runs(in_audit, alice):
    from cpo_portal.errors import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed):
        upload(in_audit, alice, "late.pdf", PDF)
    assert stored_files() == []


def test_removed_evidence_file_is_deleted_after_commit(
    assigned, alice, django_capture_on_commit_callbacks
):
    evidence = upload(assigned, alice, "handbook.pdf", PDF)

    with django_capture_on_commit_callbacks(execute=True):
        evidence_remove(evidence=evidence, by=alice)

    assert evidence_rows() == 0
    assert stored_files() == []


# --- The sniffer on its own -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "label"),
    [(PDF, "PDF"), (PNG, "PNG"), (JPEG, "JPEG"), (DOCX, "DOCX"), (XLSX, "XLSX"), (ODT, "ODT")],
)
def test_sniff_recognises_accepted_content(content, label):
    found = uploads.sniff(io.BytesIO(content))

    assert found is not None and found.label == label


@pytest.mark.parametrize("content", [EXE, HTML, ZIP, ODS, PPTX, b"", b"PK\x03\x04garbage"])
def test_sniff_refuses_everything_else(content):
    assert uploads.sniff(io.BytesIO(content)) is None


def test_sniff_leaves_the_stream_at_its_start():
    stream = io.BytesIO(DOCX)

    uploads.sniff(stream)

    assert stream.tell() == 0


def test_accept_attribute_lists_types_and_extensions():
    accept = uploads.ACCEPT_ATTRIBUTE.split(",")

    assert {"application/pdf", "image/png", "image/jpeg", ".pdf", ".docx", ".xlsx", ".odt"} <= (
        set(accept)
    )
    assert ".zip" not in accept and ".exe" not in accept and ".html" not in accept


def test_no_file_is_left_anywhere_after_refusals(assigned, alice):
    for _label, name, content, _code in REFUSED:
        with pytest.raises(DomainError):
            upload(assigned, alice, name, content)

    assert stored_files() == []
    assert not any(files for _root, _dirs, files in os.walk(settings.MEDIA_ROOT))
