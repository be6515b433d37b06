"""Batch printing: one PDF of every follow-up letter due, each in its own person's format,
with progress, a list of who got no letter and why (no names), one documents row per letter,
and a cancel that leaves nothing logged. Also the ``csn-desk print letters`` command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from csn_desk.cli.main import main
from csn_desk.consents import withdraw_consent
from csn_desk.documents.batch import letters_due
from csn_desk.errors import Cancelled
from csn_desk.store.models import AuditEvent, Document
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.documents import pdfcheck
from tests.documents.letterkit import (
    DAY,
    add_example_service,
    add_person,
    add_referral,
    consent,
    setup_site,
)

DUE_BY = date(2026, 11, 30)
FAMILY_NAMES = ("O'Neill", "Ó Súilleabháin", "Example")


def _due(ws: Workspace) -> dict[str, str]:
    """Three people who get letters (clear, 18 pt, 24 pt), five follow-ups who cannot, and
    one not due yet. Returns referral id -> what should happen."""
    setup_site(ws)
    service = add_example_service(ws)
    plan: dict[str, str] = {}
    for fmt, family, due in (("standard", "O'Neill", date(2026, 11, 2)),
                             ("large18", "Ó Súilleabháin", date(2026, 11, 10)),
                             ("large24", "Example", date(2026, 11, 20))):
        cid = add_person(ws, "Zoë", family, fmt=fmt)
        plan[add_referral(ws, cid, service, due=due)] = fmt
    plan[add_referral(ws, None, service, due=date(2026, 11, 3))] = "anonymous"
    plan[add_referral(ws, add_person(ws, line1=None), service, due=date(2026, 11, 4))] = \
        "no_address"
    withdrawn = add_person(ws)
    withdraw_consent(ws, consent(ws, withdrawn, "contact_followup"))
    plan[add_referral(ws, withdrawn, service, due=date(2026, 11, 5))] = "no_consent"
    phone = add_person(ws, contact="phone", phone="01632 960789")
    plan[add_referral(ws, phone, service, due=date(2026, 11, 6))] = "prefers_phone"
    plan[add_referral(ws, add_person(ws, contact="none"), service,
                      due=date(2026, 11, 7))] = "no_contact"
    add_referral(ws, add_person(ws), service, due=date(2026, 12, 15))  # not due yet
    return plan


def _documents(ws: Workspace) -> list[Document]:
    with ws.db.read() as s:
        return list(s.exec(select(Document)).all())


def test_one_pdf_each_letter_in_its_own_format_and_one_row_per_letter(ws: Workspace) -> None:
    plan = _due(ws)
    calls: list[tuple[int, int]] = []
    result = letters_due(ws, DUE_BY, day=DAY, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 8) for i in range(1, 9)]
    made = {letter.referral_id: letter.fmt for letter in result.letters}
    assert made == {rid: fmt for rid, fmt in plan.items() if fmt.startswith(("st", "la"))}
    assert {s.referral_id: s.code for s in result.skipped} == {
        rid: why for rid, why in plan.items() if rid not in made}
    # The letters come in due-date order, each laid out at its own size.
    assert [letter.fmt for letter in result.letters] == ["standard", "large18", "large24"]
    assert result.pdf is not None
    assert pdfcheck.page_count(result.pdf) == result.pages == sum(
        letter.pages for letter in result.letters)
    pdfcheck.assert_fonts_ok(result.pdf)
    pdfcheck.assert_inside_margins(result.pdf)
    body_sizes = _body_size_per_letter(result.pdf)
    assert body_sizes == [14.0, 18.0, 24.0]
    text = pdfcheck.all_text(result.pdf)
    assert text.count("25 November 2026") >= 3
    assert "Zoë Ó Súilleabháin" in text and "Zoë O'Neill" in text
    # One documents row (and one print event) per letter, for the right person and format.
    rows = {d.referral_id: (d.kind, d.format, d.pages) for d in _documents(ws)}
    assert rows == {letter.referral_id: ("followup_letter", letter.fmt, letter.pages)
                    for letter in result.letters}
    with ws.db.read() as s:
        prints = s.exec(select(AuditEvent).where(
            AuditEvent.action == "print:followup_letter")).all()
    assert len(prints) == 3


def _body_size_per_letter(pdf: bytes) -> list[float]:
    """The most common text size on each letter's first page ("Page 1 of N" starts one)."""
    from collections import Counter

    firsts = []
    cs = pdfcheck.visible(pdfcheck.chars(pdf))
    pages = sorted({c["page_number"] for c in cs})
    for number in pages:
        on_page = [c for c in cs if c["page_number"] == number]
        text = "".join(c["text"] for c in on_page)
        if "Page1of" in text:
            firsts.append(Counter(round(c["size"], 1) for c in on_page).most_common(1)[0][0])
    return firsts


def test_skip_reasons_are_plain_and_name_no_one(ws: Workspace) -> None:
    _due(ws)
    result = letters_due(ws, DUE_BY, day=DAY)
    assert len(result.skipped) == 5
    for skipped in result.skipped:
        assert skipped.reason.endswith(".") and len(skipped.reason) < 200
        for personal in ("Zoë", "O'Neill", "Example Street", "DL3", "01632 960789"):
            assert personal not in skipped.reason
    assert any("prefers to be contacted by phone" in s.reason for s in result.skipped)


def test_cancel_between_letters_logs_nothing(ws: Workspace) -> None:
    _due(ws)
    seen: list[int] = []

    def stop() -> bool:
        return len(seen) >= 4  # after four follow-ups (two letters made)

    with pytest.raises(Cancelled, match="nothing was printed or logged"):
        letters_due(ws, DUE_BY, day=DAY, progress=lambda d, _t: seen.append(d),
                    cancelled=stop)
    assert seen == [1, 2, 3, 4]
    assert _documents(ws) == []
    with ws.db.read() as s:
        assert s.exec(select(AuditEvent).where(
            AuditEvent.action == "print:followup_letter")).all() == []


def test_nothing_due_gives_no_pdf(ws: Workspace) -> None:
    setup_site(ws)
    result = letters_due(ws, DUE_BY, day=DAY)
    assert result.pdf is None and result.letters == () and result.skipped == ()


def test_cli_prints_counts_only(ws: Workspace, data_dir: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    _due(ws)
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "letters.pdf"
    assert main(["print", "letters", "--data-dir", str(data_dir), "--due-by", "2026-11-30",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Saved 3 letters" in printed and "5 follow-ups got no letter" in printed
    assert "1 anonymous enquiry" in printed and "1 prefers phone" in printed
    for personal in ("Zoë", "O'Neill", "Example Street", "DL3"):
        assert personal not in printed
    assert pdfcheck.page_count(out.read_bytes()) >= 3
    assert not list(tmp_path.glob("*.part"))


def test_cli_refuses_a_badly_written_date(data_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["print", "letters", "--data-dir", str(data_dir), "--due-by", "30/11/2026",
              "--out", str(tmp_path / "x.pdf")])
    assert exit_.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_cli_one_letter(ws: Workspace, data_dir: Path, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    setup_site(ws)
    cid = add_person(ws, fmt="large24")
    rid = add_referral(ws, cid, add_example_service(ws))
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "one.pdf"
    assert main(["print", "letter", "--data-dir", str(data_dir), "--referral", rid,
                 "--out", str(out)]) == 0
    assert "Saved the followup letter (large24" in capsys.readouterr().out
    pdfcheck.assert_min_size(out.read_bytes(), 16)
    # No consent to share recorded: one plain sentence and exit 1, no file.
    refused = tmp_path / "refused.pdf"
    assert main(["print", "letter", "--data-dir", str(data_dir), "--referral", rid,
                 "--kind", "referral", "--out", str(refused)]) == 1
    assert "has not agreed to share" in capsys.readouterr().err
    assert not refused.exists()
