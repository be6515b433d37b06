"""Retention: a fake 'today' years ahead of the data; real SQLCipher files, the real write path."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from csn_desk.accounts import add_user
from csn_desk.clients import ClientInput, add_client
from csn_desk.documents.log import log_document
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.protection.retention import (
    load_schedule,
    preview_retention,
    run_if_due,
    run_retention,
    set_period,
)
from csn_desk.reports.periods import month
from csn_desk.reports.tallies import compute_tallies
from csn_desk.store.audit_chain import verify_chain
from csn_desk.store.models import Client
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

OLD = datetime(2018, 3, 14, 10, 30, tzinfo=UTC)
RECENT = datetime(2024, 11, 2, 11, 0, tzinfo=UTC)
TODAY = date(2025, 6, 1)
A9 = vocab("article9_conditions").codes[0]


def _client(ws: Workspace, given: str, family: str, seen: datetime) -> str:
    cid = add_client(ws, ClientInput(given, family, postcode="DL1 1AA", phone="01325 111222",
                                     disability="Uses a wheelchair",
                                     article9_condition=A9, age_band="80_plus"))
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),), client_id=cid,
                                  notes=f"{given} asked about the ring-and-ride",
                                  received_at=seen))
    with ws.db.write(ws.actor) as w:  # the record as it would be had it been made back then
        client = w.session.get(Client, cid)
        assert client is not None
        w.update(client, created_at=seen, last_contact_at=seen)
    return cid


def _figures(ws: Workspace, which: str) -> object:
    t = compute_tallies(ws, month(which), "organisation", suppress_small=False)
    return (t.summary, t.tables)


def _plain_values(ws: Workspace) -> str:
    with ws.db.read() as s:
        rows = s.execute(text("SELECT value_json FROM change_log")).all()
    return " ".join(str(r[0]) for r in rows)


def test_run_anonymises_old_clients_blanks_old_notes_and_keeps_the_tallies(ws: Workspace) -> None:
    old = _client(ws, "Edith", "Crawley", OLD)
    recent = _client(ws, "Mabel", "Pryce", RECENT)
    with ws.db.write(ws.actor) as w:
        log_document(w, "referral_slip", fmt="standard", pages=1, client_id=old)
    before = {m: _figures(ws, m) for m in ("2018-03", "2024-11")}

    preview = preview_retention(ws, TODAY)
    assert preview.count("client_details") == 1
    assert preview.count("enquiry_notes") == 1
    assert preview.count("documents_log") == 0  # printed today: not old yet
    done = run_retention(ws, TODAY)
    assert [c.count for c in done.counts] == [c.count for c in preview.counts]

    with ws.db.read() as s:
        gone = s.get(Client, old)
        kept = s.get(Client, recent)
        assert gone is not None and kept is not None
        assert (gone.given_name, gone.family_name, gone.postcode, gone.phone,
                gone.disability) == ("", "", None, None, None)
        assert gone.erased_at is not None and gone.age_band == "80_plus"
        assert (kept.given_name, kept.postcode, kept.erased_at) == ("Mabel", "DL1 1AA", None)
        notes = dict(s.execute(text("SELECT client_id, notes FROM enquiry")).all())
        assert notes[old] == "" and notes[recent].startswith("Mabel")
        assert len(s.execute(text("SELECT id FROM enquiry")).all()) == 2
    history = _plain_values(ws)
    assert "Edith" not in history and "Crawley" not in history
    assert "Mabel" in history  # the recent client's details are untouched
    assert {m: _figures(ws, m) for m in before} == before

    again = run_retention(ws, TODAY)
    assert again.total == 0  # idempotent
    later = preview_retention(ws, date(datetime.now(UTC).year + 7, 1, 1))
    assert later.count("client_details") == 1 and later.count("documents_log") == 1


def test_old_audit_entries_are_purged_and_the_chain_still_verifies(ws: Workspace) -> None:
    _client(ws, "Edith", "Crawley", OLD)
    with ws.db.read() as s:
        assert verify_chain(s).ok
        before = s.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    far = date(datetime.now(UTC).year + 9, 1, 1)
    report = run_retention(ws, far)
    assert report.count("audit_log") == before - 1  # the newest stays as the chain's head
    with ws.db.read() as s:
        result = verify_chain(s)
        assert result.ok, result.problem
        left = s.execute(text("SELECT seq, action, detail FROM audit_event "
                              "ORDER BY seq")).all()
    assert left[0][0] == before  # everything before the old head is gone
    assert left[-1][1] == "retention:run" and f"audit_log={before - 1}" in left[-1][2]
    # New entries keep chaining after the purge; tampering is still caught.
    run_retention(ws, far)
    with ws.db.write(ws.actor) as w:
        w.session.execute(text("UPDATE audit_event SET detail = 'x' WHERE seq = "
                               "(SELECT min(seq) FROM audit_event)"))
    with ws.db.read() as s:
        assert not verify_chain(s).ok


def test_periods_are_data_overridable_within_limits(ws: Workspace) -> None:
    rules = {r.key: r for r in load_schedule(ws)}
    assert rules["client_details"].years == 6
    assert "6 years after the last contact" in rules["client_details"].words
    with pytest.raises(InvalidInput, match="between 1 and 25"):
        set_period(ws, "client_details", 0)
    set_period(ws, "client_details", 2)
    assert {r.key: r.years for r in load_schedule(ws)}["client_details"] == 2
    _client(ws, "Mabel", "Pryce", RECENT)
    assert preview_retention(ws, date(2027, 1, 1)).count("client_details") == 1


def test_only_administrators_run_it_but_the_daily_run_happens_for_anyone(
        ws: Workspace, data_dir: object) -> None:
    from csn_desk.accounts import sign_in

    add_user(ws, "counter1", "Counter One", "counter", PASSPHRASE, check_strength=False)
    _client(ws, "Edith", "Crawley", OLD)
    with sign_in(ws.db.paths.root, "counter1", PASSPHRASE) as counter:
        with pytest.raises(NotAllowed):
            run_retention(counter, TODAY)
        with pytest.raises(NotAllowed):
            set_period(counter, "audit_log", 2)
        first = run_if_due(counter, TODAY)
        assert first is not None and first.count("client_details") == 1
        assert run_if_due(counter, TODAY) is None  # once a day
    with ws.db.read() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_event"))]
    assert "retention:run_auto" in actions and actions.count("auth:denied") == 2


def test_cli_preview_and_run_print_counts_only(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from csn_desk.cli.main import main

    _client(ws, "Edith", "Crawley", OLD)
    root = str(ws.db.paths.root)
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    args = ["--data-dir", root, "--today", TODAY.isoformat()]
    assert main(["retention", "preview", *args]) == 0
    out = capsys.readouterr().out
    assert "Client details: 1 would change" in out and "6 years after the last contact" in out
    assert main(["retention", "run", *args]) == 0
    assert main(["retention", "run", *args]) == 0
    out = capsys.readouterr().out
    assert "Client details: 1 changed" in out and "Client details: 0 changed" in out
    assert "Edith" not in out and "Crawley" not in out
