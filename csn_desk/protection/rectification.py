"""Rectification (DP-10): correcting a person's record when they ask. The correction goes
through the ordinary edit (``update_client``: the change log carries it to the other sites
and the audit entry names the changed fields, never the values); the request is logged with
its due date and marked done, so the organisation can show it answered in time."""

from __future__ import annotations

from datetime import date
from typing import Any

from csn_desk.clients import update_client
from csn_desk.consents import uk_today
from csn_desk.protection.roles import require
from csn_desk.protection.subject_requests import complete_request, log_request
from csn_desk.workspace import Workspace

RECTIFY = "clients.edit"


def rectify_client(ws: Workspace, client_id: str, *, received: date | None = None,
                   **changes: Any) -> str:
    """Apply the person's corrections and log the request as done; returns its id."""
    require(ws, RECTIFY)
    update_client(ws, client_id, **changes)
    with ws.db.write(ws.actor) as w:
        request_id = log_request(w, client_id, "rectification", received or uk_today())
        complete_request(w, request_id, uk_today())
        w.event("rectify:client", entity="client", entity_id=client_id,
                detail=",".join(sorted(changes)))
    return request_id
