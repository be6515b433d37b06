"""Adding and changing directory entries, always through the one write path.

Each ``add_*`` has a ``*_with(writer, ...)`` twin that works inside an already-open writer, so
a bulk load (the demo generator, an import) adds thousands of services in one transaction.
Child rows (categories, schedules, costs, areas, location) are written without their own
audit events: the service's create event covers them, and the change log still has every
field for sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import (
    ATTENDING_ACCESS,
    ATTENDING_TYPES,
    DELIVERABLE_TYPES,
    STATUSES,
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
    validate_organisation,
    validate_service,
)
from csn_desk.directory.permissions import require_editor
from csn_desk.directory.rows import (
    area_values,
    closure_values,
    cost_values,
    location_values,
    organisation_values,
    schedule_values,
    service_values,
    term_values,
)
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import new_id
from csn_desk.postcodes import district
from csn_desk.store.models import (
    CostOption,
    DirectoryReview,
    HolidayClosure,
    Location,
    Organisation,
    Referral,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

IdFor = Callable[[str], str]


class NewRows:
    """New organisations, services and child rows gathered to be written together
    (``Writer.create_many`` per table) instead of one ``Writer.create`` each: for a bulk load
    of many new services.

    ``flush`` writes the organisations and services first, then each child table, places
    before their links, so every row still comes after the rows it points at (in the table
    and the change log).
    Nothing written through the writer in the meantime sees the gathered rows: flush before
    anything that reads or changes them."""

    ORDER: tuple[type[Any], ...] = (Organisation, Service, ServiceTaxonomy, RegularSchedule,
                                    HolidayClosure, CostOption, ServiceArea, Location,
                                    ServiceAtLocation)

    def __init__(self) -> None:
        self.rows: dict[type[Any], list[dict[str, Any]]] = {m: [] for m in self.ORDER}
        self.audit: dict[type[Any], bool] = {}
        self.locations: set[str] = set()
        # Place ids known not to be in the directory (looked up together beforehand), so
        # adding a place needs no look-up of its own; None: unknown, look each one up.
        # Whoever writes places outside this batch must set it back to None.
        self.absent_locations: set[str] | None = None

    def expect_locations(self, w: Writer, location_ids: set[str]) -> None:
        """Look up now, together, which of these place ids are not in the directory."""
        ids = sorted(location_ids)
        self.absent_locations = set(ids) - w.existing_ids(Location, ids)

    def add(self, model: type[Any], row: dict[str, Any], *, audit: bool = False) -> None:
        if self.audit.setdefault(model, audit) != audit:
            raise ValueError(f"{model.__name__} rows: some audited, some not, in one batch")
        self.rows[model].append(row)
        if model is Location:
            self.locations.add(str(row["id"]))

    def __len__(self) -> int:
        return sum(len(r) for r in self.rows.values())

    # Child rows whose ids can come from a file. A file may give two services the same one
    # (an ORUK taxonomy term's id is the term's, shared by every service that has it), or
    # one that a row here already has: such a row gets a new id, as an update does.
    GIVEN_IDS: tuple[type[Any], ...] = (ServiceTaxonomy, RegularSchedule, HolidayClosure,
                                        CostOption)

    def flush(self, w: Writer) -> None:
        for model in self.ORDER:
            rows, self.rows[model] = self.rows[model], []
            if model in self.GIVEN_IDS and rows:
                taken = w.existing_ids(model, [str(r["id"]) for r in rows])
                for row in rows:
                    if row["id"] in taken:
                        row["id"] = new_id()
                    taken.add(row["id"])
            w.create_many(model, rows, audit=self.audit.get(model, False))
        self.audit.clear()
        self.locations.clear()


def _new(w: Writer, batch: NewRows | None, model: type[Any], row: dict[str, Any],
         audit: bool = False) -> None:
    if batch is None:
        w.create(model(**row), audit=audit)
    else:
        batch.add(model, row, audit=audit)


def add_organisation_with(w: Writer, data: OrganisationInput,
                          batch: NewRows | None = None, *, checked: bool = False) -> str:
    """Add an organisation inside ``w`` (into ``batch`` if given); ``checked``: the caller
    has just validated ``data``."""
    if not checked:
        validate_organisation(data)
    oid = data.id or new_id()
    _new(w, batch, Organisation, dict(id=oid, **organisation_values(data)), audit=True)
    return oid


def add_organisation(ws: Workspace, data: OrganisationInput) -> str:
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        return add_organisation_with(w, data)



def child_id(given: str | None, key: str, id_for: IdFor | None) -> str:
    """A child row's id: the one it came with, else a stable one from ``id_for``, else new."""
    if given:
        return given
    return id_for(key) if id_for is not None else new_id()


def add_place_with(w: Writer, service_id: str, organisation_id: str, loc: LocationInput,
                   key: str, id_for: IdFor | None = None, batch: NewRows | None = None) -> str:
    """Link a place to a service, adding the place unless it is already in the directory
    (several services can meet at one place)."""
    location_id = child_id(loc.id, key, id_for)
    pending = batch is not None and location_id in batch.locations
    if pending:
        pass
    elif batch is not None and batch.absent_locations is not None and (
            location_id in batch.absent_locations):
        batch.absent_locations.discard(location_id)
        _new(w, batch, Location, dict(id=location_id, **location_values(organisation_id, loc)))
    elif not w.exists(Location, location_id):
        _new(w, batch, Location, dict(id=location_id, **location_values(organisation_id, loc)))
    _new(w, batch, ServiceAtLocation, dict(id=child_id(None, f"service_at_{key}", id_for),
                                           service_id=service_id, location_id=location_id))
    return location_id


def add_children_with(w: Writer, sid: str, data: ServiceInput,
                      id_for: IdFor | None = None, batch: NewRows | None = None) -> None:
    """Write a new service's categories, terms, schedules, closures, costs, areas and places
    (or, with ``batch``, gather them there to be written later)."""
    for code in data.categories:
        _new(w, batch, ServiceTaxonomy, dict(id=child_id(None, f"category/{code}", id_for),
                                             **term_values(sid, NEED_VOCABULARY, code, None)))
    for t in data.terms:
        _new(w, batch, ServiceTaxonomy,
             dict(id=child_id(t.id, f"term/{t.vocabulary}/{t.code}", id_for),
                  **term_values(sid, t.vocabulary, t.code, t.label)))
    for i, s in enumerate(data.schedules):
        _new(w, batch, RegularSchedule, dict(id=child_id(s.id, f"schedule/{i}", id_for),
                                             **schedule_values(sid, s)))
    for i, c in enumerate(data.closures):
        _new(w, batch, HolidayClosure, dict(id=child_id(c.id, f"closure/{i}", id_for),
                                            **closure_values(sid, c)))
    for i, cost in enumerate(data.costs):
        _new(w, batch, CostOption, dict(id=child_id(cost.id, f"cost/{i}", id_for),
                                        **cost_values(sid, cost)))
    for area in dict.fromkeys(district(a) for a in data.areas):
        _new(w, batch, ServiceArea, dict(id=child_id(None, f"area/{area}", id_for),
                                         **area_values(sid, area, None)))
    for i, note in enumerate(data.area_notes):
        _new(w, batch, ServiceArea, dict(id=child_id(None, f"area-note/{i}", id_for),
                                         **area_values(sid, None, note)))
    for i, loc in enumerate(data.places):
        add_place_with(w, sid, data.organisation_id, loc,
                       "location" if i == 0 else f"location/{i}", id_for, batch)


def add_service_with(w: Writer, data: ServiceInput, *, check_organisation: bool = True,
                     id_for: IdFor | None = None, audit: bool = True,
                     batch: NewRows | None = None, checked: bool = False) -> str:
    """Add a service and its child rows inside ``w``; returns the service id.

    ``id_for`` gives child rows stable ids from a key such as ``"cost/0"`` or
    ``"category/carers"`` (the starter directory: every site must mint the same rows, or sync
    would double them); without it, child ids are the ones given or new. With ``batch`` the
    rows are gathered there, to be written by ``batch.flush(w)``. ``checked``: the caller has
    just validated ``data``."""
    if not checked:
        validate_service(data)
    if check_organisation and not w.exists(Organisation, data.organisation_id):
        raise NotFound("That organisation is not in the directory; add it first.")
    sid = data.id or new_id()
    _new(w, batch, Service, dict(id=sid, **service_values(data)), audit=audit)
    add_children_with(w, sid, data, id_for, batch)
    return sid


def add_service(ws: Workspace, data: ServiceInput) -> str:
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        return add_service_with(w, data)


_SERVICE_EDITABLE = {
    "name", "description", "status", "url", "email", "phone", "application_process",
    "fees_text", "attending_type", "attending_access", "minimum_age", "maximum_age",
    "eligibility", "what_to_take", "assured_date", "assured_by", "alert", "alert_until",
    "organisation_id", "deliverable_type",
}


def update_service_with(w: Writer, service_id: str, **changes: Any) -> None:
    """Change plain fields of a service (categories and schedules have their own rows)."""
    unknown = set(changes) - _SERVICE_EDITABLE
    if unknown:
        raise InvalidInput(f"These service fields cannot be changed here: "
                           f"{', '.join(sorted(unknown))}.")
    service = w.session.get(Service, service_id)
    if service is None:
        raise NotFound("That service is no longer in the directory; search again.")
    current = {f: getattr(service, f) for f in _SERVICE_EDITABLE}
    merged = ServiceInput(**{**current, **changes})
    validate_service(merged)
    if "assured_date" in changes:
        changes["needs_checking"] = changes["assured_date"] is None
    w.update(service, **changes)


def update_service(ws: Workspace, service_id: str, **changes: Any) -> None:
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        update_service_with(w, service_id, **changes)


def set_service_categories_with(w: Writer, service_id: str, codes: tuple[str, ...]) -> None:
    for code in codes:
        vocab("needs").check(code, "need category")
    rows = w.session.execute(select(ServiceTaxonomy).where(
        col(ServiceTaxonomy.service_id) == service_id,
        col(ServiceTaxonomy.vocabulary) == NEED_VOCABULARY)).scalars().all()
    have = {r.term_code: r for r in rows}
    for code, row in have.items():
        if code not in codes:
            w.delete(row)
    for code in codes:
        if code not in have:
            w.create(ServiceTaxonomy(id=new_id(), **term_values(service_id, NEED_VOCABULARY,
                                                                code, None)))


_ORGANISATION_EDITABLE = {"name", "description", "email", "url", "phone", "charity_number",
                          "company_number", "is_member", "assured_date"}


def update_organisation(ws: Workspace, organisation_id: str, **changes: Any) -> None:
    require_editor(ws)
    unknown = set(changes) - _ORGANISATION_EDITABLE
    if unknown:
        raise InvalidInput(f"These organisation fields cannot be changed here: "
                           f"{', '.join(sorted(unknown))}.")
    with ws.db.write(ws.actor) as w:
        org = w.session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound("That organisation is no longer in the directory; search again.")
        current = {f: getattr(org, f) for f in _ORGANISATION_EDITABLE}
        validate_organisation(OrganisationInput(**{**current, **changes}))
        if "assured_date" in changes:
            changes["needs_checking"] = changes["assured_date"] is None
        w.update(org, **changes)


SERVICE_CHILDREN: tuple[type[Any], ...] = (ServiceTaxonomy, RegularSchedule, HolidayClosure,
                                           CostOption, ServiceArea, ServiceAtLocation,
                                           DirectoryReview)


def delete_service(ws: Workspace, service_id: str) -> None:
    """Remove a service that was added by mistake. One that referrals point at is kept: mark
    it defunct instead, so past referrals still say where people were sent."""
    require_editor(ws)
    with ws.db.write(ws.actor) as w:
        s = w.session
        service = s.get(Service, service_id)
        if service is None:
            raise NotFound("That service is no longer in the directory; search again.")
        used = s.execute(select(col(Referral.id))
                         .where(col(Referral.service_id) == service_id)).first()
        if used is not None:
            raise InvalidInput("Referrals point at this service, so it cannot be deleted; "
                               "set its status to defunct instead.")
        for model in SERVICE_CHILDREN:
            for row in s.execute(select(model).where(model.service_id == service_id)).scalars():
                w.delete(row)
        w.delete(service)


__all__ = [
    "ATTENDING_ACCESS", "ATTENDING_TYPES", "DELIVERABLE_TYPES", "STATUSES", "ClosureInput",
    "CostInput", "LocationInput", "OrganisationInput", "ScheduleInput", "ServiceInput",
    "NewRows", "TermInput", "add_children_with", "add_organisation", "add_organisation_with",
    "add_place_with", "add_service", "add_service_with", "child_id", "delete_service",
    "set_service_categories_with", "update_organisation", "update_service",
    "update_service_with", "validate_organisation", "validate_service",
]
