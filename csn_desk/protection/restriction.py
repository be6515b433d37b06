"""Restriction (DP-12): a record kept but not used while, say, its accuracy is contested.

While restricted the record can be opened (the app shows a clear banner) and corrected, but
not used: no new enquiries linked to it, no referrals, no slips or letters, no follow-up
contact. The services call ``check_usable`` before any of those. Setting and lifting are
audited with a reason code (never free text) and logged as a request."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from csn_desk.consents import uk_today
from csn_desk.errors import InvalidInput, NotAllowed, NotFound
from csn_desk.protection.roles import require
from csn_desk.protection.subject_requests import complete_request, log_request
from csn_desk.store.models import Client
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

RESTRICT = "rights.erase"  # the same administrators who may erase may restrict
REASONS_VOCAB = "restriction_reasons"
RESTRICTED_MESSAGE = ("This person's record is restricted, so it can be viewed but not used; "
                      "ask an administrator to lift the restriction first.")
ERASED_MESSAGE = "This person's record has been erased, so it cannot be used."


def check_usable(client: Client | None, *, erased_ok: bool = False) -> None:
    """Raise NotAllowed if the record may not be used (restricted or erased). ``erased_ok``:
    the action only touches what erasure keeps (an anonymous referral's outcome)."""
    if client is None:
        return
    if client.erased_at is not None and not erased_ok:
        raise NotAllowed(ERASED_MESSAGE)
    if client.restricted:
        raise NotAllowed(RESTRICTED_MESSAGE)


def check_client_usable(session: Session, client_id: str | None, *,
                        erased_ok: bool = False) -> None:
    """``check_usable`` by id, within the caller's session."""
    if client_id is not None:
        check_usable(session.get(Client, client_id), erased_ok=erased_ok)


def _client(session: Session, ws: Workspace, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != ws.organisation_id or client.erased_at:
        raise NotFound("That client record was not found; search for them again.")
    return client


def restrict_client(ws: Workspace, client_id: str, reason: str, *,
                    received: date | None = None) -> None:
    """Mark the record as not to be used, with a ``restriction_reasons`` code."""
    require(ws, RESTRICT)
    vocab(REASONS_VOCAB).check(reason, "reason for the restriction")
    with ws.db.write(ws.actor) as w:
        client = _client(w.session, ws, client_id)
        if client.restricted:
            raise InvalidInput("This record is already restricted; lift the restriction "
                               "first to change the reason.")
        w.update(client, restricted=True, restricted_reason=reason)
        request_id = log_request(w, client_id, "restriction", received or uk_today())
        complete_request(w, request_id, uk_today())
        w.event("restrict:client", entity="client", entity_id=client_id,
                detail=f"reason={reason}")


def lift_restriction(ws: Workspace, client_id: str) -> None:
    """Let the record be used again (audited)."""
    require(ws, RESTRICT)
    with ws.db.write(ws.actor) as w:
        client = _client(w.session, ws, client_id)
        if not client.restricted:
            raise InvalidInput("This record is not restricted; there is nothing to lift.")
        w.update(client, restricted=False, restricted_reason=None)
        w.event("unrestrict:client", entity="client", entity_id=client_id)


def restriction_reason(ws: Workspace, client_id: str) -> str | None:
    """The reason code of a restricted record (None when not restricted)."""
    with ws.db.read() as s:
        client = _client(s, ws, client_id)
        return client.restricted_reason if client.restricted else None
