"""Sync conflicts name their record as a coordinator knows it (service name, client name,
the service a referral went to), never as a table and an id."""

from __future__ import annotations

from sqlalchemy import text

from csn_desk.demo.generate import generate
from csn_desk.ids import utcnow
from csn_desk.store.models import SYNCED, Client
from csn_desk.sync.record_labels import record_labels
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


def test_every_synced_table_has_a_kind_of_record_in_words() -> None:
    kinds = {t.code for t in vocab("record_kinds").terms}
    missing = {t.__tablename__ for t in SYNCED} - kinds
    assert not missing, f"add to resources/vocab/record_kinds.json: {sorted(missing)}"


def test_records_are_named_by_what_a_coordinator_recognises(ws: Workspace) -> None:
    generate(ws, enquiries=40, seed=3)
    with ws.db.read() as s:
        def one(sql: str) -> tuple:  # type: ignore[type-arg]
            row = s.execute(text(sql)).first()
            assert row is not None, sql
            return tuple(row)

        schedule_id, service_id, service = one(
            "SELECT r.id, s.id, s.name FROM regular_schedule r JOIN service s "
            "ON s.id = r.service_id LIMIT 1")
        client_id, given, family = one(
            "SELECT id, given_name, family_name FROM client WHERE erased_at IS NULL LIMIT 1")
        referral_id, referred_to = one(
            "SELECT r.id, s.name FROM referral r JOIN service s ON s.id = r.service_id LIMIT 1")
        need_id, = one("SELECT id FROM enquiry_need LIMIT 1")
        event_id, = one("SELECT id FROM referral_event WHERE referral_id = "
                        f"'{referral_id}' LIMIT 1")
        wanted = [("service", service_id), ("regular_schedule", schedule_id),
                  ("client", client_id), ("referral", referral_id),
                  ("referral_event", event_id), ("enquiry_need", need_id),
                  ("service", "no-such-id"), ("made_up_table", "x")]
        labels = record_labels(s, wanted)

    assert labels[("service", service_id)] == f'Service "{service}"'
    assert labels[("regular_schedule", schedule_id)] == f'Opening hours of service "{service}"'
    assert labels[("client", client_id)] == f"Client {given} {family}"
    assert labels[("referral", referral_id)] == f'Referral to "{referred_to}"'
    assert labels[("referral_event", event_id)] == (
        f'Referral progress of referral to "{referred_to}"')
    assert labels[("enquiry_need", need_id)].startswith("Need of enquiry on ")
    assert labels[("enquiry_need", need_id)][-10:].count("/") == 2  # a UK date
    assert labels[("service", "no-such-id")] == "Service (no longer here)"
    assert labels[("made_up_table", "x")] == "Record in made up table"

    with ws.db.write(ws.actor) as w:  # an erased client is not named
        client = w.session.get(Client, client_id)
        assert client is not None
        client.erased_at = utcnow()
        w.session.add(client)
    with ws.db.read() as s:
        erased = record_labels(s, [("client", client_id)])[("client", client_id)]
    assert erased == "Client (details erased)" and given not in erased
