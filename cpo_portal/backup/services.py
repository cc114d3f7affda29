"""Backup and restore of the whole portal: the database and the media storage, in one archive.

A restore goes into an empty, freshly migrated database at the archive's migration state.
It checks every SHA-256 before it writes anything, loads all rows in one transaction,
restores the files, checks the row counts, and resets the id sequences.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from . import data
from .archive import (
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    READ_ERRORS,
    BackupError,
    HashingReader,
    add_bytes,
    add_stream,
    media_name,
    members,
    read_verified_manifest,
    sha256_of,
)

__all__ = ["BackupError", "BackupSummary", "RestoreSummary", "backup_create", "backup_restore"]


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    rows: int
    tables: int
    files: int
    media_bytes: int
    archive_bytes: int


@dataclass(frozen=True)
class RestoreSummary:
    path: Path
    rows: int
    tables: int
    files: int
    files_already_present: int
    media_bytes: int
    sequences_reset: int
    replaced_data: bool


# --- backup -------------------------------------------------------------------------------


@contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """One read-only transaction, so the rows and their counts are one consistent state."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using), scopes_disabled():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def media_names(storage: Storage) -> Iterator[str]:
    """Every file of the storage, folder by folder, in a stable order."""

    def walk(folder: str) -> Iterator[str]:
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:  # a media folder nothing was ever written to
            return
        prefix = f"{folder}/" if folder else ""
        for name in sorted(files):
            yield prefix + name
        for name in sorted(folders):
            yield from walk(prefix + name)

    yield from walk("")


def _add_media(tar: tarfile.TarFile, storage: Storage) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for name in media_names(storage):
        try:
            stream = storage.open(name, "rb")
        except FileNotFoundError:  # deleted since it was listed (a replaced render)
            continue
        with stream:
            size = stream.size
            files[name] = {"sha256": add_stream(tar, MEDIA + name, stream, size), "size": size}
    return files


def backup_create(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, storage: Storage | None = None
) -> BackupSummary:
    """Write the database and every media file into a new archive at `path`."""
    path = Path(path)
    storage = storage or default_storage
    if path.exists():
        raise BackupError(_("%(path)s exists already; choose a new file name.") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written next to the target and renamed at the end: a failed backup leaves no archive
    # that looks complete. mkstemp makes it readable by its owner only (it holds
    # password hashes and confidential evidence).
    handle, part = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            tempfile.TemporaryFile(dir=path.parent) as dump_file,
        ):
            with _snapshot(using):
                text = io.TextIOWrapper(dump_file, encoding="utf-8", newline="\n")
                counts = data.dump(text, using)
                text.flush()
                text.detach()
                migrations = data.migration_state(using)
            dump_size = dump_file.tell()
            dump_file.seek(0)
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                dump_hash = add_stream(tar, DATA, dump_file, dump_size)
                files = _add_media(tar, storage)
                manifest = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "created_at": timezone.now().isoformat(),
                    "database": connections[using].vendor,
                    "migrations": migrations,
                    "counts": counts,
                    "data": {"sha256": dump_hash, "size": dump_size},
                    "media": files,
                }
                add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        os.replace(part, path)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    objects = {data.label(model) for model in data.backed_up_models(using)}
    return BackupSummary(
        path=path,
        rows=sum(count for name, count in counts.items() if name in objects),
        tables=len(counts),
        files=len(files),
        media_bytes=sum(entry["size"] for entry in files.values()),
        archive_bytes=path.stat().st_size,
    )


# --- restore ------------------------------------------------------------------------------


def _same_file(storage: Storage, name: str, sha256: str) -> bool | None:
    """True: present with this content; False: present with other content; None: absent."""
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as stream:
        return sha256_of(stream) == sha256


def _hashed_lines(stream: IO[bytes], digest: "hashlib._Hash") -> Iterator[bytes]:
    for line in stream:
        digest.update(line)
        yield line


class _Restore:
    """One restore run: the files it wrote, so a failure can take them back."""

    def __init__(self, manifest: dict[str, Any], storage: Storage, force: bool) -> None:
        self.manifest = manifest
        self.storage = storage
        self.force = force
        self.written: list[str] = []
        self.present: dict[str, bool | None] = {}
        self.rows = 0

    def check_media(self) -> None:
        for name, entry in self.manifest["media"].items():
            self.present[name] = _same_file(self.storage, name, entry["sha256"])
        differing = [name for name, same in self.present.items() if same is False]
        if differing and not self.force:
            raise BackupError(
                _(
                    "%(count)d media files exist with other content (e.g. %(name)s). Restore "
                    "into an empty media storage, or give --force to overwrite them."
                )
                % {"count": len(differing), "name": differing[0]}
            )

    def apply(self, path: Path, using: str) -> None:
        with tarfile.open(path, mode="r:gz") as tar:
            for member, stream in members(tar):
                if member.name == DATA:
                    self.load(stream, using)
                elif member.name != MANIFEST:
                    self.write(media_name(member.name), stream, member.size)

    def load(self, stream: IO[bytes], using: str) -> None:
        digest = hashlib.sha256()
        self.rows = data.load(_hashed_lines(stream, digest), using)
        if digest.hexdigest() != self.manifest["data"]["sha256"]:
            raise BackupError(_("The data of the archive changed while it was being restored."))

    def write(self, name: str, stream: IO[bytes], size: int) -> None:
        if self.present.get(name) is True:
            return
        if self.present.get(name) is False:
            self.storage.delete(name)  # only with --force (check_media)
        reader = HashingReader(stream)
        content = File(reader, name=name)  # type: ignore[arg-type]
        content.size = size
        stored = self.storage.save(name, content)
        self.written.append(stored)
        if stored != name:
            raise BackupError(_("The storage saved %(name)s under another name.") % {"name": name})
        if reader.hexdigest() != self.manifest["media"][name]["sha256"]:
            raise BackupError(_("%(name)s changed while it was being restored.") % {"name": name})

    def take_back(self) -> None:
        for name in self.written:
            self.storage.delete(name)


def _check_counts(expected: dict[str, int], using: str) -> None:
    found = data.counts(using, expected)
    wrong = [
        f"{name} {found[name]}≠{count}" for name, count in expected.items() if found[name] != count
    ]
    if wrong:
        raise BackupError(
            _("Row counts differ from the archive's after loading: %(tables)s")
            % {"tables": ", ".join(wrong[:5])}
        )


def backup_restore(
    *,
    path: Path,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
    force: bool = False,
) -> RestoreSummary:
    """Restore an archive into an empty, migrated database (any data only with `force`)."""
    path = Path(path)
    storage = storage or default_storage
    if not path.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": path})
    manifest = read_verified_manifest(path)
    data.check_migration_state(manifest["migrations"], using)
    unknown = sorted(set(manifest["counts"]) - set(data.table_labels(using)))
    if unknown:
        raise BackupError(
            _("The archive holds tables this code does not have: %(tables)s")
            % {"tables": ", ".join(unknown[:5])}
        )
    run = _Restore(manifest, storage, force)
    # Natural keys of content types are looked up in this database, not in a stale cache.
    ContentType.objects.clear_cache()
    try:
        with transaction.atomic(using=using), scopes_disabled():
            occupied = data.tables_with_rows(using)
            if occupied and not force:
                raise BackupError(
                    _(
                        "The database is not empty (%(tables)s hold rows). Restore into a "
                        "freshly migrated database, or give --force to replace all its data."
                    )
                    % {"tables": ", ".join(occupied[:5])}
                )
            run.check_media()
            data.empty_tables(using)
            run.apply(path, using)
            _check_counts(manifest["counts"], using)
            sequences = data.reset_sequences(using)
    except BackupError:
        run.take_back()
        raise
    except (*READ_ERRORS, DeserializationError, DatabaseError, ObjectDoesNotExist) as exc:
        run.take_back()
        raise BackupError(
            _("The restore failed and was rolled back (%(error)s).") % {"error": exc}
        ) from exc
    except BaseException:
        run.take_back()
        raise
    ContentType.objects.clear_cache()
    # Cached pages and sessions describe the data that was replaced.
    for cache in caches.all():
        cache.clear()
    files = manifest["media"]
    return RestoreSummary(
        path=path,
        rows=run.rows,
        tables=len(manifest["counts"]),
        files=len(files),
        files_already_present=sum(1 for same in run.present.values() if same is True),
        media_bytes=sum(entry["size"] for entry in files.values()),
        sequences_reset=sequences,
        replaced_data=bool(occupied),
    )
