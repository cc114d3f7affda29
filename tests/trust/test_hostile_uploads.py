"""Hostile uploads: zip bombs behind office extensions, path tricks in file names, wrong
content behind the right extension, sent through the real multipart parser.

tests/certification/test_uploads.py covers the accepted types, refused types, the size
limit and a path in the name through the service; tests/signees/test_statements.py the
statement PDF's type and size. This module adds what an attacker sends on the wire.
"""

import io
import re
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from certification import uploads
from certification.models import Evidence
from certification.services.self_assessment import evidence_add_file
from cpo_portal.errors import DomainError
from signees.models import Statement
from signees.services.statements import statement_start_draft
from tests.certification import conftest as certification_fixtures
from tests.certification.helpers import criteria_of

pytestmark = pytest.mark.django_db

# The certification fixtures, shared with this module.
accepted = certification_fixtures.accepted
alpha_signee = certification_fixtures.alpha_signee
assigned = certification_fixtures.assigned
through_services = certification_fixtures.through_services
draft = certification_fixtures.draft
lead = certification_fixtures.lead
submitted = certification_fixtures.submitted

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CONTENT_TYPES = "<?xml version='1.0'?><Types/>"


def docx(extra: dict[str, bytes] | None = None, *, level: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", "<?xml version='1.0'?><w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def claiming(data: bytes, size: int) -> bytes:
    """The archive with every member claiming `size` bytes once inflated (headers forged)."""
    forged = bytearray(data)
    for match in re.finditer(rb"PK\x01\x02", data):  # central directory: size at +24
        forged[match.start() + 24 : match.start() + 28] = struct.pack("<I", size)
    for match in re.finditer(rb"PK\x03\x04", data):  # local header: size at +22
        forged[match.start() + 22 : match.start() + 26] = struct.pack("<I", size)
    return bytes(forged)


def odt_with_huge_mimetype() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text" + b" " * 8_000_000)
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", "<x/>")
        for index in range(count):
            archive.writestr(f"word/media/p{index}.xml", b"")
    return buffer.getvalue()


BOMBS = [
    pytest.param("bomb.docx", claiming(docx(), 4_000_000_000), id="claims-4-gb"),
    pytest.param("bomb.docx", docx({"word/zeros.xml": b"\0" * 30_000_000}), id="ratio-1000"),
    pytest.param("bomb.odt", odt_with_huge_mimetype(), id="odt-mimetype-inflates"),
    pytest.param(
        "nested.docx", docx({"word/embeddings/inner.zip": b"PK\x05\x06" + b"\0" * 18}), id="nested"
    ),
    pytest.param("parts.docx", many_members(uploads.MAX_ZIP_MEMBERS + 1), id="too-many-parts"),
]


def add(application, user, name, content):
    return evidence_add_file(
        application=application,
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        criterion_id=criteria_of(application)[0].pk,
        by=user,
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def evidence_rows() -> int:
    with scopes_disabled():
        return Evidence.objects.count()


@pytest.mark.parametrize(("name", "content"), BOMBS)
def test_zip_bombs_are_refused_cheaply_and_store_nothing(name, content, assigned, alice):
    started = time.perf_counter()
    with pytest.raises(DomainError) as caught:
        add(assigned, alice, name, content)

    # Judged from the central directory: nothing is inflated, so refusing is quick.
    assert time.perf_counter() - started < 2
    assert caught.value.code in {"archive", "file_type"}
    assert stored_files() == []
    assert evidence_rows() == 0


def test_an_ordinary_office_file_passes_the_archive_bounds(assigned, alice):
    # Repetitive XML of a real document: about 1 MB compressing far below the ratio bound.
    paragraph = b"<w:p><w:r><w:t>Interfaces are documented and maintained.</w:t></w:r></w:p>"
    content = docx({"word/styles.xml": b"<?xml version='1.0'?>" + paragraph * 200})

    assert add(assigned, alice, "handbook.docx", content).content_type == uploads.DOCX.content_type


def multipart(field: str, filename: bytes, content: bytes, **fields: str) -> tuple[bytes, str]:
    """A raw multipart body: the file name goes on the wire exactly as an attacker writes it."""
    boundary = "----hostile-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + content
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


HOSTILE_NAMES = [
    pytest.param(b"../../../../etc/passwd.pdf", id="dot-dot"),
    pytest.param(b"/etc/cron.d/evil.pdf", id="absolute"),
    pytest.param(b"..\\..\\windows\\evil.pdf", id="backslashes"),
    pytest.param(b"evil\x00.pdf", id="nul"),
    pytest.param(b"a" * 240 + b".pdf", id="long"),
    # Beyond the parser's header limit: the file part is dropped, the form refuses.
    pytest.param(b"a" * 1000 + b".pdf", id="very-long"),
    pytest.param("\u202eFDP.exe\u00e4\u4e2d\U0001f600.pdf".encode(), id="unicode-rtl"),
    pytest.param(b"%2e%2e%2fencoded.pdf", id="percent-encoded"),
    pytest.param(b"&#46;&#46;&#47;entity.pdf", id="html-entities"),
    pytest.param(b"", id="empty"),
]


def _inside_media(name: str) -> bool:
    root = Path(settings.MEDIA_ROOT).resolve()
    return (root / name).resolve().is_relative_to(root)


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_evidence_name_tricks_are_stored_under_a_generated_name(filename, client, assigned, alice):
    criterion = criteria_of(assigned)[0]
    url = reverse(
        "certification:evidence_add",
        args=[assigned.organization.slug, assigned.pk, criterion.pk],
    )
    body, content_type = multipart(f"e{criterion.pk}-file", filename, PDF)
    client.force_login(alice)

    response = client.post(url, data=body, content_type=content_type)

    assert response.status_code < 500
    with scopes_disabled():
        stored = list(Evidence.objects.all())
    if filename and len(filename) < 900:  # a real PDF: kept, only its name neutralised
        assert len(stored) == 1
    for evidence in stored:
        assert re.fullmatch(
            rf"evidence/org-{assigned.organization_id}/app-{assigned.pk}/[0-9a-f]{{32}}\.pdf",
            evidence.file.name,
        )
        assert _inside_media(evidence.file.name)
        assert "/" not in evidence.original_name and "\\" not in evidence.original_name
        assert "\x00" not in evidence.original_name
        assert evidence.original_name.endswith(".pdf")
    assert all(_inside_media(str(p)) for p in stored_files())
    assert len(stored_files()) == len(stored)


@pytest.fixture
def statement_draft(alpha_signee, alice):
    return statement_start_draft(signee=alpha_signee, by=alice)


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_statement_name_tricks_are_stored_under_a_generated_name(
    filename, client, statement_draft, alice
):
    url = reverse("signees:statement_upload", args=[statement_draft.signee.organization.slug])
    body, content_type = multipart("file", filename, PDF)
    client.force_login(alice)

    response = client.post(url, data=body, content_type=content_type)

    assert response.status_code < 500
    with scopes_disabled():
        statement = Statement.objects.get(pk=statement_draft.pk)
    if filename and len(filename) < 900:
        assert statement.file
        assert re.fullmatch(r"statements/org-\d+-v\d+-[0-9a-f]{8}\.pdf", statement.file.name)
        assert _inside_media(statement.file.name)
    assert all(_inside_media(str(p)) for p in stored_files())


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"MZ\x90\x00" + b"\0" * 60, id="executable"),
        pytest.param(docx(), id="docx"),
        pytest.param(b"%PDF-1.4\n" + b"\0" * 100, id="truncated-pdf"),
    ],
)
def test_statement_wrong_content_behind_pdf_is_refused_on_the_wire(
    content, client, statement_draft, alice
):
    url = reverse("signees:statement_upload", args=[statement_draft.signee.organization.slug])
    body, content_type = multipart("file", b"statement.pdf", content)
    client.force_login(alice)

    response = client.post(url, data=body, content_type=content_type)

    assert response.status_code < 500
    with scopes_disabled():
        assert not Statement.objects.get(pk=statement_draft.pk).file
    assert stored_files() == []
