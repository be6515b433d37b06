"""Application logging that cannot carry personal data (data-protection.md, "At rest").

Log calls in csn-desk pass ids and counts, but a library (or a careless ``%r`` of a record)
could still hand a message arguments with a client's details, and a traceback's text can
quote them. So the handler installed here writes only what the code itself wrote: the
message *template* (``record.msg``), never its arguments, and for an exception only its type
name, never the traceback or its frames' values. SQL logging (statements, parameters, rows)
is switched off altogether. Logs go to standard error, or to ``logs/csn-desk.log`` in the
data folder when the app has one."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

SQL_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool")
LOG_FILE = Path("logs") / "csn-desk.log"
_installed: list[logging.Handler] = []  # the handler configure() put on the root logger


class NoSql(logging.Filter):
    """Drops SQL records (statements, parameters, rows) should a library re-enable them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(SQL_LOGGERS)


def template_of(record: logging.LogRecord) -> str:
    """What the code wrote, without arguments; an exception only by its type name."""
    text = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    if record.exc_info and record.exc_info[0] is not None:
        text = f"{text} [{record.exc_info[0].__name__}]"
    return text


class SafeFormatter(logging.Formatter):
    """Formats the template only: never arguments, tracebacks or stack text. The record is
    not changed (other handlers, such as a test's capture, see it as logged)."""

    def format(self, record: logging.LogRecord) -> str:
        return (f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.name}: "
                f"{template_of(record)}")


def silence_sql() -> None:
    """No SQL, bound parameters or result rows in any log, whatever the levels say."""
    for name in SQL_LOGGERS:
        logger = logging.getLogger(name)
        logger.disabled = True
        logger.propagate = False


def configure(data_dir: Path | None = None, *, level: int = logging.WARNING,
              stream: TextIO | None = None) -> logging.Handler:
    """Install the one app handler on the root logger; returns it (tests remove it)."""
    silence_sql()
    root = logging.getLogger()
    while _installed:
        old = _installed.pop()
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if data_dir is not None and data_dir.is_dir():
        target = data_dir / LOG_FILE
        target.parent.mkdir(mode=0o700, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(NoSql())
    handler.setFormatter(SafeFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    _installed.append(handler)
    return handler
