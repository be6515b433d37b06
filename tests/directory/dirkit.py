"""Helpers for the directory tests: a small, known directory written through the Writer."""

from __future__ import annotations

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


def org(ws: Workspace, name: str = "Harbour Lane Trust") -> str:
    return add_organisation(ws, OrganisationInput(name=name))


def service(ws: Workspace, org_id: str, name: str, **kw: object) -> str:
    return add_service(ws, ServiceInput(organisation_id=org_id, name=name, **kw))  # type: ignore[arg-type]


__all__ = ["ClosureInput", "CostInput", "ScheduleInput", "org", "service"]
