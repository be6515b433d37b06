"""An erasure (DP-11) or anonymisation (DP-06) made at another site, followed here.

The other site blanks the person's details through its write path, so the blanks arrive
here as changes like any other; but what this site itself once wrote about the person
(its own change-log entries, the values that lost a conflict here) is only in this
database. When a merged change marks a client erased, this site scrubs those too, and
blanks again any detail it wrote itself after the erasure was made but before it arrived
(that write would otherwise win, being later): the erasure has the last word everywhere.

Notes on the person's enquiries and referral events are scrubbed where they are blank now.
A note written here after the erasure and before it arrived is left (an anonymisation
keeps notes, and here the two cannot be told apart)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from csn_desk.personal_fields import ENQUIRY_BLANKS, EVENT_BLANKS, IDENTIFYING_CLIENT_BLANKS
from csn_desk.store.models import Client, Enquiry, Referral, ReferralEvent
from csn_desk.store.remote import RemoteChange
from csn_desk.store.scrub import scrub_history
from csn_desk.store.writes import Writer


def erased_clients(changes: Sequence[RemoteChange]) -> list[str]:
    """The clients these changes mark erased (or anonymised)."""
    return sorted({c.row_id for c in changes if c.table == "client"
                   and c.field == "erased_at" and c.value is not None})


def follow_erasures(w: Writer, client_ids: Sequence[str]) -> int:
    """Scrub this site's own history of each erased client (see the module notes), in the
    caller's unit of work; the number of clients whose details were blanked again here."""
    s = w.session
    blanked_again = 0
    for client_id in client_ids:
        client = s.get(Client, client_id)
        if client is None or client.erased_at is None:
            continue  # (waiting for its insert, or not erased after all: nothing to follow)
        left = {name: blank for name, blank in IDENTIFYING_CLIENT_BLANKS.items()
                if getattr(client, name) != blank}
        if left:
            w.update(client, **left)
            blanked_again += 1
        scrub_history(s, "client", client_id, IDENTIFYING_CLIENT_BLANKS)
        for enquiry_id, notes in s.execute(
                select(col(Enquiry.id), col(Enquiry.notes))
                .where(col(Enquiry.client_id) == client_id)).all():
            if not notes:
                scrub_history(s, "enquiry", enquiry_id, ENQUIRY_BLANKS)
        for event_id, note in s.execute(
                select(col(ReferralEvent.id), col(ReferralEvent.note))
                .join(Referral, col(Referral.id) == col(ReferralEvent.referral_id))
                .join(Enquiry, col(Enquiry.id) == col(Referral.enquiry_id))
                .where(col(Enquiry.client_id) == client_id)).all():
            if not note:
                scrub_history(s, "referral_event", event_id, EVENT_BLANKS)
    return blanked_again
