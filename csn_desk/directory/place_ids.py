"""Places named by id in an import: one id, one place. Several services can meet at one
place (a file repeats the place under each), so a place's id in a file is checked against
the same id elsewhere in the file and in the directory:

- the same id with other details earlier in the file is an error (else the last one read
  would win, and each re-import would flip the place between them);
- the id of another organisation's place in the directory (the place's own organisation,
  not that of a service meeting there), with other details, is an error: a file cannot
  move another organisation's place (and its services with it);
- the id of this organisation's place, with other details, for a new service, changes the
  place as it would for a service already there (``PlaceChecks.moved``), so that the first
  import and the next do the same;
- changing a place where other organisations' services meet too is allowed to its own
  organisation, with a warning that their address changes as well."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.directory.inputs import LocationInput, ServiceInput
from csn_desk.directory.records import Directory
from csn_desk.directory.rows import location_values
from csn_desk.store.models import Location


def _details(place: LocationInput) -> tuple[Any, ...]:
    values = location_values(None, place)
    return tuple(v for k, v in values.items() if k not in ("organisation_id", "external_id"))


@dataclass
class PlaceChecks:
    """The places of the directory and of the file read so far, by id."""

    stored: dict[str, tuple[str | None, tuple[Any, ...]]]  # id -> (its organisation, details)
    # id -> the organisations of the services that meet there
    meeting: dict[str, set[str]] = field(default_factory=dict)
    in_file: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)
    # Places of this organisation that new services give other details: (place, its
    # organisation), by id, to be changed after the services are written.
    moved: dict[str, tuple[LocationInput, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session, d: Directory) -> PlaceChecks:
        owner: dict[str, str | None] = {
            row_id: org for row_id, org in session.execute(
                select(col(Location.id), col(Location.organisation_id)))}
        checks = cls({})
        for s in d.services:
            for p in s.places:
                if p.id:
                    checks.stored.setdefault(p.id, (owner.get(p.id, s.organisation_id),
                                                    _details(p)))
                    checks.meeting.setdefault(p.id, set()).add(s.organisation_id)
        return checks

    def fresh(self) -> PlaceChecks:
        """The same directory's places, with nothing of a file read yet (one per plan)."""
        return PlaceChecks(self.stored, self.meeting)

    def problem(self, want: ServiceInput, label: str, new: bool) -> str | None:
        """What is wrong with the places of ``want`` (a service read from the file, called
        ``label`` in the report), or None; a service without problems is remembered (see
        ``warning``)."""
        org = want.organisation_id
        named = [(p, _details(p)) for p in want.places if p.id]
        for place, details in named:
            pid = place.id or ""
            first = self.in_file.get(pid)
            if first is not None and first[0] != details:
                return (f"Its place {place.name!r:.60} has the id of a place given earlier in "
                        f"the file (for {first[1]}) with other details. Give both the same "
                        "details, or each place an id of its own.")
            have = self.stored.get(pid)
            if have is not None and have[0] != org and have[1] != details:
                return (f"Its place {place.name!r:.60} has the id of another organisation's "
                        "place in the directory, with other details: a file cannot change "
                        "another organisation's place. Give this place an id of its own.")
        for place, details in named:
            pid = place.id or ""
            self.in_file.setdefault(pid, (details, label))
            have = self.stored.get(pid)
            if new and have is not None and have[1] != details:
                self.moved.setdefault(pid, (place, org))
        return None

    def warning(self, want: ServiceInput) -> str | None:
        """A sentence when ``want`` changes a place where other organisations' services
        meet too (their address changes as well), else None."""
        for place in want.places:
            have = self.stored.get(place.id or "")
            others = self.meeting.get(place.id or "", set()) - {want.organisation_id}
            if have is not None and others and have[1] != _details(place):
                return (f"Its place {place.name!r:.60} is where services of "
                        f"{len(others):,} other organisation{'s' if len(others) != 1 else ''}"
                        " meet too: their address changes with it. Check that is right.")
        return None
