"""The Darlington starter directory (resources/directory/darlington-starter.json).

It holds only what the 2011 feasibility study states; every entry needs checking. Ids are
uuid5 of a fixed namespace and each entry's slug, so every site that loads it gets the same
ids (sync then sees one entry, not duplicates), and loading twice adds nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csn_desk.directory.editing import (
    CostInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    add_organisation_with,
    add_service_with,
)
from csn_desk.directory.index import sync_taxonomy_labels
from csn_desk.store.models import Organisation, Service
from csn_desk.store.writes import Writer
from csn_desk.vocab import resources_dir
from csn_desk.workspace import Workspace

NAMESPACE = uuid.UUID("5b6f3d5e-2f0a-5c1e-9d43-6a1c0e7d2b11")
ORG_KEYS = {"slug", "name", "description", "source", "services"}
SERVICE_KEYS = {"slug", "name", "description", "categories", "source", "attending_access",
                "eligibility", "application_process", "weekdays", "costs"}


def starter_path() -> Path:
    return resources_dir() / "directory" / "darlington-starter.json"


def stable_id(kind: str, slug: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"darlington-starter/{kind}/{slug}"))


def _child_ids(slug: str) -> Callable[[str], str]:
    """Stable ids for a service's rows too (categories, schedules, costs), so two sites that
    both load the starter hold the same rows and sync does not double them."""
    return lambda key: stable_id(key, slug)


def read_starter(path: Path | None = None) -> dict[str, Any]:
    """The file, checked to carry only the fields the loader knows (never a phone number,
    address or web address, which the study does not give)."""
    data: dict[str, Any] = json.loads((path or starter_path()).read_text(encoding="utf-8"))
    for org in data["organisations"]:
        extra = set(org) - ORG_KEYS
        for service in org["services"]:
            extra |= set(service) - SERVICE_KEYS
        if extra:
            raise ValueError(f"starter directory: unexpected fields {sorted(extra)}")
    return data


def _service_input(org_id: str, s: dict[str, Any]) -> ServiceInput:
    return ServiceInput(
        id=stable_id("service", s["slug"]), organisation_id=org_id, name=s["name"],
        description=s.get("description", ""), categories=tuple(s.get("categories", ())),
        attending_access=s.get("attending_access"), eligibility=s.get("eligibility"),
        application_process=s.get("application_process"),
        schedules=tuple(ScheduleInput(weekday=d, description="Weekdays; times not known")
                        for d in s.get("weekdays", ())),
        costs=tuple(CostInput(amount=c["amount"], option=c.get("option"),
                              amount_description=c.get("amount_description"))
                    for c in s.get("costs", ())),
    )


def load_starter_into(w: Writer, ws: Workspace | None = None,  # noqa: ARG001
                      path: Path | None = None) -> int:
    """Add any starter entries not already present, inside an open writer (the demo
    generator's transaction); returns the number of services added. Entries already present
    are left as they are (local edits win). ``ws`` is accepted for callers that pass it."""
    data = read_starter(path)
    added = 0
    sync_taxonomy_labels(w.session)
    for org in data["organisations"]:
        org_id = stable_id("organisation", org["slug"])
        if w.session.get(Organisation, org_id) is None:
            add_organisation_with(w, OrganisationInput(
                id=org_id, name=org["name"], description=org.get("description", "")))
        for s in org["services"]:
            if w.session.get(Service, stable_id("service", s["slug"])) is None:
                add_service_with(w, _service_input(org_id, s), check_organisation=False,
                                 id_for=_child_ids(s["slug"]))
                added += 1
    if added:
        w.event("load:starter-directory", detail=f"{added} services")
    return added


def load_starter_directory(ws: Workspace, path: Path | None = None) -> int:
    """Load the starter directory in its own unit of work; idempotent."""
    with ws.db.write(ws.actor) as w:
        return load_starter_into(w, ws, path)
