"""Subject access: the ICO one-month rule on month ends, weekends and bank holidays; the pack
holds everything about the person (every table that refers to them) and nothing about anyone
else, in their print format, logged with its due date; only administrators can make one."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import select
from sqlmodel import col

from csn_desk.accounts import add_user, sign_in
from csn_desk.errors import NotAllowed
from csn_desk.protection.subject_access import subject_access_pack
from csn_desk.protection.subject_requests import (
    due_date,
    next_working_day,
    one_month_after,
    requests_for,
)
from csn_desk.store.models import AuditEvent, Document
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.documents import pdfcheck
from tests.protection.rightskit import EVENT_NOTE, MARKERS, NOTE, OTHER, OTHER_NOTE, make_person


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the last day of February
    (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
    (date(2028, 2, 29), date(2028, 3, 29)),
    (date(2026, 4, 30), date(2026, 5, 30)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # into the next year
    (date(2026, 3, 31), date(2026, 4, 30)),  # no 31 April
    (date(2026, 3, 30), date(2026, 4, 30)),
    (date(2026, 1, 15), date(2026, 2, 15)),
])
def test_one_month_rule_on_month_ends(received: date, due: date) -> None:
    assert one_month_after(received) == due


def test_due_date_moves_off_weekends_and_bank_holidays() -> None:
    none: frozenset[date] = frozenset()
    assert due_date(date(2026, 9, 3), none) == date(2026, 10, 5)  # Sat 3 Oct -> Mon 5 Oct
    assert due_date(date(2026, 10, 4), none) == date(2026, 11, 4)  # a Wednesday: as is
    # 25 December 2026 is a Friday and a bank holiday; Mon 28 December is the Boxing Day
    # substitute; so Tuesday 29 December.
    assert due_date(date(2026, 11, 25)) == date(2026, 12, 29)
    assert due_date(date(2026, 11, 25), none) == date(2026, 12, 25)
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Good Friday to Tuesday


def _pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_pack_holds_the_whole_record_and_no_one_else(ws: Workspace, tmp_path: Path) -> None:
    person = make_person(ws)
    out = tmp_path / "out"
    out.mkdir()
    pack = subject_access_pack(ws, person.client_id, out, received=date(2026, 1, 31),
                               today=date(2026, 2, 2))
    assert sorted(p.name for p in out.iterdir()) == sorted([pack.pdf_path.name,
                                                            pack.json_path.name])
    assert MARKERS["family_name"] not in pack.pdf_path.name  # file names carry no name
    text = _pdf_text(pack.pdf_path)
    flat = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    raw = pack.json_path.read_text(encoding="utf-8")
    for marker in (*MARKERS.values(), NOTE, EVENT_NOTE):
        assert marker in flat, marker
        assert marker in raw, marker
    for marker in (*OTHER.values(), OTHER_NOTE):
        assert marker not in flat and marker not in raw
    # The supporting information (DP-09).
    for words in ("Why we hold information", "lawful basis", "Where the information came",
                  "Who we have shared it with", "How long we keep it", "6 years",
                  "Automated decisions", "complain to the Information Commissioner",
                  "Benefits Advice Service", "not password protected"):
        assert words in flat, words
    data = json.loads(raw)
    assert data["client_id"] == person.client_id
    assert data["details"]["given_name"] == MARKERS["given_name"]
    assert [c["purpose"] for c in data["consents"]] == ["keep_record", "share_referral",
                                                         "contact_followup"]
    [enquiry] = data["enquiries"]
    assert enquiry["id"] == person.enquiry_id and enquiry["notes"] == NOTE
    [referral] = enquiry["referrals"]
    assert [e["status"] for e in referral["events"]] == ["made", "contacted"]
    assert data["shared_with"] == ["Benefits Advice Service"]
    assert [d["kind"] for d in data["documents"]] == ["referral_slip"]
    assert any(a["action"] == "create:client" for a in data["audit"])
    # Staff are other people: their ids and names are not in the pack.
    assert ws.user.id not in raw and ws.user.display_name not in flat

    # In the person's format (large print 18 pt), laid out, fonts embedded.
    pdf = pack.pdf_path.read_bytes()
    pdfcheck.assert_fonts_ok(pdf)
    pdfcheck.assert_min_size(pdf, 18)
    assert pdfcheck.page_count(pdf) == pack.pages >= 2

    # Logged: the request with its due date (31 Jan -> 28 Feb 2026, a Saturday -> Monday
    # 2 March), done today; the document; the export.
    [request] = requests_for(ws, person.client_id)
    assert (request.kind, request.received, request.due, request.completed) == (
        "sar", date(2026, 1, 31), date(2026, 3, 2), date(2026, 2, 2))
    assert pack.due == date(2026, 3, 2)
    with ws.db.read() as s:
        kinds = s.execute(select(col(Document.kind))
                          .where(col(Document.client_id) == person.client_id)).scalars().all()
        actions = s.execute(select(col(AuditEvent.action), col(AuditEvent.detail))
                            .where(col(AuditEvent.entity_id) == person.client_id)).all()
    assert sorted(kinds) == ["referral_slip", "subject_access"]
    exports = [d for a, d in actions if a == "export:subject_access"]
    assert exports == [f"pages={pack.pages}"]


def test_only_administrators_make_a_pack(ws: Workspace, data_dir: Path, tmp_path: Path
                                         ) -> None:
    person = make_person(ws)
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    cal = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        with pytest.raises(NotAllowed, match="Only administrators"):
            subject_access_pack(cal, person.client_id, tmp_path)
    finally:
        cal.close()
    assert list(tmp_path.glob("subject-access-*")) == []
    assert requests_for(ws, person.client_id) == []


def test_command_line_find_then_sar(ws: Workspace, data_dir: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from csn_desk.cli.common import PASSPHRASE_ENV
    from csn_desk.cli.main import main

    person = make_person(ws)
    ws.close()
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    base = ["--data-dir", str(data_dir)]
    assert main(["clients", "find", MARKERS["family_name"][:5].lower(), *base]) == 0
    found = capsys.readouterr().out
    assert found.strip() == f"{person.client_id}\tborn 1941\tpostcode district DL3"
    assert MARKERS["family_name"] not in found and MARKERS["given_name"] not in found
    out = tmp_path / "pack"
    out.mkdir()
    assert main(["sar", "--client", person.client_id, "--out", str(out),
                 "--received", "2026-01-31", *base]) == 0
    said = capsys.readouterr().out
    assert "not encrypted" in said and "due by 2 March 2026" in said
    assert MARKERS["family_name"] not in said
    assert len(list(out.glob("subject-access-*.pdf"))) == 1
    assert len(list(out.glob("subject-access-*.json"))) == 1
    # A missing folder is one plain sentence and exit 1, nothing written.
    assert main(["sar", "--client", person.client_id, "--out", str(tmp_path / "nope"),
                 *base]) == 1
    assert "does not exist" in capsys.readouterr().err
    again = sign_in(data_dir, "admin", PASSPHRASE)
    try:
        with again.db.read() as s:
            finds = s.execute(select(col(AuditEvent.detail))
                              .where(col(AuditEvent.action) == "find:client")).scalars().all()
        assert finds == ["matches=1"]
        assert [r.kind for r in requests_for(again, person.client_id)] == ["sar"]
    finally:
        again.close()
