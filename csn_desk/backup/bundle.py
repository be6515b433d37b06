"""The backup file: one ``.csnbak`` holding the encrypted database copy, the key file and a
manifest (format, versions, site, time, sizes, hashes, row counts: no personal data).

It is a plain ZIP with three stored (uncompressed) members, read defensively: anything other
than exactly those members, sizes over the limits, a bad CRC or hash, or a manifest that does
not parse is refused whole as ``BadBackup``. Members are never extracted by name from the
file: the reader writes them to paths it chose itself."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csn_desk.errors import CsnError

FORMAT = "csn-desk-backup"
VERSION = 1
SUFFIX = ".csnbak"
MANIFEST = "manifest.json"
DATABASE = "csn-desk.db"
KEYS = "csn-desk.keys"
MEMBERS = (MANIFEST, KEYS, DATABASE)
MAX_MANIFEST = 256 * 1024
MAX_KEYS = 1024 * 1024
MAX_DATABASE = 64 * 1024 ** 3
CHUNK = 1024 * 1024
Progress = Callable[[int, int], None]


class BadBackup(CsnError):
    """The backup file is damaged, cut short or not a csn-desk backup: refused whole."""

    def __init__(self, why: str = "it is damaged, cut short or not a csn-desk backup") -> None:
        super().__init__(f"That backup file cannot be used: {why}. Nothing has been changed; "
                         "try another copy of the backup.")


@dataclass(frozen=True)
class Manifest:
    app_version: str
    schema_revision: str
    site_id: str
    site_name: str
    created_at: str  # ISO 8601 UTC
    files: dict[str, dict[str, Any]]  # member -> {"size": int, "sha256": str}
    row_counts: dict[str, int]

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "version": VERSION, "app_version": self.app_version,
                "schema_revision": self.schema_revision, "site_id": self.site_id,
                "site_name": self.site_name, "created_at": self.created_at,
                "files": self.files, "row_counts": self.row_counts}
        return json.dumps(body, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BadBackup("it is not a csn-desk backup")
            if raw.get("version") != VERSION:
                raise BadBackup("it was made by a newer version of csn-desk; install that "
                                "version to restore it")
            files = {name: {"size": int(raw["files"][name]["size"]),
                            "sha256": str(raw["files"][name]["sha256"])}
                     for name in (KEYS, DATABASE)}
            counts = {str(k): int(v) for k, v in dict(raw["row_counts"]).items()}
            return cls(str(raw["app_version"]), str(raw["schema_revision"]),
                       str(raw["site_id"]), str(raw.get("site_name", "")),
                       str(raw["created_at"]), files, counts)
        except BadBackup:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadBackup("its contents list is damaged") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_bundle(target: Path, manifest: Manifest, keys: Path, database: Path) -> None:
    """Write the bundle crash-safely: a hidden temp file beside ``target``, fsync, rename."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, \
                zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(MANIFEST, manifest.to_json())
            z.write(keys, KEYS)
            z.write(database, DATABASE)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    from csn_desk.store.atomic import fsync_dir

    fsync_dir(target.parent)


def read_bundle(path: Path, into: Path, progress: Progress | None = None) -> Manifest:
    """Check the whole bundle and copy its key file and database into the folder ``into``
    (which the caller made and will delete on failure). Raises BadBackup on any problem."""
    try:
        size = path.stat().st_size
    except OSError:
        raise BadBackup("it could not be read") from None
    if size > MAX_DATABASE + MAX_KEYS + MAX_MANIFEST + 64 * 1024:
        raise BadBackup("it is far larger than any csn-desk backup")
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
            if sorted(infos) != sorted(MEMBERS) or len(z.infolist()) != len(MEMBERS):
                raise BadBackup("it is not a csn-desk backup")
            limits = {MANIFEST: MAX_MANIFEST, KEYS: MAX_KEYS, DATABASE: MAX_DATABASE}
            for name, info in infos.items():
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > limits[name]:
                    raise BadBackup("it is not a csn-desk backup")
            manifest = Manifest.from_json(z.read(MANIFEST))
            for name in (KEYS, DATABASE):
                expected = manifest.files[name]
                if infos[name].file_size != expected["size"]:
                    raise BadBackup("a part of it has the wrong size")
                _copy_member(z, name, into / name, expected, progress)
            return manifest
    except BadBackup:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            ValueError, KeyError, NotImplementedError):
        raise BadBackup() from None


def _copy_member(z: zipfile.ZipFile, name: str, target: Path, expected: dict[str, Any],
                 progress: Progress | None) -> None:
    digest = hashlib.sha256()
    done, total = 0, int(expected["size"])
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, z.open(name) as src:
        while chunk := src.read(CHUNK):  # the ZIP CRC is checked as the member is read
            digest.update(chunk)
            out.write(chunk)
            done += len(chunk)
            if done > total:
                raise BadBackup("a part of it has the wrong size")
            if progress is not None:
                progress(done, total)
        out.flush()
        os.fsync(out.fileno())
    if done != total or digest.hexdigest() != expected["sha256"]:
        raise BadBackup("a part of it does not match its check value")
