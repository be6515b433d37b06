"""The fictional demo data set: labelled, deterministic, and never readable on disk."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import text

from csn_desk.accounts import sign_in
from csn_desk.demo import DEMO_PASSPHRASE, DEMO_USERNAME, ensure_demo
from csn_desk.demo.generate import create_demo
from csn_desk.enquiries import list_enquiries
from csn_desk.workspace import Workspace

TABLES = ["site", "organisation", "service", "client", "enquiry", "enquiry_need", "referral",
          "referral_event", "cost_option", "regular_schedule"]


def _digest(ws: Workspace) -> dict[str, str]:
    out = {}
    with ws.db.read() as s:
        for table in TABLES:
            h = hashlib.sha256()
            cols = "*" if table != "site" else "name"  # the first site's id is random per init
            for row in s.execute(text(f"SELECT {cols} FROM {table} ORDER BY 1")):
                if table in ("site", "organisation") and row[0] in (ws.site_id,
                                                                    ws.organisation_id):
                    continue
                h.update(repr(tuple(row)).encode())
            out[table] = h.hexdigest()
    return out


def test_same_seed_same_data_and_different_seed_differs(tmp_path: Path) -> None:
    anchor = date(2026, 11, 25)
    a, _ = create_demo(tmp_path / "a", enquiries=400, seed=5, anchor=anchor)
    b, _ = create_demo(tmp_path / "b", enquiries=400, seed=5, anchor=anchor)
    c, _ = create_demo(tmp_path / "c", enquiries=400, seed=6, anchor=anchor)
    try:
        da, db_, dc = _digest(a), _digest(b), _digest(c)
        # Rows that reference the per-install site/org ids differ; compare the rest.
        for table in ("service", "referral_event", "cost_option", "regular_schedule"):
            assert da[table] == db_[table], table
        assert da["referral_event"] != dc["referral_event"]
        ra = [(r.received_at, r.need_codes) for r in list_enquiries(a, limit=400)]
        rb = [(r.received_at, r.need_codes) for r in list_enquiries(b, limit=400)]
        assert ra == rb and len(ra) == 400
    finally:
        for ws in (a, b, c):
            ws.close()


def test_demo_history_spans_18_months_on_weekdays(tmp_path: Path) -> None:
    ws, summary = create_demo(tmp_path / "d", enquiries=2000, seed=2, anchor=date(2026, 11, 25))
    try:
        assert summary.enquiries == 2000 and summary.clients == 400
        assert summary.referrals > 1000 and summary.events > summary.referrals
        rows = list_enquiries(ws, limit=5000)
        days = {r.received_at.date() for r in rows}
        assert min(days) < date(2025, 7, 1) and max(days) > date(2026, 10, 1)
        assert all(d.weekday() < 5 for d in days)
        assert ws.demo
    finally:
        ws.close()


def _variants(text_: str) -> list[bytes]:
    return [text_.encode("utf-8"), text_.encode("utf-16-le"), text_.upper().encode()]


def test_no_demo_name_note_phone_or_postcode_is_readable_in_any_file(tmp_path: Path) -> None:
    data = tmp_path / "leak"
    ws, summary = create_demo(data, enquiries=1500, seed=9)
    try:
        markers = (summary.samples["names"][:20] + summary.samples["postcodes"][:20]
                   + summary.samples["phones"][:20]
                   + [n for n in summary.samples["notes"] if len(n) > 12])
        assert len(markers) > 40
        files = [p for p in data.rglob("*") if p.is_file()]
        assert any(p.name.endswith("-wal") for p in files)  # checked while the WAL is live
        contents = [p.read_bytes() for p in files]
        for marker in markers:
            for variant in _variants(marker):
                assert not any(variant in blob for blob in contents), "plaintext found on disk"
        # The check can fail: the same bytes in a plain file are found.
        (tmp_path / "plain.txt").write_text(markers[0])
        assert _variants(markers[0])[0] in (tmp_path / "plain.txt").read_bytes()
    finally:
        ws.close()
    for p in data.rglob("*"):
        if p.is_file():
            blob = p.read_bytes()
            assert not any(m.encode() in blob for m in markers)


def test_ensure_demo_creates_once_with_the_published_login(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    ensure_demo(data, enquiries=50)
    first = (data / "csn-desk.db").stat().st_mtime_ns
    ensure_demo(data, enquiries=50)
    assert (data / "csn-desk.db").stat().st_mtime_ns == first
    with sign_in(data, DEMO_USERNAME, DEMO_PASSPHRASE) as ws:
        assert ws.demo and "fictional" in ws.site_name
