"""What an uploaded evidence file really is, judged by its content, not by its name.

Accepted: PDF, PNG, JPEG, DOCX, XLSX, ODT. Office files are ZIP containers; they are told
apart by the parts inside (never extracted). The name's extension must agree with the
content, so a renamed executable or a script called `report.pdf` is refused.
"""

import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from cpo_portal.errors import DomainError

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Bounds for ZIP containers (DOCX, XLSX, ODT), read from the central directory alone so a
# zip bomb is refused without inflating a byte. Real office files stay far below them:
# their XML compresses about 10:1, and a document has tens to hundreds of parts.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 2000
NESTED_ARCHIVES = (".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".jar")


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", ("pdf",))
PNG = FileType("PNG", "image/png", ("png",))
JPEG = FileType("JPEG", "image/jpeg", ("jpg", "jpeg"))
DOCX = FileType(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileType(
    "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
ODT = FileType("ODT", "application/vnd.oasis.opendocument.text", ("odt",))
ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX, ODT)
ACCEPT_ATTRIBUTE = ",".join(
    [t.content_type for t in ACCEPTED] + [f".{e}" for t in ACCEPTED for e in t.extensions]
)


def _zip_type(stream: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # A bounded read: the member may claim to be small and inflate to gigabytes.
                with archive.open("mimetype") as member:
                    mimetype = member.read(100)
                if mimetype.strip() == ODT.content_type.encode():
                    return ODT
                return None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        return None
    return None


def sniff(stream: IO[bytes]) -> FileType | None:
    """The accepted type the content is, or None."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        found = _zip_type(stream)
        stream.seek(0)
        return found
    return None


def check_zip_container(stream: IO[bytes], *, size: int) -> None:
    """Refuse an archive that would expand too far, holds too many parts or nests archives."""
    refused = DomainError(
        _("The archive expands too far or holds too many parts to be accepted."), code="archive"
    )
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return  # not a readable archive: sniffing refuses it as an unknown type
    finally:
        stream.seek(0)
    if len(members) > MAX_ZIP_MEMBERS:
        raise refused
    unzipped = sum(member.file_size for member in members)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(size, 1):
        raise refused
    if any(member.filename.lower().endswith(NESTED_ARCHIVES) for member in members):
        raise refused


def check_upload(stream: IO[bytes], *, name: str, size: int | None) -> FileType:
    """Refuse what is too large, empty, of another type, or named as something it is not."""
    if size is None or size <= 0:
        raise DomainError(_("The file is empty."), code="empty")
    if size > MAX_EVIDENCE_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
            code="too_large",
        )
    stream.seek(0)
    if stream.read(4) == b"PK\x03\x04":
        check_zip_container(stream, size=size)
    found = sniff(stream)
    if found is None:
        raise DomainError(
            _("This file type is not accepted. Upload PDF, PNG, JPEG, DOCX, XLSX or ODT."),
            code="file_type",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in found.extensions:
        raise DomainError(
            _("The file's name does not match its content (%(type)s).") % {"type": found.label},
            code="file_type",
        )
    return found
