"""Opening, creating and using one encrypted data directory.

``Database.open`` unlocks the key with a user's passphrase (nothing on disk changes if it is
wrong), opens SQLCipher, refuses a database newer than this code and upgrades an older one
after an encrypted backup. ``read()`` and ``write(actor)`` give one session per unit of work.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from csn_desk.errors import AlreadyInitialised, DatabaseUnreadable, NoDatabase
from csn_desk.store import migrate
from csn_desk.store.atomic import fsync_dir
from csn_desk.store.engine import WRITE_OPTION, connect, make_engine
from csn_desk.store.keys import KdfParams, KeyFile, new_db_key, new_recovery_key
from csn_desk.store.paths import DataPaths
from csn_desk.store.writes import Actor, Writer

log = logging.getLogger(__name__)


@dataclass
class Database:
    paths: DataPaths
    key: bytes
    engine: Engine
    backup_made: Path | None = None
    # The checkpoint a large unit of work left to a thread of its own (see ``write``).
    _checkpointer: threading.Thread | None = field(default=None, init=False, repr=False,
                                                   compare=False)
    _checkpointer_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                               repr=False, compare=False)

    def __post_init__(self) -> None:
        # Whoever disposes of the engine's connections (closing; a rekey, which must then
        # have the database to itself) first waits for a background checkpoint to end.
        event.listen(self.engine, "engine_disposed", self._engine_disposed)

    def _engine_disposed(self, _engine: Engine) -> None:
        self.wait_for_checkpoint()

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def create(cls, data_dir: Path, username: str, passphrase: str,
               kdf: KdfParams | None = None) -> tuple[Database, str]:
        """A new empty database at schema head; returns it and the one-time recovery key."""
        paths = DataPaths(Path(data_dir))
        if paths.database.exists() or paths.key_file.exists():
            raise AlreadyInitialised(str(paths.root))
        paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(paths.root, 0o700)  # only this user may list or open the data folder
        # Created empty and private first: SQLite gives the -wal and -shm files the same mode.
        os.close(os.open(paths.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        key, recovery = new_db_key(), new_recovery_key()
        try:
            engine = make_engine(paths.database, key)
            migrate.upgrade(engine)
            KeyFile.create(paths.key_file, key, username, passphrase, recovery, kdf)
        except BaseException:
            with contextlib.suppress(Exception):
                engine.dispose()
            for f in [*paths.sidecar_files(), paths.key_file]:
                f.unlink(missing_ok=True)
            raise
        return cls(paths, key, engine), recovery

    @classmethod
    def open(cls, data_dir: Path, username: str, passphrase: str) -> Database:
        paths = cls._existing(data_dir)
        key = KeyFile.load(paths.key_file).unlock(username, passphrase)
        return cls.open_with_key(paths, key)

    @classmethod
    def open_with_recovery(cls, data_dir: Path, recovery_key: str) -> Database:
        paths = cls._existing(data_dir)
        key = KeyFile.load(paths.key_file).unlock_with_recovery(recovery_key)
        return cls.open_with_key(paths, key)

    @classmethod
    def open_with_key(cls, paths: DataPaths, key: bytes) -> Database:
        engine = make_engine(paths.database, key)
        try:
            try:
                behind = migrate.needs_upgrade(engine)
            except sa_exc.DatabaseError:
                # A damaged page met while reading the schema version: a plain message,
                # not a raw driver error.
                raise DatabaseUnreadable() from None
            backup = None
            if behind:
                backup = migrate.backup_before_upgrade(engine, key, paths.backups)
                migrate.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(paths, key, engine, backup)

    @staticmethod
    def _existing(data_dir: Path) -> DataPaths:
        paths = DataPaths(Path(data_dir))
        finish_interrupted_rekey(paths)
        if not paths.exists():
            raise NoDatabase(str(paths.root))
        return paths

    def close(self) -> None:
        self.wait_for_checkpoint()
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- units of work ----------------------------------------------------------------------
    @functools.cached_property
    def _write_engine(self) -> Engine:
        return self.engine.execution_options(**{WRITE_OPTION: True})

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: a deferred transaction, ended (not committed) on close.

        Objects read stay usable after the block, detached with their loaded values."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextlib.contextmanager
    def write(self, actor: Actor) -> Iterator[Writer]:
        """A write unit of work: one IMMEDIATE transaction, committed only if no error."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            writer = Writer(session, actor)
            try:
                yield writer
                session.commit()
            except BaseException:
                session.rollback()
                raise
        if writer.checkpoint_deferred:
            self._checkpoint_in_background()

    # -- checkpoints --------------------------------------------------------------------------
    # A large unit of work (``Writer.large``, a directory import) commits without copying its
    # WAL into the database; that copy is made here, on a thread with its own connection,
    # so the import returns sooner and no later commit on the GUI's path pays for it.
    # PASSIVE: it never waits for or blocks readers and writers (a commit meanwhile only
    # skips its own automatic checkpoint, the lock being taken). SQLite's checkpoint is
    # crash-safe: one cut short (the process ends) leaves the WAL to the next.
    def _checkpoint_in_background(self) -> None:
        with self._checkpointer_lock:
            thread = threading.Thread(target=self._checkpoint, args=(self._checkpointer,),
                                      name="csn-desk-checkpoint", daemon=True)
            self._checkpointer = thread
            thread.start()

    def _checkpoint(self, earlier: threading.Thread | None) -> None:
        if earlier is not None:
            earlier.join()  # one at a time (a second would find the lock taken and stop)
        try:
            conn = connect(self.paths.database, self.key)
        except Exception:  # a rekey or a closed folder: the next commit's checkpoint does it
            log.warning("background checkpoint: could not open the database", exc_info=True)
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except Exception:
            log.warning("background checkpoint failed", exc_info=True)
        finally:
            conn.close()

    def wait_for_checkpoint(self) -> None:
        """Wait for a background checkpoint (if one is running) to end."""
        with self._checkpointer_lock:
            thread, self._checkpointer = self._checkpointer, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def key_file(self) -> KeyFile:
        return KeyFile.load(self.paths.key_file)

    @staticmethod
    def key_file_at(data_dir: Path) -> KeyFile:
        return KeyFile.load(Database._existing(data_dir).key_file)


REKEY_SUFFIX = ".rekey"


def rekey_files(paths: DataPaths) -> tuple[Path, Path]:
    """Where a rekey (protection/keys_admin.py) writes the new database and key file."""
    return (paths.database.with_name(paths.database.name + REKEY_SUFFIX),
            paths.key_file.with_name(paths.key_file.name + REKEY_SUFFIX))


def finish_interrupted_rekey(paths: DataPaths) -> None:
    """A rekey renames the new database over the old one, then the new key file over the old
    one. If it stopped between the two (a power cut), the new key file is still pending and
    no new database is: the rename is finished here, so the data opens with the new key."""
    new_db, new_keys = rekey_files(paths)
    if new_keys.exists() and not new_db.exists() and paths.database.exists():
        os.replace(new_keys, paths.key_file)
        fsync_dir(paths.root)
