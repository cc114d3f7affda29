"""What an uploaded evidence file really is, judged by its content, not by its name.

Accepted: PDF, PNG, JPEG, DOCX, XLSX, ODT. PDF and pictures are told by their first bytes
(the floor's sniffer, cpo_portal/uploads.py, which the community's report images use too);
office files are ZIP containers, told apart by the parts inside (never extracted). The
name's extension must agree with the content, so a renamed executable or a script called
`report.pdf` is refused.
"""

import zipfile
from typing import IO

from django.utils.translation import gettext as _

from cpo_portal.errors import DomainError
from cpo_portal.uploads import (
    JPEG,
    PDF,
    PNG,
    FileType,
    require_matching_name,
    require_size,
    sniff_magic,
)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Bounds for ZIP containers (DOCX, XLSX, ODT), read from the central directory alone so a
# zip bomb is refused without inflating a byte. Real office files stay far below them:
# their XML compresses about 10:1, and a document has tens to hundreds of parts.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 2000
NESTED_ARCHIVES = (".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".jar")

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
    found = sniff_magic(stream)
    if found is not None:
        return found
    head = stream.read(4)
    stream.seek(0)
    if head == b"PK\x03\x04":
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
    require_size(size, limit=MAX_EVIDENCE_BYTES)
    assert size is not None
    stream.seek(0)
    if stream.read(4) == b"PK\x03\x04":
        check_zip_container(stream, size=size)
    found = sniff(stream)
    if found is None:
        raise DomainError(
            _("This file type is not accepted. Upload PDF, PNG, JPEG, DOCX, XLSX or ODT."),
            code="file_type",
        )
    require_matching_name(found, name)
    return found
