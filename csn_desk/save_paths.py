"""The place a user asked a file to be saved (a tallies export, a PDF, the directory): checked
before any work, and a write that fails there told in plain words that say what to do,
never as an error's name. Used by every export that writes where the user chose.

The messages never repeat the path: a file name may name a person (a letter saved as
"letter for Mrs ...")."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from csn_desk.errors import InvalidInput
from csn_desk.store.atomic import fsync_dir


def check_save_path(out: Path | str, example: str = "report.pdf", *,
                    data_dir: Path | None = None) -> Path:
    """``out`` as a path, or InvalidInput saying why a file cannot be saved there.
    ``example``: a file name to suggest; ``data_dir``: csn-desk's own data folder, which
    no export may write into (an export named like the database would replace it)."""
    text = str(out).strip()
    if not text or text == ".":
        raise InvalidInput(f"Give the name of the file to save, for example {example}.")
    path = Path(out)
    try:
        _check(path, text, example, data_dir)
    except OSError as exc:  # (a name too long to look up, say)
        raise save_failed(exc) from None
    return path


def _check(path: Path, text: str, example: str, data_dir: Path | None) -> None:
    if path.is_dir():
        raise InvalidInput(f"That is a folder. Give a file name inside it, for example "
                           f"{example}.")
    if text.endswith(("/", os.sep)):
        raise InvalidInput("That folder does not exist; choose another place to save.")
    if path.exists() and not path.is_file():
        raise InvalidInput("That is not an ordinary file (it may be a device); choose another "
                           "name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput("That folder does not exist; choose another place to save.")
    if data_dir is not None and _inside(path, data_dir):
        raise InvalidInput("That is csn-desk's own data folder; save somewhere else, such as "
                           "your Documents folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput("csn-desk cannot save in that folder; choose a folder you can save "
                           "in, such as your Documents folder.")
    if path.exists() and not os.access(path, os.W_OK):
        raise InvalidInput("That file is read-only, so it is not replaced; choose another "
                           "name.")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True


def save_failed(exc: OSError) -> InvalidInput:
    """What to tell the user when writing failed part-way (nothing was kept)."""
    if exc.errno == errno.ENOSPC:
        why = "the disk is full; free some space or save somewhere else"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = "csn-desk is not allowed to write there; choose another folder"
    elif exc.errno == errno.EROFS:
        why = "that place can only be read (a locked memory stick?); choose another"
    elif exc.errno == errno.ENAMETOOLONG:
        why = "the file name is too long; choose a shorter one"
    else:
        why = ("check the folder is still there and the file is not open in another "
               "program, then try again")
    return InvalidInput(f"The file could not be saved: {why}. Nothing was saved.")


@contextlib.contextmanager
def replacing(out: Path, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """A new private file beside ``out`` to write, put in its place when the block ends
    (whole or not at all). The temporary file is made afresh (never an existing name, so
    never through a link someone left there); a failed write leaves nothing and raises
    ``save_failed``'s plain sentence."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name[:100]}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise save_failed(exc) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, mode, **open_args) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, out)
        fsync_dir(folder)  # (the rename itself kept through a power cut)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise save_failed(exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
