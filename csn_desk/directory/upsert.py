"""Saving a whole entry (a service with its schedules, costs, places...) over what is stored,
writing only what differs. The editing dialogs and every import use this, so saving an
unchanged entry, or importing the same file twice, writes nothing: no change-log entries, no
sync traffic, no audit noise.

Child rows are matched first by id (changed in place), then by content (left alone); what
is left over is deleted or added. Places can be shared by several services, so a place that
changed is updated where it is, for every service that meets there."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlmodel import SQLModel, col

from csn_desk.directory.editing import (
    NewRows,
    add_organisation_with,
    add_place_with,
    add_service_with,
)
from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import (
    LocationInput,
    OrganisationInput,
    ServiceInput,
    validate_organisation,
    validate_service,
)
from csn_desk.directory.permissions import require_editor
from csn_desk.directory.records import read_services
from csn_desk.directory.rows import (
    area_values,
    closure_values,
    cost_values,
    location_values,
    organisation_input,
    organisation_values,
    schedule_values,
    service_values,
    term_values,
)
from csn_desk.errors import NotFound
from csn_desk.ids import new_id
from csn_desk.postcodes import district
from csn_desk.store.models import (
    CostOption,
    HolidayClosure,
    Location,
    Organisation,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from csn_desk.store.writes import Writer
from csn_desk.workspace import Workspace

Outcome = Literal["created", "updated", "unchanged"]
C = TypeVar("C")


def _changes(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in new.items() if old.get(k) != v}


def organisation_unchanged(data: OrganisationInput, existing: OrganisationInput) -> bool:
    """Would saving ``data`` over the stored ``existing`` write nothing?"""
    return organisation_values(data) == organisation_values(existing)


def save_organisation_with(w: Writer, data: OrganisationInput,
                           existing: OrganisationInput | None,
                           batch: NewRows | None = None, *, checked: bool = False) -> Outcome:
    """Create ``data``, or bring the stored ``existing`` (same id) up to it. A new one goes
    into ``batch`` if given (see ``save_service_with``). ``checked``: the caller has just
    validated ``data`` (an import checks every entry when it plans)."""
    if not checked:
        validate_organisation(data)
    if existing is None:
        add_organisation_with(w, data, batch, checked=True)
        return "created"
    if organisation_unchanged(data, existing):
        return "unchanged"
    if batch is not None:
        batch.flush(w)
    changes = _changes(organisation_values(data), organisation_values(existing))
    row = w.session.get(Organisation, existing.id)
    if row is None:
        raise NotFound("That organisation is no longer in the directory; search again.")
    w.update(row, **changes)
    return "updated"


@dataclass
class _Diff:
    """What it takes to turn the stored rows of one kind into the wanted ones."""

    update: list[tuple[str, dict[str, Any]]]  # (row id, changed values)
    delete: list[str]
    create: list[tuple[str | None, dict[str, Any]]]  # (wanted id or None, values)


def _diff(wanted: Sequence[tuple[str | None, dict[str, Any]]],
          stored: Sequence[tuple[str, dict[str, Any]]]) -> _Diff:
    left = dict(stored)
    diff = _Diff([], [], [])
    rest = []
    for wid, values in wanted:  # 1. the same row, by id
        if wid is not None and wid in left:
            changed = _changes(values, left.pop(wid))
            if changed:
                diff.update.append((wid, changed))
        else:
            rest.append((wid, values))
    by_content: dict[Hashable, list[str]] = {}
    for sid, values in left.items():
        by_content.setdefault(tuple(sorted(values.items())), []).append(sid)
    for wid, values in rest:  # 2. the same content: leave it alone
        same = by_content.get(tuple(sorted(values.items())))
        if same:
            left.pop(same.pop(0))
        else:
            diff.create.append((wid, values))
    diff.delete = list(left)
    return diff


def _apply(w: Writer, model: type[SQLModel], diff: _Diff) -> bool:
    for row_id in diff.delete:
        row = w.session.get(model, row_id)
        if row is not None:
            w.delete(row)
    for row_id, changed in diff.update:
        row = w.session.get(model, row_id)
        if row is not None:
            w.update(row, **changed)
    for wanted_id, values in diff.create:
        # An id from a file that another row already has is not reused.
        row_id = wanted_id if wanted_id and not w.exists(model, wanted_id) else new_id()
        w.create(model(id=row_id, **values), audit=False)
    return bool(diff.delete or diff.update or diff.create)


def _rows(items: Sequence[C], values: Callable[[C], dict[str, Any]],
          ident: Callable[[C], str | None]) -> list[tuple[str | None, dict[str, Any]]]:
    return [(ident(i), values(i)) for i in items]


def _save_children(w: Writer, sid: str, data: ServiceInput, old: ServiceInput) -> bool:
    changed = False

    def stored(items: Sequence[C], values: Callable[[C], dict[str, Any]]
               ) -> list[tuple[str, dict[str, Any]]]:
        return [(str(getattr(i, "id", None)), values(i)) for i in items]

    changed |= _apply(w, RegularSchedule, _diff(
        _rows(data.schedules, lambda s: schedule_values(sid, s), lambda s: s.id),
        stored(old.schedules, lambda s: schedule_values(sid, s))))
    changed |= _apply(w, HolidayClosure, _diff(
        _rows(data.closures, lambda c: closure_values(sid, c), lambda c: c.id),
        stored(old.closures, lambda c: closure_values(sid, c))))
    changed |= _apply(w, CostOption, _diff(
        _rows(data.costs, lambda c: cost_values(sid, c), lambda c: c.id),
        stored(old.costs, lambda c: cost_values(sid, c))))
    changed |= _save_taxonomy(w, sid, data, old)
    changed |= _save_areas(w, sid, data, old)
    changed |= _save_places(w, sid, data, old)
    return changed


def _taxonomy_rows(w: Writer, sid: str) -> list[ServiceTaxonomy]:
    return list(w.session.execute(select(ServiceTaxonomy).where(
        col(ServiceTaxonomy.service_id) == sid)).scalars())


def _save_taxonomy(w: Writer, sid: str, data: ServiceInput, old: ServiceInput) -> bool:
    wanted, have = _terms_of(data), _terms_of(old)
    if wanted == have:
        return False
    ids = {(t.vocabulary, t.code): t.id for t in data.terms if t.id}
    for row in _taxonomy_rows(w, sid):
        key = (row.vocabulary, row.term_code)
        if key not in wanted:
            w.delete(row)
        elif wanted[key] != row.label:
            w.update(row, label=wanted[key])
    for (vocabulary, code), label in wanted.items():
        if (vocabulary, code) not in have:
            given = ids.get((vocabulary, code))
            row_id = given if given and not w.exists(ServiceTaxonomy, given) else new_id()
            w.create(ServiceTaxonomy(id=row_id, **term_values(sid, vocabulary, code, label)),
                     audit=False)
    return True


def _save_areas(w: Writer, sid: str, data: ServiceInput, old: ServiceInput) -> bool:
    wanted, have = _areas_wanted(data), _areas_stored(old)
    if wanted == have:
        return False
    rows = list(w.session.execute(select(ServiceArea).where(
        col(ServiceArea.service_id) == sid)).scalars())
    stored = [(r.id, area_values(sid, r.postcode_district, r.description)) for r in rows]
    return _apply(w, ServiceArea, _diff(
        [(None, area_values(sid, a, n)) for a, n in wanted], stored))


def _same_places(data: ServiceInput, old: ServiceInput) -> bool:
    """True when the places are the very ones stored, unchanged (no need to look further)."""
    org = data.organisation_id

    def content(places: tuple[LocationInput, ...], ids: bool) -> list[Any]:
        return sorted(((p.id if ids else None, tuple(sorted(
            location_values(org, p).items(), key=str))) for p in places), key=repr)

    if all(p.id for p in data.places):
        return content(data.places, True) == content(old.places, True)
    return content(data.places, False) == content(old.places, False)


def _save_places(w: Writer, sid: str, data: ServiceInput, old: ServiceInput) -> bool:
    if _same_places(data, old):
        return False
    changed = False
    org = data.organisation_id
    unmatched_old = {p.id: p for p in old.places if p.id}
    wanted_ids: list[str] = []
    pending: list[LocationInput] = []
    for place in data.places:
        if place.id and w.exists(Location, place.id):
            unmatched_old.pop(place.id, None)
            changed |= update_place(w, place.id, place, org)
            wanted_ids.append(place.id)
        else:
            pending.append(place)
    for place in pending:  # no id, or an id we do not have yet
        same = next((pid for pid, p in unmatched_old.items()
                     if location_values(org, p) == location_values(org, place)), None)
        if same is None and not place.id and len(pending) == 1 and len(unmatched_old) == 1:
            same = next(iter(unmatched_old))  # one place before and after: it moved
            changed |= update_place(w, same, place, org)
        if same is not None:
            unmatched_old.pop(same)
            wanted_ids.append(same)
        else:
            wanted_ids.append("")  # to add
    links = {r.location_id: r for r in w.session.execute(select(ServiceAtLocation).where(
        col(ServiceAtLocation.service_id) == sid)).scalars()}
    for location_id, link in links.items():
        if location_id not in wanted_ids:
            w.delete(link)
            changed = True
    for i, (place, location_id) in enumerate(zip(data.places, wanted_ids, strict=True)):
        if not location_id or location_id not in links:
            add_place_with(w, sid, org, place if not location_id
                           else LocationInput(id=location_id), f"location/{i}")
            changed = True
    return changed


def update_place(w: Writer, location_id: str, place: LocationInput, org: str) -> bool:
    """Bring a stored place up to ``place`` (for every service that meets there)."""
    row = w.session.get(Location, location_id)
    if row is None:
        return False
    values = location_values(row.organisation_id or org, place)
    values["external_id"] = place.external_id or row.external_id
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        w.update(row, **changed)
    return bool(changed)


def _child_values(sid: str, data: ServiceInput
                  ) -> tuple[list[tuple[str | None, dict[str, Any]]], ...]:
    return (_rows(data.schedules, lambda s: schedule_values(sid, s), lambda s: s.id),
            _rows(data.closures, lambda c: closure_values(sid, c), lambda c: c.id),
            _rows(data.costs, lambda c: cost_values(sid, c), lambda c: c.id))


def _terms_of(data: ServiceInput) -> dict[tuple[str, str], str | None]:
    out: dict[tuple[str, str], str | None] = {(NEED_VOCABULARY, c): None
                                              for c in data.categories}
    out |= {(t.vocabulary, t.code): t.label for t in data.terms}
    return out


def _areas_wanted(data: ServiceInput) -> list[tuple[str | None, str | None]]:
    return sorted([(district(a), None) for a in set(data.areas)]
                  + [(None, n.strip()) for n in data.area_notes], key=repr)


def _areas_stored(old: ServiceInput) -> list[tuple[str | None, str | None]]:
    return sorted([(a, None) for a in set(old.areas)] + [(None, n) for n in old.area_notes],
                  key=repr)


def service_unchanged(data: ServiceInput, existing: ServiceInput) -> bool:
    """True when saving ``data`` over the stored ``existing`` (as ``save_service_with``
    would) certainly writes nothing: the same checks it makes before writing each part, so
    an import can leave an unchanged entry alone without going through the save. False
    means the save has to look (it may still find nothing to write)."""
    sid = existing.id
    if sid is None or service_values(data) != service_values(existing):
        return False
    for wanted, stored in zip(_child_values(sid, data), _child_values(sid, existing),
                              strict=True):
        if len(wanted) != len(stored):
            return False
        diff = _diff(wanted, [(str(i), v) for i, v in stored])
        if diff.update or diff.delete or diff.create:
            return False
    return (_terms_of(data) == _terms_of(existing)
            and _areas_wanted(data) == _areas_stored(existing)
            and _same_places(data, existing))


def save_service_with(w: Writer, data: ServiceInput, existing: ServiceInput | None,
                      batch: NewRows | None = None, *, checked: bool = False) -> Outcome:
    """Create ``data``, or bring the stored ``existing`` (same id, as read by
    ``records.read_services``) up to it. A new service goes into ``batch`` if given (to be
    written by ``batch.flush``); before changing a stored one the batch is flushed.
    ``checked``: the caller has just validated ``data`` and made sure of its organisation
    (an import plans every entry before it writes)."""
    if not checked:
        validate_service(data)
    if existing is None or existing.id is None:
        add_service_with(w, data, batch=batch, checked=True, check_organisation=not checked)
        return "created"
    if service_unchanged(data, existing):
        return "unchanged"
    if batch is not None:
        batch.flush(w)
        batch.absent_locations = None  # places may be added below, outside the batch
    sid = existing.id
    changes = _changes(service_values(data), service_values(existing))
    if changes:
        row = w.session.get(Service, sid)
        if row is None:
            raise NotFound("That service is no longer in the directory; search again.")
        w.update(row, **changes)
    children = _save_children(w, sid, data, existing)
    return "updated" if changes or children else "unchanged"


def save_service(ws: Workspace, data: ServiceInput) -> str:
    """The editing dialog's save: add a new service or change one; returns its id."""
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        existing = read_services(w.session, {data.id}).get(data.id) if data.id else None
        if data.id and existing is None:
            raise NotFound("That service is no longer in the directory; search again.")
        if existing is None:
            return add_service_with(w, data)
        save_service_with(w, data, existing)
        return existing.id or ""


def save_organisation(ws: Workspace, data: OrganisationInput) -> str:
    """The editing dialog's save for an organisation; returns its id."""
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        if data.id is None:
            return add_organisation_with(w, data)
        row = w.session.get(Organisation, data.id)
        if row is None:
            raise NotFound("That organisation is no longer in the directory; search again.")
        save_organisation_with(w, data, organisation_input(row))
        return data.id
