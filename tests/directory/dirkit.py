"""Helpers for the directory tests: a small, known directory written through the Writer."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from csn_desk.accounts import initialise
from csn_desk.directory.editing import (
    ClosureInput,
    CostInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    add_organisation,
    add_service,
)
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE


def org(ws: Workspace, name: str = "Harbour Lane Trust") -> str:
    return add_organisation(ws, OrganisationInput(name=name))


def service(ws: Workspace, org_id: str, name: str, **kw: object) -> str:
    return add_service(ws, ServiceInput(organisation_id=org_id, name=name, **kw))  # type: ignore[arg-type]


__all__ = ["ClosureInput", "CostInput", "ScheduleInput", "new_workspace", "org", "service",
           "table_counts", "write_json"]


# -- for the import, export and upkeep tests ---------------------------------------------------
DATA = Path(__file__).with_name("data")
DIRECTORY_TABLES = ("organisation", "service", "location", "service_at_location",
                    "regular_schedule", "holiday_closure", "cost_option", "service_area",
                    "service_taxonomy", "directory_review")


def table_counts(ws: Workspace) -> dict[str, int]:
    """Rows in each directory table, plus the change log and audit log."""
    with ws.db.read() as s:
        out = {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
               for t in DIRECTORY_TABLES + ("change_log", "audit_event")}
    return out


def new_workspace(folder: Path, name: str = "other") -> Workspace:
    """A second, empty workspace (an import target)."""
    ws, _ = initialise(folder / name, site_name=f"Site {name}",
                       organisation_name=f"Member organisation {name}", admin_username="admin",
                       passphrase=PASSPHRASE)
    return ws


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
