"""The shared folder ("drop"): its layout, the strict names readers accept, and publishing a
file so that it appears whole or not at all and is never overwritten.

::

    <drop>/csn-desk/network.json                      signed: network id, founding admin key
    <drop>/csn-desk/v1/roster/<version:06d>.json       signed, numbered roster
    <drop>/csn-desk/v1/keys/<epoch:06d>/<scope>/<site>.key   a scope key wrapped to one site
    <drop>/csn-desk/v1/join/<site>.json                a site asking to join (self-signed)
    <drop>/csn-desk/v1/seg/<site>/<seq:012d>.seg       immutable segments; one writer each
    <drop>/csn-desk/v1/ack/<site>/<seq:012d>.ack       what each site has applied (signed)
    <drop>/csn-desk/v1/ckpt/<site>/<n:012d>.ckpt       full-state checkpoints (one writer each)
    <drop>/csn-desk/v1/tmp/                            staging, ignored by readers

Names are lower-case ids and fixed-width numbers only, never personal data. Anything else a
cloud client or a person leaves here (``(conflicted copy)``, ``.sync-conflict-``,
``desktop.ini``, ``~$`` lock files, upper-case variants) does not match and is ignored."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from csn_desk.store.atomic import fsync_dir
from csn_desk.sync.errors import DropBusy, PublishCollision
from csn_desk.sync.failpoints import crashpoint

APP_DIR = "csn-desk"
VERSION_DIR = "v1"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SITE_RE = re.compile(rf"^{_UUID}$")
SEG_RE = re.compile(r"^([0-9]{12})\.seg$")
ACK_RE = re.compile(r"^([0-9]{12})\.ack$")
CKPT_RE = re.compile(r"^([0-9]{12})\.ckpt$")
ROSTER_RE = re.compile(r"^([0-9]{6})\.json$")
EPOCH_RE = re.compile(r"^([0-9]{6})$")
SCOPE_DIR_RE = re.compile(rf"^(network|{_UUID})$")
KEY_RE = re.compile(rf"^({_UUID})\.key$")
JOIN_RE = re.compile(rf"^({_UUID})\.json$")

# Bounded retries when Windows says the destination is in use (antivirus, the indexer, a
# cloud client holding a handle): about 3 s in all, then give up and try at the next sync.
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)


def place_no_overwrite(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst`` unless ``dst`` exists (raises FileExistsError then).

    A hard link is atomic and never replaces; where the file system has no hard links (FAT
    on a USB stick, some SMB shares) a rename after a check stands in (one writer per file,
    so nothing races it). PermissionError passes through for the caller to retry."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:
        if not _no_links(exc):
            raise
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "exists") from None
        os.rename(src, dst)  # on Windows rename never replaces an existing file
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(src)


def _no_links(exc: OSError) -> bool:
    if isinstance(exc, NotImplementedError | AttributeError):
        return True
    if sys.platform == "win32":
        return not isinstance(exc, PermissionError)
    return exc.errno in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP,
                         errno.EMLINK, errno.ENOSYS)


@dataclass
class Drop:
    """One shared folder. ``place`` and ``sleep`` are the publishing primitives; tests pass a
    ``place`` that fails the way Windows does, to prove the retries."""

    folder: Path
    place: Callable[[Path, Path], None] = place_no_overwrite
    sleep: Callable[[float], None] = time.sleep
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    ignored: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.folder / APP_DIR

    @property
    def network_file(self) -> Path:
        return self.root / "network.json"

    @property
    def base(self) -> Path:
        return self.root / VERSION_DIR

    def dir(self, name: str) -> Path:
        return self.base / name

    def seg_path(self, site_id: str, seq: int) -> Path:
        return self.base / "seg" / site_id / f"{seq:012d}.seg"

    def ack_path(self, site_id: str, seq: int) -> Path:
        return self.base / "ack" / site_id / f"{seq:012d}.ack"

    def ckpt_path(self, site_id: str, n: int) -> Path:
        return self.base / "ckpt" / site_id / f"{n:012d}.ckpt"

    def roster_path(self, version: int) -> Path:
        return self.base / "roster" / f"{version:06d}.json"

    def key_path(self, epoch: int, scope_tag: str, site_id: str) -> Path:
        return self.base / "keys" / f"{epoch:06d}" / scope_tag / f"{site_id}.key"

    def join_path(self, site_id: str) -> Path:
        return self.base / "join" / f"{site_id}.json"

    def make_dirs(self) -> None:
        for name in ("roster", "keys", "join", "seg", "ack", "ckpt", "tmp"):
            self.dir(name).mkdir(parents=True, exist_ok=True)

    # -- listing ------------------------------------------------------------------------------
    def _entries(self, folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as it:
                return list(it)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _note_ignored(self, folder: Path, name: str) -> None:
        self.ignored.append(str((folder / name).relative_to(self.root)))

    def site_dirs(self, kind: str = "seg") -> list[str]:
        folder = self.dir(kind)
        sites = []
        for entry in self._entries(folder):
            if SITE_RE.match(entry.name) and entry.is_dir():
                sites.append(entry.name)
            else:
                self._note_ignored(folder, entry.name)
        return sorted(sites)

    def numbered(self, folder: Path, pattern: re.Pattern[str]) -> dict[int, str]:
        """Files in ``folder`` whose names match ``pattern`` (group 1 is the number), as
        plain path strings (a poll lists thousands; Path objects would cost more than the
        listing itself)."""
        found = {}
        for entry in self._entries(folder):
            m = pattern.match(entry.name)
            if m and entry.is_file():
                found[int(m.group(1))] = entry.path
            else:
                self._note_ignored(folder, entry.name)
        return found

    def names(self, folder: Path) -> list[str]:
        """Every name in a folder (nothing checked yet), for the fast "anything new?" test."""
        try:
            return os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def accept(self, folder: Path, names: set[str], pattern: re.Pattern[str]) -> dict[int, str]:
        """Of ``names`` (in ``folder``), those matching ``pattern``; the rest are ignored."""
        found = {}
        for name in names:
            m = pattern.match(name)
            if m:
                found[int(m.group(1))] = os.path.join(folder, name)
            else:
                self._note_ignored(folder, name)
        return found

    def segments(self, site_id: str) -> dict[int, str]:
        return self.numbered(self.base / "seg" / site_id, SEG_RE)

    def checkpoints(self, site_id: str) -> dict[int, str]:
        return self.numbered(self.base / "ckpt" / site_id, CKPT_RE)

    def rosters(self) -> dict[int, str]:
        return self.numbered(self.dir("roster"), ROSTER_RE)

    def acks(self, site_id: str) -> dict[int, str]:
        return self.numbered(self.base / "ack" / site_id, ACK_RE)

    def join_requests(self) -> dict[str, Path]:
        folder, found = self.dir("join"), {}
        for entry in self._entries(folder):
            m = JOIN_RE.match(entry.name)
            if m and entry.is_file():
                found[m.group(1)] = folder / entry.name
            else:
                self._note_ignored(folder, entry.name)
        return found

    def key_epochs(self) -> list[int]:
        folder = self.dir("keys")
        return sorted(int(e.name) for e in self._entries(folder)
                      if EPOCH_RE.match(e.name) and e.is_dir())

    # -- publishing ---------------------------------------------------------------------------
    def publish(self, final: Path, data: bytes, *, tag: str) -> bool:
        """Write ``data`` to ``final`` atomically and never over another file: staged in
        ``tmp/``, flushed and fsynced, then placed. Returns False if an identical file was
        already there (an earlier attempt got that far); raises PublishCollision if a
        different one is, DropBusy if the folder kept refusing."""
        tmp_dir = self.dir("tmp")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{tag}-{secrets.token_hex(6)}.part"
        try:
            with open(tmp, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            crashpoint("export:staged")
            for attempt in range(len(self.retry_delays) + 1):
                try:
                    self.place(tmp, final)
                    break
                except FileExistsError:
                    if _same_content(final, data):
                        return False
                    raise PublishCollision() from None
                except PermissionError:
                    if attempt == len(self.retry_delays):
                        raise DropBusy() from None
                    self.sleep(self.retry_delays[attempt])
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        fsync_dir(final.parent)
        return True

    def clean_tmp(self, prefix: str, older_than_s: float = 3600) -> None:
        """Remove this site's own staging files left by a crash (never anyone else's)."""
        now = time.time()
        for entry in self._entries(self.dir("tmp")):
            if entry.name.startswith(prefix + "-") and entry.name.endswith(".part"):
                with contextlib.suppress(OSError):
                    if now - entry.stat().st_mtime > older_than_s:
                        os.unlink(entry.path)


def _same_content(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def read_file(path: Path | str, limit: int) -> bytes | None:
    """A file's bytes, or None if it cannot be read now (an online-only placeholder, a file
    still locked by its writer, gone since the listing)."""
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError:
        return None
