"""Erasure on a real SQLCipher file: every personal field and every free-text note about the
person is blanked, in the rows and in the sync bookkeeping; consents are withdrawn; the
record can no longer be found, edited or used; tallies are the same before and after; and,
through a real drop, the erasure reaches the organisation's other site."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import find_clients, get_client, update_client
from csn_desk.consents import current_consents
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import CsnError, InvalidInput, NotAllowed, NotFound
from csn_desk.protection.erasure import age_band_for, erase_client
from csn_desk.protection.subject_requests import requests_for
from csn_desk.referrals import add_event
from csn_desk.reports.periods import month_of
from csn_desk.reports.tallies import compute_tallies
from csn_desk.store.models import AuditEvent, Client, Enquiry
from csn_desk.sync import approve_join, create_network, request_join, sync_once
from csn_desk.workspace import Workspace
from tests.protection.rightskit import EVENT_NOTE, MARKERS, NOTE, OTHER, OTHER_NOTE, make_person
from tests.sync.kit import new_site, rows

PERSONAL = [*MARKERS.values(), NOTE, EVENT_NOTE]


def all_text(ws: Workspace) -> str:
    """Every value of every row of every table in the database, decrypted, as one string."""
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        parts: list[str] = []
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                parts.extend(str(v) for v in row)
        return "\n".join(parts)
    finally:
        raw.close()


@contextlib.contextmanager
def _two_sites(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    """Sites a and b of one organisation, joined through a real drop and synced."""
    drop = tmp_path / "drop"
    drop.mkdir()
    a = new_site(tmp_path / "a", "Counter A", "Example Org")
    b = new_site(tmp_path / "b", "Counter B", "placeholder")
    try:
        create_network(a, drop, "Example network")
        approve_join(a, request_join(b, drop).fingerprint, "Example Org")
        for ws in (a, b, a, b):
            sync_once(ws)
        yield a, b
    finally:
        a.close()
        b.close()


def _figures(ws: Workspace) -> Any:
    t = compute_tallies(ws, month_of(date.today()), "organisation", suppress_small=False)
    return (t.summary, t.tables)


def test_erasure_blanks_everything_personal_and_keeps_the_counts(ws: Workspace) -> None:
    person = make_person(ws)
    before = _figures(ws)
    text = all_text(ws)
    assert all(m in text for m in PERSONAL)  # the check below can fail

    blanked = erase_client(ws, person.client_id, "person_asked")
    assert blanked.client_fields >= 10 and blanked.enquiry_notes == 1
    assert blanked.event_notes == 1

    text = all_text(ws)
    assert [m for m in PERSONAL if m in text] == []
    assert all(m in text for m in (*OTHER.values(), OTHER_NOTE))  # others untouched
    assert _figures(ws) == before
    with ws.db.read() as s:
        row = s.get(Client, person.client_id)
        assert row is not None and row.erased_at is not None
        assert row.age_band == age_band_for(date(1941, 3, 9), date.today()) == "80_plus"
        events = s.execute(select(col(AuditEvent.action), col(AuditEvent.detail)).where(
            col(AuditEvent.entity_id) == person.client_id)).all()
    [detail] = [d for a, d in events if a == "erase:client"]
    assert detail is not None and detail.startswith("reason=person_asked;")
    assert [r.kind for r in requests_for(ws, person.client_id)] == ["erasure"]

    # Gone from lookups, and cannot be opened, edited back or used.
    assert find_clients(ws, MARKERS["family_name"]) == []
    with pytest.raises(NotFound):
        get_client(ws, person.client_id)
    with pytest.raises(NotFound):
        update_client(ws, person.client_id, given_name="Back")
    with pytest.raises(NotFound):
        current_consents(ws, person.client_id)
    with pytest.raises(CsnError):
        save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                      needs=(NeedInput("information"),),
                                      client_id=person.client_id))
    with pytest.raises(InvalidInput, match="already been erased"):
        erase_client(ws, person.client_id, "person_asked")


def test_erasure_needs_an_administrator_and_a_known_reason(ws: Workspace, data_dir: Path
                                                           ) -> None:
    from csn_desk.accounts import add_user, sign_in
    from tests.conftest import PASSPHRASE

    person = make_person(ws)
    with pytest.raises(InvalidInput, match="reason for erasure"):
        erase_client(ws, person.client_id, "because")
    add_user(ws, "mo.m", "Mo Manager", "manager", PASSPHRASE, check_strength=False)
    mo = sign_in(data_dir, "mo.m", PASSPHRASE)
    try:
        with pytest.raises(NotAllowed, match="Only administrators"):
            erase_client(mo, person.client_id, "person_asked")
    finally:
        mo.close()
    assert get_client(ws, person.client_id).given_name == MARKERS["given_name"]


def test_erasure_reaches_the_other_site_of_the_organisation(tmp_path: Path) -> None:
    with _two_sites(tmp_path) as (a, b):
        assert b.organisation_id == a.organisation_id
        person = make_person(a)
        for ws in (a, b):
            sync_once(ws)
        assert get_client(b, person.client_id).family_name == MARKERS["family_name"]
        assert all(m in all_text(b) for m in PERSONAL)
        before = dataclasses.astuple(get_client(b, person.other_id))

        erase_client(a, person.client_id, "person_asked")
        for ws in (a, b):
            sync_once(ws)
        text_b = all_text(b)
        assert [m for m in PERSONAL if m in text_b] == []
        assert find_clients(b, MARKERS["family_name"]) == []
        with pytest.raises(NotFound):
            get_client(b, person.client_id)
        with pytest.raises(NotFound):
            update_client(b, person.client_id, family_name="Again")
        assert dataclasses.astuple(get_client(b, person.other_id)) == before
        assert OTHER_NOTE in text_b


def test_what_the_other_site_wrote_itself_is_scrubbed_there_too(tmp_path: Path) -> None:
    """Site B edited the person's phone itself (once before the erasure, and once after it
    was made at A but before it arrived): B's own change-log entries, the value that lost a
    conflict at B, and B's later edit all go; both sites end blank and agree."""
    before_phone, after_phone, a_phone = "07700 900461", "07700 900463", "07700 900462"
    after_note = "Rang back about the blue badge"
    before_email, after_name = "late.sender@example.org", "Robertinho"
    event_note, new_enquiry_note = "Daughter rang on her behalf", "Came in about a stairlift"
    with _two_sites(tmp_path) as (a, b):
        person = make_person(a)
        for ws in (a, b):
            sync_once(ws)
        update_client(b, person.client_id, phone=before_phone)
        update_client(a, person.client_id, phone=a_phone)  # concurrent: A's is later, wins
        for ws in (b, a, b):
            sync_once(ws)
        assert before_phone in all_text(b) and before_phone in all_text(a)

        update_client(b, person.client_id, email=before_email)  # not sent before the erasure
        erase_client(a, person.client_id, "person_asked")
        update_client(b, person.client_id, phone=after_phone, given_name=after_name)
        # (B has not heard yet)
        with b.db.write(b.actor) as w:  # nor of the notes being blanked
            enquiry = w.session.get(Enquiry, person.enquiry_id)
            assert enquiry is not None
            w.update(enquiry, notes=after_note)
        add_event(b, person.referral_id, "contacted", note=event_note)
        save_enquiry(b, EnquiryDraft("phone", "self", (NeedInput("money_benefits"),),
                                     notes=new_enquiry_note, client_id=person.client_id))
        for ws in (a, b, a, b):
            sync_once(ws)
        for ws in (a, b):
            text_now = all_text(ws)
            found = [p for p in (before_phone, after_phone, a_phone, after_note,
                                 before_email, after_name, after_name.lower(), event_note,
                                 new_enquiry_note) if p in text_now]
            assert found == [], (ws.site_name, found)
            with pytest.raises(NotFound):
                get_client(ws, person.client_id)
        with a.db.read() as s:
            phone_a = s.get(Client, person.client_id)
        with b.db.read() as s:
            phone_b = s.get(Client, person.client_id)
        assert phone_a is not None and phone_b is not None
        assert (phone_a.phone, phone_a.given_name) == (phone_b.phone, phone_b.given_name) \
            == (None, "")
        with b.db.read() as s:
            details = [e.detail for e in s.execute(select(AuditEvent).where(
                col(AuditEvent.action) == "sync:import")).scalars()]
        assert any("blanked_again=" in (d or "") for d in details), details
        conflicts = "SELECT table_name, row_id, field, hlc, site_id, value_json FROM " \
                    "sync_conflict ORDER BY 1, 2, 3, 4, 5"
        assert rows(a, conflicts) == rows(b, conflicts)  # the same everywhere
        # The duplicate-check keys (worked out at each site) hold nothing of the names.
        keys = "SELECT family_key, given_key FROM client WHERE id = ?"
        for ws in (a, b):
            assert rows(ws, keys, person.client_id)[0] in {("", ""), ("::::", "")}


def test_an_anonymisation_made_elsewhere_is_followed_here(ws: Workspace) -> None:
    """Another site anonymised the client (its details blanked, erased_at set): this site
    blanks the notes on the client's enquiries and events too, and scrubs what it wrote
    itself about the person from its change log."""
    from csn_desk.personal_fields import IDENTIFYING_CLIENT_BLANKS
    from csn_desk.store.remote import apply_changes
    from csn_desk.sync.erasures import Erasures, follow_erasures
    from csn_desk.sync.importer import DERIVERS
    from tests.sync.test_sync_merge import SITE_B, ch

    person = make_person(ws)
    changes = [ch("client", person.client_id, name, blank, 10, SITE_B)
               for name, blank in IDENTIFYING_CLIENT_BLANKS.items()]
    changes.append(ch("client", person.client_id, "erased_at", "2030-03-17T12:00:00+00:00",
                      10, SITE_B))
    assert NOTE in all_text(ws) and EVENT_NOTE in all_text(ws)
    with ws.db.write(ws.actor) as w:
        apply_changes(w.session, changes, derivers=DERIVERS)
        seen = Erasures()
        seen.see(changes)
        assert follow_erasures(w, seen, DERIVERS["client"]) == 2  # the two notes
    text_now = all_text(ws)
    assert [m for m in (*MARKERS.values(), NOTE, EVENT_NOTE) if m in text_now] == []
    with ws.db.write(ws.actor) as w:  # nothing left to do a second time
        assert follow_erasures(w, seen, DERIVERS["client"]) == 0


def test_a_note_blanked_by_retention_elsewhere_leaves_no_history_here(tmp_path: Path) -> None:
    """b wrote a note on an anonymous enquiry; a's retention blanks it years later; b's own
    change log keeps no copy (b's run would not: the note is already blank there)."""
    from csn_desk.protection.retention import run_retention

    note = "Caller from the flats by the Oakmere surgery"
    with _two_sites(tmp_path) as (a, b):
        save_enquiry(b, EnquiryDraft("phone", "self", (NeedInput("money_benefits"),),
                                     notes=note))
        for ws in (b, a):
            sync_once(ws)
        assert note in all_text(a) and note in all_text(b)
        assert run_retention(a, date(date.today().year + 8, 1, 1)).count("enquiry_notes") == 1
        for ws in (a, b):
            sync_once(ws)
        assert note not in all_text(a)
        assert note not in all_text(b)


def test_notes_waiting_in_the_sync_shadow_are_scrubbed_too(tmp_path: Path) -> None:
    """b referred the person to a service a deleted without having heard of the referral:
    the referral and its events wait in the sync shadow at both sites, out of their tables.
    An erasure at a still reaches the note kept there, at both sites."""
    from csn_desk.directory.editing import delete_service
    from csn_desk.followups import record_outcome
    from csn_desk.referrals import ReferralDraft
    from csn_desk.store.models import Referral
    from tests.documents.letterkit import add_example_service, setup_site

    note = "Pennywhistle Lane, rang her daughter"
    with _two_sites(tmp_path) as (a, b):
        setup_site(a)
        setup_site(b)
        service = add_example_service(a)
        for ws in (a, b):
            sync_once(ws)
        person = make_person(b)
        enquiry = save_enquiry(b, EnquiryDraft(
            "walk_in", "self", (NeedInput("money_benefits"),), client_id=person.client_id),
            [ReferralDraft("referred", service_id=service, consent_to_share=True,
                           follow_up_due=date(2026, 11, 20))])
        with b.db.read() as s:
            referral = s.execute(select(col(Referral.id)).where(
                col(Referral.enquiry_id) == enquiry)).scalar_one()
        record_outcome(b, referral, "contacted", note=note)
        delete_service(a, service)  # a has not heard of the referral
        for ws in (a, b, a, b):
            sync_once(ws)
        for ws in (a, b):
            assert rows(ws, "SELECT count(*) FROM referral WHERE id = ?", referral) == [(0,)]
            assert note in all_text(ws)  # (kept in the shadow)
        erase_client(a, person.client_id, "person_asked")
        for ws in (a, b, a, b):
            sync_once(ws)
        for ws in (a, b):
            assert note not in all_text(ws), ws.site_name
