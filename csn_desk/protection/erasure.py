"""Erasure (DP-11): blank every field that identifies or describes a person, here and, through
the normal write path's change log, at every site of the organisation; keep the anonymous
counts (the enquiries, their coded needs and referrals stay, so tallies do not change).

``blank_personal_fields`` does the blanking inside an open unit of work and is shared with the
retention schedule's anonymisation. ``erase_client`` adds the rest of an erasure request:
the erased mark, withdrawn consents, the request log and the audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from csn_desk.consents import uk_today
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import utcnow
from csn_desk.personal_fields import CLIENT_BLANKS, ENQUIRY_BLANKS, EVENT_BLANKS
from csn_desk.protection.roles import require
from csn_desk.protection.subject_requests import complete_request, log_request
from csn_desk.store import scrub
from csn_desk.store.models import Client, Consent
from csn_desk.store.scrub import scrub_history
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

ERASE = "rights.erase"
REASONS_VOCAB = "erasure_reasons"


@dataclass(frozen=True)
class Blanked:
    """What was blanked (counts only: safe for the audit log and the user)."""

    client_fields: int
    enquiry_notes: int
    event_notes: int


def age_band_for(born: date, today: date) -> str:
    """The ``age_bands`` code for a date of birth (kept when the date itself is blanked)."""
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    for limit, code in ((18, "under_18"), (35, "18_34"), (50, "35_49"), (65, "50_64"),
                        (80, "65_79")):
        if age < limit:
            return code
    return "80_plus"


def blank_personal_fields(w: Writer, client: Client, *, today: date | None = None) -> Blanked:
    """Blank the person's details and the free text of their enquiries and referral events,
    within the caller's unit of work (row + change log + audit, so sync carries it). Coded
    data (needs, outcomes, services, dates, age band, postcode district) stays for the
    counts. Does not mark the record erased: the caller decides (erasure or retention)."""
    changes = {name: blank for name, blank in CLIENT_BLANKS.items()
               if getattr(client, name) != blank}
    if client.date_of_birth is not None and not client.age_band:
        changes["age_band"] = age_band_for(client.date_of_birth, today or uk_today())
    w.update(client, **changes)
    scrub_history(w.session, "client", client.id, CLIENT_BLANKS)
    notes, event_notes = blank_notes(w, client.id)
    return Blanked(len(changes), notes, event_notes)


def blank_notes(w: Writer, client_id: str) -> tuple[int, int]:
    """Blank the free text of the client's enquiries and referral events (it may name or
    describe the person), and scrub it from the history: (enquiry notes, event notes)."""
    return scrub.blank_notes(w, client_id, ENQUIRY_BLANKS, EVENT_BLANKS)


def erase_client(ws: Workspace, client_id: str, reason: str, *,
                 received: date | None = None) -> Blanked:
    """Erase a client record on request: personal fields blanked, consents withdrawn, the
    record marked erased (it can no longer be found, edited or used), the request logged
    as done and the erasure audited with the reason code. Anonymous counts are kept."""
    require(ws, ERASE)
    vocab(REASONS_VOCAB).check(reason, "reason for erasure")
    with ws.db.write(ws.actor) as w:
        client = w.session.get(Client, client_id)
        if client is None or client.organisation_id != ws.organisation_id:
            raise NotFound("That client record was not found; search for them again.")
        if client.erased_at is not None:
            raise InvalidInput("This record has already been erased; there is nothing left "
                               "to erase.")
        blanked = blank_personal_fields(w, client)
        now = utcnow()
        for consent in w.session.execute(select(Consent).where(
                col(Consent.client_id) == client_id, col(Consent.given).is_(True),
                col(Consent.withdrawn_at).is_(None))).scalars().all():
            w.update(consent, withdrawn_at=now)
        w.update(client, erased_at=now, restricted=False)
        request_id = log_request(w, client_id, "erasure", received or uk_today())
        complete_request(w, request_id, uk_today())
        w.event("erase:client", entity="client", entity_id=client_id,
                detail=f"reason={reason};fields={blanked.client_fields};"
                       f"notes={blanked.enquiry_notes + blanked.event_notes}")
    return blanked
