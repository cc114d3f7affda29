"""The archive format: one tar.gz holding `data.jsonl`, the media files under `media/` and
`manifest.json` (last, since it carries the hashes computed while the others were written).

Reading never extracts anything to the file system: members are streamed, and a member
that is not exactly one of the three kinds above makes the whole archive unreadable.
"""

import hashlib
import io
import json
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

FORMAT = "cpo-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.jsonl"
MEDIA = "media/"
CHUNK = 1024 * 1024
# Everything that can go wrong while reading a damaged or foreign file.
READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, KeyError, TypeError)


class BackupError(Exception):
    """A refused backup or restore; the message says why and what to do."""


class HashingReader:
    """A file-like reader that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(time.time())
    info.mode = 0o600
    return info


def add_stream(tar: tarfile.TarFile, name: str, stream: IO[bytes], size: int) -> str:
    """Stream `size` bytes into the archive; returns their SHA-256."""
    reader = HashingReader(stream)
    tar.addfile(_info(name, size), reader)
    return reader.hexdigest()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


def media_name(member_name: str) -> str:
    """The storage name of a media member, refused if it could leave the media folder."""
    name = member_name.removeprefix(MEDIA)
    parts = PurePosixPath(name).parts
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise BackupError(
            _("The archive holds a file with an unsafe name: %(name)s") % {"name": name}
        )
    return name


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """Every member with its stream; anything but a regular file of a known kind is refused."""
    for member in tar:
        known = member.name in (MANIFEST, DATA) or member.name.startswith(MEDIA)
        stream = tar.extractfile(member) if member.isfile() else None
        if not known or stream is None:
            raise BackupError(
                _("The archive holds an unexpected entry: %(name)s") % {"name": member.name}
            )
        yield member, stream


def expected_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    hashes = {DATA: manifest["data"]["sha256"]}
    for name, entry in manifest["media"].items():
        hashes[MEDIA + name] = entry["sha256"]
    return hashes


def read_verified_manifest(path: Path) -> dict[str, Any]:
    """Read the whole archive once and check every SHA-256 against the manifest.

    Nothing is written anywhere: a damaged archive is refused before a restore begins.
    """
    found: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member, stream in members(tar):
                if member.name == MANIFEST:
                    manifest = json.loads(stream.read())
                    continue
                if member.name != DATA:
                    media_name(member.name)  # refuses an unsafe name before anything is written
                found[member.name] = sha256_of(stream)
        if manifest is None or manifest.get("format") != FORMAT:
            raise BackupError(_("%(path)s is not a CPO Portal backup.") % {"path": path})
        if manifest.get("version") != FORMAT_VERSION:
            raise BackupError(
                _("The archive has format version %(found)s; this code reads version %(ours)s.")
                % {"found": manifest.get("version"), "ours": FORMAT_VERSION}
            )
        expected = expected_hashes(manifest)
    except READ_ERRORS as exc:
        raise BackupError(
            _("%(path)s cannot be read as a CPO Portal backup (%(error)s).")
            % {"path": path, "error": exc}
        ) from exc
    _compare(expected, found)
    return manifest


def _compare(expected: dict[str, str], found: dict[str, str]) -> None:
    missing = sorted(expected.keys() - found.keys())
    unexpected = sorted(found.keys() - expected.keys())
    damaged = sorted(n for n in expected.keys() & found.keys() if expected[n] != found[n])
    problems = [
        (_("missing"), missing),
        (_("not in the manifest"), unexpected),
        (_("SHA-256 does not match the manifest"), damaged),
    ]
    described = [f"{what}: {', '.join(names[:5])}" for what, names in problems if names]
    if described:
        raise BackupError(
            _("The archive is damaged, nothing was restored (%(problems)s).")
            % {"problems": "; ".join(described)}
        )
