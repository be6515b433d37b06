"""Reading directory entries back as input values: one service for the editing dialog, or the
whole directory at once for an export or an import's comparison (one query per table, so
20,000 services read in seconds, not one query per service)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.directory.inputs import OrganisationInput, ServiceInput
from csn_desk.directory.rows import organisation_input, service_input
from csn_desk.errors import NotFound
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
from csn_desk.workspace import Workspace


@dataclass(frozen=True)
class Directory:
    """Every organisation and service, as input values, in id order."""

    organisations: tuple[OrganisationInput, ...]
    services: tuple[ServiceInput, ...]


def _by_service(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.service_id].append(r)
    return out


def _select(model: type[Any]) -> Any:
    """All of a table's columns as plain rows (attribute access by column name, values
    converted by the columns' types, as on ORM objects, without the cost of making those)."""
    return select(model.__table__)


def _services(session: Session, services: list[Any],
              only: set[str] | None = None) -> list[ServiceInput]:
    def rows(model: type[Any]) -> dict[str, list[Any]]:
        query = _select(model)
        if only is not None:
            query = query.where(model.__table__.c.service_id.in_(only))
        return _by_service(session.execute(query))

    schedules, closures, costs = rows(RegularSchedule), rows(HolidayClosure), rows(CostOption)
    areas, taxonomy, links = rows(ServiceArea), rows(ServiceTaxonomy), rows(ServiceAtLocation)
    location_ids = {link.location_id for group in links.values() for link in group}
    query = _select(Location)
    if only is not None:
        query = query.where(Location.__table__.c.id.in_(location_ids))  # type: ignore[attr-defined]
    places: dict[str, Any] = {loc.id: loc for loc in session.execute(query)}
    return [service_input(
        s, schedules=schedules.get(s.id, []), closures=closures.get(s.id, []),
        costs=costs.get(s.id, []), areas=areas.get(s.id, []),
        taxonomy=taxonomy.get(s.id, []),
        places=[places[link.location_id] for link in links.get(s.id, [])
                if link.location_id in places])
        for s in services]


def read_directory(session: Session) -> Directory:
    """The whole directory, inside an open session (a read, or an import's writer)."""
    session.flush()  # plain rows are read below: the session's own changes first
    orgs: list[Any] = list(session.execute(_select(Organisation).order_by(
        Organisation.__table__.c.id)))  # type: ignore[attr-defined]
    services = list(session.execute(_select(Service).order_by(
        Service.__table__.c.id)))  # type: ignore[attr-defined]
    return Directory(tuple(organisation_input(o) for o in orgs),
                     tuple(_services(session, services)))


def load_directory(ws: Workspace) -> Directory:
    with ws.db.read() as s:
        return read_directory(s)


def read_services(session: Session, ids: set[str]) -> dict[str, ServiceInput]:
    """Some services by id (missing ids are left out)."""
    session.flush()
    found = list(session.execute(_select(Service).where(
        Service.__table__.c.id.in_(ids))))  # type: ignore[attr-defined]
    return {s.id: s for s in _services(session, found, only=ids) if s.id is not None}


def load_service(ws: Workspace, service_id: str) -> ServiceInput:
    """One service as the editing dialog fills its fields."""
    with ws.db.read() as s:
        found = read_services(s, {service_id})
    if service_id not in found:
        raise NotFound("That service is no longer in the directory; search again.")
    return found[service_id]


def load_organisation(ws: Workspace, organisation_id: str) -> OrganisationInput:
    with ws.db.read() as s:
        org = s.get(Organisation, organisation_id)
        if org is None:
            raise NotFound("That organisation is no longer in the directory; search again.")
        return organisation_input(org)


@dataclass(frozen=True)
class OrganisationChoice:
    id: str
    name: str
    charity_number: str | None


def organisation_choices(ws: Workspace) -> list[OrganisationChoice]:
    """Organisations by name, for the editor's organisation list (merged ones left out)."""
    with ws.db.read() as s:
        rows = s.execute(select(col(Organisation.id), col(Organisation.name),
                                col(Organisation.charity_number))
                         .where(col(Organisation.merged_into).is_(None))
                         .order_by(col(Organisation.name))).all()
    return [OrganisationChoice(r[0], r[1], r[2]) for r in rows]
