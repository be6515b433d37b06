"""How sync state reads to a person: the status-bar line, "last heard from 2 days ago",
conflict values and problem kinds. Plain functions with no Qt, so they are tested on their
own and the widgets only place the text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csn_desk.sync.service import ACTIVE, NOT_SET_UP, REMOVED, WAITING, SyncStatus
from csn_desk.timefmt import to_uk
from csn_desk.vocab import vocab

NOT_SET_UP_TEXT = "Not set up for sync"
NOT_REACHABLE_TEXT = "Shared folder not reachable: working offline"
NOT_SYNCED_TEXT = "Not synced yet"
SYNCING_TEXT = "Syncing..."
CHECKING_TEXT = "Sync: checking..."
WAITING_TEXT = "Waiting for approval to join the network"
REMOVED_TEXT = "Removed from the network: not syncing"
FAILED_TEXT = "Last sync did not finish: see Sync"
EMPTY_VALUE = "(empty)"
MAX_VALUE_CHARS = 200


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """"just now", "5 minutes ago", "3 hours ago", "yesterday", "2 days ago", or the date
    for anything over a fortnight. ``None`` (never heard from) reads "not yet"."""
    if when is None:
        return "not yet"
    now = aware(now or datetime.now(UTC))
    seconds = (now - aware(when)).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{_plural(minutes, 'minute')} ago"
    hours = minutes // 60
    if hours < 24:
        return f"{_plural(hours, 'hour')} ago"
    days = hours // 24
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    return f"on {to_uk(when):%d/%m/%Y}"


def synced_at(when: datetime, now: datetime | None = None) -> str:
    """"Synced 10:42" today (UK time), "Synced 24/11 10:42" on another day."""
    local, today = to_uk(when), to_uk(now or datetime.now(UTC))
    if local.date() == today.date():
        return f"Synced {local:%H:%M}"
    return f"Synced {local:%d/%m %H:%M}"


def status_line(status: SyncStatus | None, *, reachable: bool | None, running: bool,
                now: datetime | None = None) -> str:
    """The one short line the status bar shows."""
    if status is None:
        return CHECKING_TEXT
    if status.state == NOT_SET_UP:
        return NOT_SET_UP_TEXT
    if status.state == REMOVED:
        return REMOVED_TEXT
    if running:
        return SYNCING_TEXT
    if reachable is False:
        return NOT_REACHABLE_TEXT
    if status.state == WAITING:
        return WAITING_TEXT
    if status.last_error:
        return FAILED_TEXT
    if status.last_sync_at is None:
        return NOT_SYNCED_TEXT
    return synced_at(status.last_sync_at, now)


def waiting_line(status: SyncStatus | None) -> str:
    """Changes made here that have not gone out yet ("" when sync is not set up)."""
    if status is None or status.state not in (ACTIVE, WAITING):
        return ""
    if status.changes_waiting == 0:
        return "Nothing waiting to go out"
    return f"{_plural(status.changes_waiting, 'change')} waiting to go out"


def progress_line(done: int, total: int) -> str:
    if total <= 0:
        return SYNCING_TEXT
    # Counted in files, or in records while catching up from a checkpoint: "done" fits both.
    return f"Syncing: {min(done, total):,} of {total:,} done"


def file_number(seq: int) -> str:
    """A set-aside file's number; checkpoints are kept with negative numbers (-n)."""
    return f"checkpoint {-seq}" if seq < 0 else str(seq)


def value_text(value: Any) -> str:
    """A conflict value as a person reads it: "(empty)", "Yes"/"No", or the text, cut short."""
    if value is None or value == "":
        return EMPTY_VALUE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 3] + "..."


def field_label(table: str, field: str) -> str:
    """"Organisation: phone" from the stored table and column names."""
    return f"{table.replace('_', ' ').capitalize()}: {field.replace('_', ' ')}"


def field_words(field: str) -> str:
    """"Phone", "Needs checking" from the stored column name."""
    words = field.replace("_", " ")
    return words[:1].upper() + words[1:]


def site_text(name: str) -> str:
    return name or "an unknown site"


def problem_label(kind: str) -> str:
    return vocab("sync_problems").label(kind)


def site_status_label(status: str, is_self: bool) -> str:
    label = {"active": "Active", "removed": "Removed", "paused": "Paused"}.get(
        status, status.replace("_", " ").capitalize())
    return f"{label} (this site)" if is_self else label


def spoken_fingerprint(fp: str) -> str:
    """The fingerprint in groups with wide gaps, to read out over the phone."""
    return "   ".join(part for part in fp.split("-") if part)


__all__ = ["NOT_REACHABLE_TEXT", "NOT_SET_UP_TEXT", "NOT_SYNCED_TEXT", "ago", "field_label",
           "field_words", "file_number", "problem_label", "progress_line", "site_status_label",
           "site_text",
           "spoken_fingerprint", "status_line", "synced_at", "value_text", "waiting_line"]
