"""The hash-chained audit log: tampering by raw SQL on the encrypted database (changing,
removing or reordering entries) is detected, and an untouched log verifies."""

from __future__ import annotations

import pytest

from csn_desk.enquiries import save_enquiry
from csn_desk.store.audit_chain import verify_chain
from csn_desk.workspace import Workspace
from tests.store.storekit import draft, raw


@pytest.fixture
def logged(ws: Workspace) -> Workspace:
    for i in range(4):
        save_enquiry(ws, draft(f"enquiry {i}"))
    with ws.db.read() as s:
        report = verify_chain(s)
    assert report.ok and report.entries >= 8  # setup + login + 4 x (enquiry + need)
    return ws


def _tamper(ws: Workspace, *sql: str) -> None:
    with raw(ws.db) as conn:
        for statement in sql:
            conn.execute(statement)


# Exchange entries 3 and 4 by renumbering them: both stay, in the other order.
SWAP_3_4 = ("UPDATE audit_event SET seq = -4 WHERE seq = 4",
            "UPDATE audit_event SET seq = 4 WHERE seq = 3",
            "UPDATE audit_event SET seq = 3 WHERE seq = -4")


CASES: dict[str, tuple[tuple[str, ...], int, str]] = {
    "changed detail": (("UPDATE audit_event SET detail = 'notes' WHERE seq = 3",), 3,
                       "has been changed"),
    "changed action": (("UPDATE audit_event SET action = 'view:client' WHERE seq = 5",), 5,
                       "has been changed"),
    "changed time": (("UPDATE audit_event SET at = '2020-01-01 00:00:00.000000' "
                      "WHERE seq = 2",), 2, "has been changed"),
    "removed": (("DELETE FROM audit_event WHERE seq = 4",), 5, "entry 4 is missing"),
    "swapped": (SWAP_3_4, 3, "does not follow"),
    "rehashed but not relinked": (
        # (its first two hex digits replaced by others: 'ab' alone would change nothing
        # in the one run in 256 whose hash starts with 'ab')
        ("UPDATE audit_event SET hash = CASE WHEN substr(hash, 1, 2) = 'ab' THEN 'cd' "
         "ELSE 'ab' END || substr(hash, 3) WHERE seq = 2",), 2,
        "has been changed"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_tampering_is_detected(logged: Workspace, case: str) -> None:
    sql, bad_seq, problem = CASES[case]
    _tamper(logged, *sql)
    with logged.db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_bad_seq == bad_seq
    assert problem in (report.problem or "")


def test_removing_the_last_entry_is_not_visible_in_the_chain(logged: Workspace) -> None:
    """A known limit, pinned so it is not mistaken for a guarantee: truncating the tail
    leaves a valid shorter chain (only an external copy of the head hash would show it)."""
    with logged.db.read() as s:
        full = verify_chain(s).entries
    _tamper(logged, f"DELETE FROM audit_event WHERE seq = {full}")
    with logged.db.read() as s:
        report = verify_chain(s)
    assert report.ok and report.entries == full - 1


def test_untouched_log_verifies_and_keeps_growing(logged: Workspace) -> None:
    with logged.db.read() as s:
        first = verify_chain(s)
    save_enquiry(logged, draft("one more"))
    with logged.db.read() as s:
        second = verify_chain(s)
    assert first.ok and second.ok and second.entries == first.entries + 2

