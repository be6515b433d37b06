"""A whole demo-like workflow with every logger at DEBUG leaves no client name, phone,
postcode or note text in the captured log, the app's log file, any new temp file or any file
of the data folder (byte search). Only the export the user asked for is plaintext. The
sub-checks show the search finds a marker that is really there, so the test can fail."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from csn_desk import logs
from csn_desk.demo.generate import create_demo
from csn_desk.reports.exports import export_tallies
from csn_desk.reports.periods import month_of
from csn_desk.reports.tallies import compute_tallies
from csn_desk.store.models import Client, Enquiry
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF
from tests.protection.rightskit import EVENT_NOTE, MARKERS, NOTE, OTHER, OTHER_NOTE, make_person

POSTCODE = "DL3 6AA"


def _files(root: Path) -> Iterator[Path]:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            yield Path(folder) / name


def _leaks(blob: bytes, secrets: set[str]) -> set[str]:
    lowered = blob.lower()
    return {s for s in secrets if s.lower().encode() in lowered}


def _log_text(caplog: pytest.LogCaptureFixture) -> bytes:
    """Everything a handler could print: arguments, tracebacks and stack text included."""
    fmt = logging.Formatter("%(name)s %(message)s")
    return "\n".join(fmt.format(r) + " " + repr(r.args) + " " + str(r.msg)
                     for r in caplog.records).encode()


def _demo_values(ws: Workspace) -> set[str]:
    """Names, phones, postcodes and notes of the demo clients and enquiries (long enough
    not to match a word of code by chance)."""
    out: set[str] = set()
    with ws.db.read() as s:
        for c in s.execute(select(Client)).scalars():
            out.update(v for v in (c.given_name, c.family_name, c.phone, c.postcode,
                                   c.address_line1) if v)
        out.update(n for (n,) in s.execute(select(Enquiry.notes)) if n)
    return {v for v in out if len(v) >= 6}


@pytest.fixture
def quiet_root() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    sqla = logging.getLogger("sqlalchemy")
    sqla_level = sqla.level
    yield
    for h in root.handlers:
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)
    sqla.setLevel(sqla_level)


def test_demo_workflow_leaves_no_personal_data_in_logs_or_files(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        quiet_root: None) -> None:
    real_tmp = Path(tempfile.gettempdir())
    already = set(os.listdir(real_tmp))
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(own_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    data_dir, out = tmp_path / "data", tmp_path / "exports"
    out.mkdir()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)

    ws, _summary = create_demo(data_dir, enquiries=40, seed=3, kdf=FAST_KDF)
    logs.configure(data_dir, level=logging.DEBUG)  # the app's own log file, in the data folder
    with ws:
        make_person(ws)  # a client, consents, an enquiry with a note, a referral, an
        # outcome with a note and a printed slip, plus a second person
        tallies = compute_tallies(ws, month_of(date.today()))
        exported = export_tallies(ws, tallies, "csv", out / "tallies.csv")
        secrets = _demo_values(ws) | set(MARKERS.values()) | set(OTHER.values()) | {
            NOTE, EVENT_NOTE, OTHER_NOTE, POSTCODE}
        logging.getLogger("csn_desk").debug("workflow done for %d people", 2)
        open_files = list(_files(data_dir))  # with the WAL and shared-memory files in use
        assert any(p.name.endswith("-wal") for p in open_files)
        open_leaks = {str(p): _leaks(p.read_bytes(), secrets) for p in open_files}
        assert {p: found for p, found in open_leaks.items() if found} == {}
    assert len(secrets) > 40
    assert caplog.records, "nothing was captured: the check would be empty"

    assert _leaks(_log_text(caplog), secrets) == set()
    assert (data_dir / logs.LOG_FILE).is_file()
    new_in_tmp = [real_tmp / n for n in set(os.listdir(real_tmp)) - already]
    scanned = [p for root in (data_dir, own_tmp, *new_in_tmp) for p in
               ([root] if root.is_file() else _files(root))]
    assert any(p.name == "csn-desk.db" for p in scanned)
    leaks = {str(p): _leaks(p.read_bytes(), secrets) for p in scanned}
    assert {p: found for p, found in leaks.items() if found} == {}
    assert Path(exported.path).parent == out  # the only plaintext: the export asked for


def test_the_search_finds_a_marker_that_is_there(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, ws: Workspace) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("csn_desk.example").debug("looked up %s", MARKERS["family_name"])
    assert _leaks(_log_text(caplog), {MARKERS["family_name"]}) == {MARKERS["family_name"]}
    # A decrypted copy of the database has the names in it; the encrypted file has not.
    make_person(ws)
    plain = tmp_path / "plain.db"
    raw = ws.db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        raw.close()
    assert _leaks(plain.read_bytes(), {MARKERS["family_name"]}) == {MARKERS["family_name"]}
    assert _leaks(ws.db.paths.database.read_bytes(), {MARKERS["family_name"]}) == set()


def test_app_log_lines_never_carry_arguments_or_tracebacks() -> None:
    stream = io.StringIO()
    handler = logs.configure(None, level=logging.DEBUG, stream=stream)
    log = logging.getLogger("csn_desk.example")
    try:
        log.warning("saving client %s", MARKERS["given_name"])
        try:
            raise ValueError(MARKERS["phone"])
        except ValueError:
            log.exception("could not save %r", MARKERS["email"])
        logging.getLogger("sqlalchemy.engine.Engine").warning("SELECT %s", MARKERS["phone"])
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        logging.getLogger().setLevel(logging.WARNING)
    text = stream.getvalue()
    assert "saving client %s" in text and "could not save %r [ValueError]" in text
    assert _leaks(text.encode(), set(MARKERS.values())) == set()
    assert "Traceback" not in text and "SELECT" not in text
