"""The audit log on a real SQLCipher file: tampering by raw SQL (change, delete, swap,
delete-and-renumber) is caught and named by `csn-desk audit verify`; the viewer's filters,
paging and words; and the events the design requires are written."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from csn_desk.accounts import add_user, sign_in
from csn_desk.cli.main import main
from csn_desk.clients import ClientInput, add_client, get_client, update_client
from csn_desk.enquiries import save_enquiry
from csn_desk.errors import NotAllowed, WrongPassphrase
from csn_desk.login_throttle import throttled_sign_in
from csn_desk.protection.audit_log import (
    AuditFilter,
    action_label,
    bad_entry,
    check_log,
    query_audit,
)
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.store.storekit import draft, raw


@pytest.fixture
def logged(ws: Workspace) -> Workspace:
    for i in range(4):
        save_enquiry(ws, draft(f"enquiry {i}"))
    assert check_log(ws).ok
    return ws


def _tamper(ws: Workspace, *sql: str) -> None:
    with raw(ws.db) as conn:
        for statement in sql:
            conn.execute(statement)


_SWAP = ("UPDATE audit_event SET seq = -1 WHERE seq = 4",
         "UPDATE audit_event SET seq = 4 WHERE seq = 3",
         "UPDATE audit_event SET seq = 3 WHERE seq = -1")
_DELETE_AND_RENUMBER = ("DELETE FROM audit_event WHERE seq = 4",
                        "UPDATE audit_event SET seq = seq - 1 WHERE seq > 4")

# what was done -> (SQL, kind verify must report, entry number it must name, word printed)
TAMPERING = {
    "changed": (("UPDATE audit_event SET entity_id = 'someone-else' WHERE seq = 5",),
                "changed", 5, "was changed"),
    "deleted": (("DELETE FROM audit_event WHERE seq = 6",), "removed", 6, "was removed"),
    "swapped": (_SWAP, "reordered", 3, "was moved out of order"),
    "deleted and renumbered": (_DELETE_AND_RENUMBER, "removed", 4, "was removed"),
}


@pytest.mark.parametrize("case", TAMPERING, ids=list(TAMPERING))
def test_verify_names_the_first_bad_entry_and_what_happened(
        logged: Workspace, data_dir: Path, case: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    sql, kind, entry, words = TAMPERING[case]
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "Audit log intact:" in capsys.readouterr().out
    _tamper(logged, *sql)
    report = check_log(logged)
    assert not report.ok and report.kind == kind and bad_entry(report) == entry
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert f"entry {entry} {words}" in err


def test_intact_log_counts_its_entries(logged: Workspace, data_dir: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    # the CLI's own sign-in adds one entry before the walk
    total = query_audit(logged).total
    assert capsys.readouterr().out.strip() == f"Audit log intact: {total} entries."


def test_filters_paging_and_words(ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    cal = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        cid = add_client(cal, ClientInput("Edith", "Crawley"))
        get_client(cal, cid)
        update_client(cal, cid, phone="01325 000000")
        for i in range(3):
            save_enquiry(ws, draft(f"admin enquiry {i}"))
    finally:
        cal.close()

    everything = query_audit(ws)
    seqs = [r.seq for r in everything.rows]
    assert seqs == sorted(seqs, reverse=True) and everything.total == len(seqs)

    mine = query_audit(ws, AuditFilter(user="cal.c"))
    assert mine.total > 0 and {r.username for r in mine.rows} == {"cal.c"}
    assert "auth:login" in {r.action for r in mine.rows}

    about = query_audit(ws, AuditFilter(record_id=cid))
    assert [r.action for r in about.rows] == ["update:client", "view:client", "create:client"]
    assert [r.label for r in about.rows] == ["Changed a client record", "Viewed a client record",
                                             "Created a client record"]
    assert about.rows[0].detail == "last_contact_at,phone" or "phone" in (about.rows[0].detail
                                                                          or "")

    views = query_audit(ws, AuditFilter(action="view:"))
    assert [r.entity_id for r in views.rows] == [cid]

    today = date.today()
    assert query_audit(ws, AuditFilter(since=today + timedelta(days=2))).total == 0
    assert query_audit(ws, AuditFilter(until=today - timedelta(days=2))).total == 0
    assert query_audit(ws, AuditFilter(since=today - timedelta(days=1),
                                       until=today + timedelta(days=1))).total == everything.total

    first = query_audit(ws, limit=4)
    second = query_audit(ws, offset=4, limit=4)
    assert first.has_more and len(first.rows) == 4
    assert second.rows[0].seq == first.rows[-1].seq - 1
    # no personal data in any entry the viewer shows
    for row in everything.rows:
        assert "Edith" not in str(row) and "Crawley" not in str(row) and "01325" not in str(row)


def test_unknown_codes_show_as_they_are_and_table_actions_are_worded() -> None:
    assert action_label("auth:login") == "Signed in"
    assert action_label("create:enquiry") == "Created an enquiry"
    assert action_label("print:followup_letter") == "Printed a follow-up letter"
    assert action_label("mystery:thing") == "mystery:thing"


def test_failed_sign_ins_are_logged_at_the_next_sign_in(ws: Workspace, data_dir: Path) -> None:
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            throttled_sign_in(data_dir, "admin", "not-the-right-passphrase")
    again = throttled_sign_in(data_dir, "admin", PASSPHRASE)
    again.close()
    failed = query_audit(ws, AuditFilter(action="auth:failed_attempts"))
    assert failed.total == 1 and failed.rows[0].detail is not None
    assert failed.rows[0].detail.startswith("2 failed")


def test_only_administrators_read_or_check_the_log(ws: Workspace, data_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(ws, "mo.m", "Mo Manager", "manager", PASSPHRASE, check_strength=False)
    with sign_in(data_dir, "mo.m", PASSPHRASE) as mo:
        with pytest.raises(NotAllowed, match="Only administrators"):
            query_audit(mo)
        with pytest.raises(NotAllowed):
            check_log(mo)
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "list", "--data-dir", str(data_dir), "--as", "mo.m"]) == 1
    denied = query_audit(ws, AuditFilter(action="auth:denied"))
    assert denied.total == 3 and {r.detail for r in denied.rows} == {"audit.view"}
