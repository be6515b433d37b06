"""The report an import gives back: what the file held, each problem with the record and the
field it is in, and what was (or would be) added, changed or left alone.

Messages name records by their id in the file and, to help people find them, the entry's
name; they never quote more than a few words of a value, so a hostile file cannot flood the
screen or the terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning"]
QUOTE_CHARS = 40
ID_CHARS = 60


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """A value as a short, printable quotation for a message."""
    text = (value if isinstance(value, str) else repr(value))[: limit * 4]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    return f"'{text[:limit]}...'" if len(text) > limit else f"'{text}'"


def record_label(kind: str, record_id: object, name: object = None) -> str:
    """``service 'abc-1' (Lunch club)``: how the report names a record."""
    label = f"{kind} {quote(record_id, ID_CHARS)}" if record_id not in (None, "") else kind
    if isinstance(name, str) and name.strip():
        label += f" ({quote(name.strip(), QUOTE_CHARS)[1:-1]})"
    return label


@dataclass(frozen=True)
class Issue:
    level: Level
    record: str  # e.g. "service 'svc-12' (Lunch club)", "row 14", "the whole file"
    field: str  # e.g. "status", "cost_options[0].currency"; "" for the whole record
    message: str  # one plain sentence that says what to do

    def line(self) -> str:
        where = f"{self.record}, {self.field}" if self.field else self.record
        return f"{self.level.upper()}  {where}: {self.message}"


@dataclass
class Problems:
    """Collects issues while a file is read; knows which records have errors."""

    issues: list[Issue] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # record keys with at least one error
    limit: int = 5_000  # a broken file can have an error on every line; keep the first ones
    dropped: int = 0

    def add(self, level: Level, key: str, record: str, where: str, message: str) -> None:
        if level == "error":
            self.failed.add(key)
        if len(self.issues) >= self.limit:
            self.dropped += 1
            return
        self.issues.append(Issue(level, record, where, message))

    def error(self, key: str, record: str, where: str, message: str) -> None:
        self.add("error", key, record, where, message)

    def warning(self, key: str, record: str, where: str, message: str) -> None:
        self.add("warning", key, record, where, message)


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did. ``refused`` is set when the whole file was turned away
    (too big, not JSON, not a directory...): then nothing else is filled in."""

    source: str  # the file's name (not its full path)
    shape: str  # e.g. "Open Referral UK 3 services", "Open Referral UK v1 data package"
    refused: str | None = None
    organisations: int = 0  # records read
    services: int = 0
    valid_organisations: int = 0
    valid_services: int = 0
    # Organisations with errors of their own (None: all that cannot be imported); the
    # others that cannot are left out because none of their services can be imported.
    organisations_with_errors: int | None = None
    issues: tuple[Issue, ...] = ()
    issues_not_shown: int = 0
    not_kept: tuple[str, ...] = ()  # parts of the file csn-desk does not keep
    organisation_counts: Counts = Counts()
    service_counts: Counts = Counts()
    written: bool = False  # True once the records were saved
    dry_run: bool = False

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level == "warning")

    @property
    def invalid_services(self) -> int:
        return self.services - self.valid_services

    @property
    def invalid_organisations(self) -> int:
        return self.organisations - self.valid_organisations

    @property
    def anything_to_import(self) -> bool:
        return self.refused is None and (self.valid_services + self.valid_organisations) > 0

    def summary(self) -> str:
        """Two or three plain sentences for the top of the report."""
        if self.refused:
            return f"{self.source} was not imported. {self.refused}"
        read = (f"{self.source} ({self.shape}) holds {self.services:,} service"
                f"{'s' if self.services != 1 else ''} from {self.organisations:,} "
                f"organisation{'s' if self.organisations != 1 else ''}.")
        own = self.invalid_organisations if self.organisations_with_errors is None else min(
            self.organisations_with_errors, self.invalid_organisations)
        failing = [f"{n:,} {what}{'s' if n != 1 else ''}" for n, what in (
            (self.invalid_services, "service"), (own, "organisation")) if n]
        verb = "has" if failing in (["1 service"], ["1 organisation"]) else "have"
        bad = (f" {' and '.join(failing)} {verb} errors and cannot be imported until the "
               "file is corrected." if failing else " Every record passed the checks.")
        left_out = self.invalid_organisations - own
        if left_out == 1:
            bad += " 1 organisation is left out because none of its services can be imported."
        elif left_out:
            bad += (f" {left_out:,} organisations are left out because none of their services "
                    "can be imported.")
        s, o = self.service_counts, self.organisation_counts
        verb = ("were" if self.written else "would be")
        done = (f" Services {verb}: {s.created:,} added, {s.updated:,} changed, "
                f"{s.unchanged:,} already up to date; organisations: {o.created:,} added, "
                f"{o.updated:,} changed, {o.unchanged:,} already up to date.")
        if not self.written and not self.dry_run:
            done = (" Nothing was imported." if self.issues or not self.anything_to_import
                    else "")
        return read + bad + done

    def lines(self) -> list[str]:
        """The whole report as text lines (the command line prints these)."""
        out = [self.summary()]
        if self.not_kept:
            out.append("Not kept (csn-desk has no place for these): "
                       + ", ".join(self.not_kept) + ".")
        out += [i.line() for i in self.issues]
        if self.issues_not_shown:
            out.append(f"... and {self.issues_not_shown:,} more problems not listed; fix "
                       "the ones above and check the file again.")
        return out
