"""Places named by id in an import: one id, one place. Several services can meet at one
place (a file repeats the place under each), so a place's id in a file is checked against
the same id elsewhere in the file and in the directory:

- the same id with other details earlier in the file is an error (else the last one read
  would win, and each re-import would flip the place between them);
- the id of another organisation's place in the directory, with other details, is an error:
  a file cannot move another organisation's place (and its services with it);
- the id of this organisation's place, with other details, for a new service, changes the
  place as it would for a service already there (``PlaceChecks.moved``), so that the first
  import and the next do the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csn_desk.directory.inputs import LocationInput, ServiceInput
from csn_desk.directory.records import Directory
from csn_desk.directory.rows import location_values


def _details(place: LocationInput) -> tuple[Any, ...]:
    values = location_values(None, place)
    return tuple(v for k, v in values.items() if k not in ("organisation_id", "external_id"))


@dataclass
class PlaceChecks:
    """The places of the directory and of the file read so far, by id."""

    stored: dict[str, tuple[str, tuple[Any, ...]]]  # id -> (organisation id, details)
    in_file: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)
    # Places of this organisation that new services give other details: (place, its
    # organisation), by id, to be changed after the services are written.
    moved: dict[str, tuple[LocationInput, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, d: Directory) -> PlaceChecks:
        stored: dict[str, tuple[str, tuple[Any, ...]]] = {}
        for s in d.services:
            for p in s.places:
                if p.id:
                    stored.setdefault(p.id, (s.organisation_id, _details(p)))
        return cls(stored)

    def problem(self, want: ServiceInput, label: str, new: bool) -> str | None:
        """What is wrong with the places of ``want`` (a service read from the file, called
        ``label`` in the report), or None; a service without problems is remembered."""
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
