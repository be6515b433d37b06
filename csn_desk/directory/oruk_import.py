"""Importing a directory file (ORUK JSON or CSV): check it, say what it would do, then do all
of it or none of it.

``check_file`` reads and checks the file and compares it with the directory: the report
lists every problem by record and field and counts what would be added, changed or left
alone (this is the dry run). ``import_entries`` then writes, in one unit of work: either the
valid records (those with errors are left out and listed) or, with ``valid_only=False``,
nothing at all if any record has an error. A failure or a cancel part-way rolls the whole
import back. Re-importing the same file writes nothing.

An entry in the file is matched to the directory by its id, then by the id it had in the
file (``external_id``); an organisation also by its charity or company number. A field the
file does not carry is left as it is."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from csn_desk.cycle_pause import collector_paused
from csn_desk.directory.csv_mapping import CsvMapping, read_csv_entries
from csn_desk.directory.duplicates import (
    DuplicateIndex,
    index_directory,
    number_key,
    service_candidate,
)
from csn_desk.directory.editing import NewRows
from csn_desk.directory.import_report import Counts, ImportReport, Issue, Problems
from csn_desk.directory.index import IndexAfterwards, index_new_services_afterwards
from csn_desk.directory.inputs import (
    LocationInput,
    OrganisationInput,
    ServiceInput,
    canonical_service,
    validate_organisation,
    validate_service,
)
from csn_desk.directory.oruk_parse import parse
from csn_desk.directory.oruk_validate import Entries, Entry
from csn_desk.directory.oruk_validate import read_entries as read_json_entries
from csn_desk.directory.permissions import require_editor
from csn_desk.directory.place_ids import PlaceChecks
from csn_desk.directory.records import Directory, read_directory
from csn_desk.directory.rows import location_values
from csn_desk.directory.safe_read import FileRefused, parse_json, read_limited
from csn_desk.directory.upsert import (
    Outcome,
    organisation_unchanged,
    save_organisation_with,
    save_service_with,
    service_unchanged,
    update_place,
)
from csn_desk.errors import InvalidInput
from csn_desk.store.writes import Writer
from csn_desk.workspace import Workspace

T = TypeVar("T", OrganisationInput, ServiceInput)

# From this many entries an import counts as large (a larger page cache while it works), and
# from this many new services it indexes them for search at the end: see ``import_entries``.
LARGE_IMPORT = 200
# Change-log rows a new service adds, at the least (a field each of the service, its place,
# schedules, costs and categories): the estimate ``Writer.log_index_deferred`` is given.
LOG_ROWS_A_SERVICE = 20


class Progress(Protocol):
    """What a long import reports to (the UI's TaskState fits): progress, and a place to
    stop (``check`` raises if the user cancelled; the unit of work then rolls back)."""

    def progress(self, done: int, total: int = 0, text: str = "") -> None: ...

    def check(self) -> None: ...


class _Quiet:
    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        pass

    def check(self) -> None:
        pass


def is_csv(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".txt")


def read_entries(path: Path, mapping: CsvMapping | None = None) -> Entries:
    """Read and check a file; FileRefused if the file as a whole cannot be used."""
    with collector_paused():
        return _read_entries(path, mapping)


def _read_entries(path: Path, mapping: CsvMapping | None) -> Entries:
    data = read_limited(path)
    if is_csv(path) or mapping is not None:
        return read_csv_entries(data, mapping)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        raise FileRefused("This is not a JSON file. Choose an Open Referral UK JSON file, or "
                          "a CSV file (ending .csv) for the column-matching step.")
    return read_json_entries(parse(parse_json(data)))


# -- matching the file to the directory --------------------------------------------------------
@dataclass
class _Existing:
    """The directory as it is, indexed for matching."""

    d: Directory
    orgs: dict[str, OrganisationInput] = field(default_factory=dict)
    org_external: dict[str, OrganisationInput] = field(default_factory=dict)
    org_charity: dict[str, OrganisationInput] = field(default_factory=dict)
    org_company: dict[str, OrganisationInput] = field(default_factory=dict)
    org_name: dict[str, OrganisationInput] = field(default_factory=dict)
    services: dict[str, ServiceInput] = field(default_factory=dict)
    service_external: dict[str, ServiceInput] = field(default_factory=dict)
    service_name: dict[tuple[str, str], ServiceInput] = field(default_factory=dict)
    places: PlaceChecks = field(default_factory=lambda: PlaceChecks({}))

    @classmethod
    def read(cls, session: Session) -> _Existing:
        e = cls(read_directory(session))
        e.places = PlaceChecks.of(session, e.d)
        for o in e.d.organisations:
            e.orgs[o.id or ""] = o
            if o.external_id:
                e.org_external.setdefault(o.external_id, o)
            if (key := number_key(o.charity_number)) is not None:
                e.org_charity.setdefault(key, o)
            if (key := number_key(o.company_number)) is not None:
                e.org_company.setdefault(key, o)
            e.org_name.setdefault(o.name.casefold(), o)
        for s in e.d.services:
            e.services[s.id or ""] = s
            if s.external_id:
                e.service_external.setdefault(s.external_id, s)
            e.service_name.setdefault((s.organisation_id, s.name.casefold()), s)
        return e

    def organisation(self, entry: Entry[OrganisationInput],
                     by_name: bool) -> OrganisationInput | None:
        v = entry.value
        found = self.orgs.get(v.id or "") or (
            self.org_external.get(entry.source_id or "") if entry.source_id else None)
        if found is None and entry.given:
            for key, index in ((number_key(v.charity_number), self.org_charity),
                               (number_key(v.company_number), self.org_company)):
                if found is None and key is not None:
                    found = index.get(key)
        if found is None and by_name and entry.given and v.name:
            found = self.org_name.get(v.name.casefold())
        return found

    def service(self, entry: Entry[ServiceInput], organisation_id: str,
                by_name: bool) -> ServiceInput | None:
        v = entry.value
        found = self.services.get(v.id or "") or (
            self.service_external.get(entry.source_id or "") if entry.source_id else None)
        if found is None and by_name:
            found = self.service_name.get((organisation_id, v.name.casefold()))
        return found


def _merge(existing: T | None, value: T, given: frozenset[str]) -> T:
    """The file's values for the fields it gave, the stored ones for the rest."""
    if existing is None:
        return value
    changes: dict[str, Any] = {f: getattr(value, f) for f in given if hasattr(value, f)}
    if isinstance(existing, ServiceInput) and "locations" in changes:
        changes["location"] = None
    return replace(existing, **changes, id=existing.id)


def _same_service(a: ServiceInput, b: ServiceInput) -> bool:
    """Equal as the save would see them: child rows by content, places by their details."""
    def strip(s: ServiceInput) -> ServiceInput:
        s = canonical_service(s)
        org = s.organisation_id
        places = tuple(sorted((tuple(sorted(location_values(org, p).items(), key=str))
                               for p in s.places), key=repr))
        return replace(
            s, locations=(), schedules=tuple(replace(x, id=None) for x in s.schedules),
            closures=tuple(replace(x, id=None) for x in s.closures),
            costs=tuple(replace(x, id=None) for x in s.costs),
            terms=tuple(replace(x, id=None) for x in s.terms),
            external_id=repr(places))  # places compared through this field
    return strip(a) == strip(b)


@dataclass
class _Plan:
    organisations: list[tuple[Entry[OrganisationInput], OrganisationInput,
                              OrganisationInput | None]] = field(default_factory=list)
    services: list[tuple[Entry[ServiceInput], ServiceInput,
                         ServiceInput | None]] = field(default_factory=list)
    # Entries (by position in the lists above) that saving would certainly leave as they
    # are: the import does not go through the save for them (re-importing a file).
    same_organisations: set[int] = field(default_factory=set)
    same_services: set[int] = field(default_factory=set)
    organisation_counts: Counts = Counts()
    service_counts: Counts = Counts()
    problems: Problems = field(default_factory=Problems)
    # This organisation's places that new services give other details (see place_ids).
    moved_places: dict[str, tuple[LocationInput, str]] = field(default_factory=dict)


def _count(outcomes: list[Outcome]) -> Counts:
    return Counts(outcomes.count("created"), outcomes.count("updated"),
                  outcomes.count("unchanged"))


def _plan(entries: Entries, existing: _Existing, by_name: bool, *,
          duplicates: bool = True) -> _Plan:
    """Match every valid entry to the directory. The file's own problems are copied, so
    planning twice (a check, then the import) reports each problem once. ``duplicates``:
    also warn about new entries that look like others (else the caller calls
    ``_flag_duplicates`` itself, before it reads the problems)."""
    src = entries.problems
    p = Problems(list(src.issues), set(src.failed), src.limit, src.dropped)
    plan = _Plan(problems=p)
    resolved: dict[str, str | None] = {}  # organisation entry key -> our id
    org_outcomes: list[Outcome] = []
    for key, oentry in entries.lookup.items():
        ofound = existing.organisation(oentry, by_name)
        if not oentry.given:  # only named by id: it must already be in the directory
            resolved[key] = ofound.id if ofound else None
            continue
        if key in p.failed:
            resolved[key] = None
            continue
        owant = _merge(ofound, oentry.value, oentry.given)
        try:
            validate_organisation(owant)
        except InvalidInput as exc:
            p.error(key, oentry.label, "", str(exc))
            resolved[key] = None
            continue
        resolved[key] = owant.id
        plan.organisations.append((oentry, owant, ofound))
        org_outcomes.append("created" if ofound is None else
                            "unchanged" if owant == ofound else "updated")
    service_outcomes: list[Outcome] = []
    places = existing.places.fresh()
    for entry in entries.services:
        org_key = entry.organisation_key or ""
        org_id = resolved.get(org_key)
        if entry.key in p.failed:
            continue
        if org_id is None:
            org = entries.lookup.get(org_key)
            if org is not None and not org.given:
                p.error(entry.key, entry.label, "organization_id",
                        f"Its organisation {org.source_id!r:.60} is neither in the file nor "
                        "in the directory; add the organisation to the file.")
            else:
                p.error(entry.key, entry.label, "organization",
                        "Its organisation has errors, so this service cannot be imported "
                        "until they are fixed.")
            continue
        found = existing.service(entry, org_id, by_name)
        value = entry.value
        if value.organisation_id != org_id:
            value = replace(value, organisation_id=org_id)
        want = _merge(found, value, entry.given)
        try:
            validate_service(want)
        except InvalidInput as exc:
            p.error(entry.key, entry.label, "", str(exc))
            continue
        if problem := places.problem(want, entry.label, found is None):
            p.error(entry.key, entry.label, "service_at_locations", problem)
            continue
        if moving := places.warning(want):
            p.warning(entry.key, entry.label, "service_at_locations", moving)
        same = found is not None and service_unchanged(want, found)
        if same:
            plan.same_services.add(len(plan.services))
        plan.services.append((entry, want, found))
        service_outcomes.append("created" if found is None else
                                "unchanged" if same or _same_service(want, found)
                                else "updated")
    # An organisation known only as the organisation of services that all failed is left
    # out too (it would be an empty entry); one listed in its own right goes in.
    used = {want.organisation_id for _e, want, _f in plan.services}
    kept = [(i, o) for i, o in enumerate(plan.organisations)
            if o[0].standalone or o[1].id in used]
    plan.organisations = [o for _i, o in kept]
    plan.same_organisations = {n for n, (_e, owant, ofound) in enumerate(plan.organisations)
                               if ofound is not None and organisation_unchanged(owant, ofound)}
    plan.moved_places = places.moved
    plan.organisation_counts = _count([org_outcomes[i] for i, _o in kept])
    plan.service_counts = _count(service_outcomes)
    if duplicates:
        _flag_duplicates(plan, existing)
    return plan


def _flag_duplicates(plan: _Plan, existing: _Existing) -> None:
    """Warn about new entries that look like ones already there (or earlier in the file)."""
    new_services = [(e, want) for e, want, found in plan.services if found is None]
    if not new_services and all(found is not None for _e, _w, found in plan.organisations):
        return  # nothing new: nothing to compare
    index: DuplicateIndex = index_directory(existing.d.organisations, existing.d.services)
    candidates = [service_candidate(want) for _e, want in new_services]
    places: dict[str, set[str]] = {}
    for (_e, want), candidate in zip(new_services, candidates, strict=True):
        places.setdefault(want.organisation_id, set()).update(candidate.postcodes)
    for oentry, owant, ofound in plan.organisations:
        if ofound is None:
            postcodes = places.get(owant.id or "", set())
            for match in index.organisation_matches(owant, postcodes):
                plan.problems.warning(oentry.key, oentry.label, "", match.sentence())
            index.add_organisation(owant, postcodes)
    for (entry, _want), candidate in zip(new_services, candidates, strict=True):
        for match in index.service_matches(candidate):
            plan.problems.warning(entry.key, entry.label, "", match.sentence())
        index.add_service(candidate)


# -- the report --------------------------------------------------------------------------------
def _report(source: str, entries: Entries, plan: _Plan, *, written: bool,
            dry_run: bool) -> ImportReport:
    p = plan.problems
    tallies = [Issue("warning", "the whole file", "",
                     f"{message} ({n:,} record{'s' if n != 1 else ''})")
               for message, n in sorted(entries.tallies.items())]
    return ImportReport(
        source=source, shape=entries.shape, organisations=len(entries.organisations),
        services=len(entries.services) + _dropped_services(entries),
        valid_organisations=len(plan.organisations), valid_services=len(plan.services),
        organisations_with_errors=sum(1 for o in entries.organisations if o.key in p.failed),
        issues=tuple(tallies + p.issues), issues_not_shown=p.dropped,
        not_kept=tuple(sorted(entries.not_kept))[:40],
        organisation_counts=plan.organisation_counts, service_counts=plan.service_counts,
        written=written, dry_run=dry_run)


def _dropped_services(entries: Entries) -> int:
    """Services left out before matching (not objects, or a repeated id)."""
    keys = {e.key for e in entries.services}
    return len({k for k in entries.problems.failed
                if k.startswith("service:") and k not in keys})


def refused_report(path: Path, reason: str) -> ImportReport:
    return ImportReport(source=path.name, shape="", refused=reason)


def check_entries(ws: Workspace, source: str, entries: Entries) -> ImportReport:
    """The dry run: what importing these entries would do, and every problem."""
    with collector_paused(), ws.db.read() as s:
        plan = _plan(entries, _Existing.read(s), by_name=_by_name(entries))
    return _report(source, entries, plan, written=False, dry_run=True)


def _by_name(entries: Entries) -> bool:
    """A CSV without ids is matched by names (the organisation's, then the service's within
    it); ORUK files always carry ids."""
    return entries.shape == "CSV"


def check_file(ws: Workspace, path: Path, mapping: CsvMapping | None = None) -> ImportReport:
    try:
        entries = read_entries(path, mapping)
    except FileRefused as exc:
        return refused_report(path, str(exc))
    return check_entries(ws, path.name, entries)


def import_entries(ws: Workspace, source: str, entries: Entries, *, valid_only: bool = True,
                   progress: Progress | None = None) -> ImportReport:
    """Write the entries in one unit of work (see the module docstring)."""
    require_editor(ws)
    with collector_paused():
        return _import_entries(ws, source, entries, valid_only, progress or _Quiet())


def _import_entries(ws: Workspace, source: str, entries: Entries, valid_only: bool,
                    tell: Progress) -> ImportReport:
    written = False
    flagging = _Background()
    with ws.db.write(ws.actor) as w, contextlib.ExitStack() as large:
        large.enter_context(flagging)  # left last: waited for before the commit
        size = len(entries.services) + len(entries.organisations)
        if size >= LARGE_IMPORT:
            # ~16 KiB of page cache an entry (the rows, their change log and clocks, and
            # the indexes they go into), up to 384 MiB for a 20,000-service feed.
            large.enter_context(w.large(cache_mib=min(384, max(64, size // 64))))
        tell.progress(0, 0, "Comparing with the directory")
        existing = _Existing.read(w.session)
        plan = _plan(entries, existing, by_name=_by_name(entries), duplicates=False)
        nothing_valid = not plan.organisations and not plan.services
        if (plan.problems.failed and not valid_only) or nothing_valid:
            _flag_duplicates(plan, existing)
            return _report(source, entries, plan, written=False, dry_run=False)
        # New organisations, services and their rows are gathered and written a few hundred
        # at a time (Writer.create_many per table): the same rows as one by one, in far
        # fewer statements. A large import indexes its new services for search once at the
        # end (index.py) instead of by trigger, row by row.
        # Many new services also add many change-log rows: into a short change log (a new
        # directory) its row-id index is built once at the end instead (Writer).
        new_services = sum(1 for _e, _w, found in plan.services if found is None)
        with contextlib.ExitStack() as indexing:
            index = (indexing.enter_context(index_new_services_afterwards(w.session))
                     if new_services >= LARGE_IMPORT else None)
            if new_services >= LARGE_IMPORT:
                indexing.enter_context(w.log_index_deferred(new_services * LOG_ROWS_A_SERVICE))
            org_outcomes, service_outcomes = _write(w, plan, tell, index)
            # The warnings about look-alike entries change nothing written: they are
            # worked out on a thread of their own while the last long statements run
            # (SQLite lets go of the GIL inside each; the warnings are pure Python on the
            # plan, which nothing here changes any more; the write never reads the plan's
            # problems), and waited for before the commit: if they fail, nothing is
            # written, as before.
            flagging.start(_flag_duplicates, plan, existing)
        total = len(plan.services)
        plan.organisation_counts = _count(org_outcomes)
        plan.service_counts = _count(service_outcomes)
        changed = sum(c.created + c.updated for c in (plan.organisation_counts,
                                                       plan.service_counts))
        tell.progress(total, total, "Finishing")
        # The end of ``large`` (the clocks copied, the new rows' audit events appended
        # meanwhile) and the look-alike warnings waited for, before the import's own audit
        # event: it comes after the events of the rows it made, with nothing held back.
        large.close()
        if changed:
            s, o = plan.service_counts, plan.organisation_counts
            w.event("import:directory", detail=(
                f"{entries.shape}; services +{s.created} ~{s.updated}; organisations "
                f"+{o.created} ~{o.updated}"))
        written = True
    return _report(source, entries, plan, written=written, dry_run=False)


class _Background:
    """One function on a thread of its own, ``start``-ed inside a ``with`` block. Leaving
    the block waits for it and raises what it raised; if the block itself failed, it only
    waits (the block's own error is the one to see)."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self, fn: Callable[..., object], *args: object) -> None:
        def run() -> None:
            try:
                fn(*args)
            except BaseException as exc:  # raised on leaving the block
                self.error = exc

        self.thread = threading.Thread(target=run, name="csn-desk-import", daemon=True)
        self.thread.start()

    def __enter__(self) -> _Background:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_exc: object) -> None:
        if self.thread is not None:
            self.thread.join()
        if kind is None and self.error is not None:
            raise self.error


def _write(w: Writer, plan: _Plan, tell: Progress, index: IndexAfterwards | None
           ) -> tuple[list[Outcome], list[Outcome]]:
    """Save every planned entry; (organisation outcomes, service outcomes)."""
    batch = NewRows()
    org_outcomes: list[Outcome] = []
    for i, (_oentry, owant, ofound) in enumerate(plan.organisations):
        if i % 500 == 0:
            batch.flush(w)
        if i in plan.same_organisations:
            org_outcomes.append("unchanged")
            continue
        org_outcomes.append(save_organisation_with(w, owant, ofound, batch, checked=True))
    total = len(plan.services)
    batch.expect_locations(w, {p.id for _e, want, found in plan.services if found is None
                               for p in want.places if p.id})
    service_outcomes: list[Outcome] = []
    for i, (_entry, want, found) in enumerate(plan.services):
        if i % 200 == 0:
            batch.flush(w)
            tell.check()
            tell.progress(i, total, f"Saving services ({i:,} of {total:,})")
        if i in plan.same_services:
            service_outcomes.append("unchanged")
            continue
        outcome = save_service_with(w, want, found, batch, checked=True)
        if index is not None and found is not None and found.id and outcome == "updated":
            index.categories_may_change([found.id])
        service_outcomes.append(outcome)
    batch.flush(w)
    for location_id, (place, org) in plan.moved_places.items():
        update_place(w, location_id, place, org)
    tell.check()
    return org_outcomes, service_outcomes


def import_file(ws: Workspace, path: Path, *, dry_run: bool = False, valid_only: bool = True,
                mapping: CsvMapping | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Check and (unless ``dry_run``) import one file; never raises for a bad file."""
    if not dry_run:
        require_editor(ws)
    # One pause of the collector for reading and importing both, and the entries let go
    # before it ends: between two pauses, or at its end, the collector would walk every
    # entry read (~0.3 s for a 20,000-service file) for nothing (they hold no cycles).
    with collector_paused():
        try:
            entries = read_entries(path, mapping)
        except FileRefused as exc:
            return refused_report(path, str(exc))
        if dry_run:
            report = check_entries(ws, path.name, entries)
        else:
            report = import_entries(ws, path.name, entries, valid_only=valid_only,
                                    progress=progress)
        del entries
    return report

