"""kill -9 at each step of export and import (a real ``csn-desk sync --once`` process, killed
by SIGKILL at a named point): afterwards nothing is lost, nothing is applied twice, no seq
has two contents, and the database checks pass."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from csn_desk.cli.common import PASSPHRASE_ENV
from csn_desk.directory.editing import update_organisation
from csn_desk.health import all_ok, run_checks
from csn_desk.store.models import Organisation
from csn_desk.sync import sync_once
from csn_desk.sync.failpoints import ENV, EXPORT_POINTS, IMPORT_POINTS
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.store.storekit import REPO
from tests.sync.kit import Net, own_segments, rows, scalar

pytestmark = [pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill -9"),
              pytest.mark.timeout(600)]


def _sync_killed_at(data_dir: Path, point: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, PASSPHRASE_ENV: PASSPHRASE, ENV: point}
    return subprocess.run([sys.executable, "-m", "csn_desk", "sync", "--once", "--data-dir",
                           str(data_dir), "--user", "admin"], check=False,
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def _phone(ws: Workspace, org_id: str) -> str | None:
    with ws.db.read() as s:
        org = s.get(Organisation, org_id)
        return None if org is None else org.phone


def _one_version_per_seq(net: Net, author: Workspace) -> None:
    """Every file of the author's in the drop is the one it recorded; seqs have no gaps."""
    recorded = dict(rows(author, "SELECT seq, hash FROM sync_segment WHERE site_id = ?",
                         author.site_id))
    files = own_segments(net.drop, author.site_id)
    seqs = [int(p.stem) for p in files]
    assert seqs == list(range(1, len(seqs) + 1))
    for path in files:
        assert recorded[int(path.stem)] == hashlib.sha256(path.read_bytes()).hexdigest()
    tmp = net.drop / "csn-desk" / "v1" / "tmp"
    assert not [p for p in tmp.iterdir() if p.suffix == ".seg"]


def _applied_once(reader: Workspace, author: Workspace) -> None:
    imports = rows(reader, "SELECT detail FROM audit_event WHERE action = 'sync:import' "
                           "AND entity_id = ?", author.site_id)
    seqs = [d[0].split()[0] for d in imports]
    assert len(seqs) == len(set(seqs)), seqs  # no segment applied twice


def _points(points: tuple[str, ...], fast: str) -> list[object]:
    """Every point; all but ``fast`` run with the slow tests (each is a process start)."""
    return [p if p == fast else pytest.param(p, marks=pytest.mark.slow) for p in points]


@pytest.mark.parametrize("point", _points(EXPORT_POINTS, "export:placed"))
def test_kill_during_export(trio: Net, point: str) -> None:
    with trio.open("a") as (a,):
        update_organisation(a, a.organisation_id, phone="01325 909090")
    killed = _sync_killed_at(trio.sites["a"], point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with trio.open("a", "b") as (a, b):
        update_organisation(a, a.organisation_id, email="after@example.org")
        for ws in (a, b, a, b):
            report = sync_once(ws)
            assert report.quarantined == 0 and not report.alerts, report
        assert _phone(b, a.organisation_id) == "01325 909090"  # nothing lost
        assert scalar(b, "SELECT email FROM organisation WHERE id = ?",
                      a.organisation_id) == "after@example.org"
        _one_version_per_seq(trio, a)
        _applied_once(b, a)
        assert scalar(b, "SELECT count(*) FROM sync_bad_file") == 0
        for ws in (a, b):
            assert all_ok(run_checks(ws.db))


@pytest.mark.parametrize("point", _points(IMPORT_POINTS, "import:applied-not-committed"))
def test_kill_during_import(trio: Net, point: str) -> None:
    with trio.open("a") as (a,):
        update_organisation(a, a.organisation_id, phone="01325 808080")
        assert sync_once(a).exported_segments == 1
    killed = _sync_killed_at(trio.sites["b"], point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with trio.open("a", "b") as (a, b):
        if point == "import:applied-not-committed":  # the transaction never happened
            assert _phone(b, a.organisation_id) != "01325 808080"
        report = sync_once(b)
        assert report.imported_segments == (1 if point == "import:applied-not-committed"
                                            else 0)
        assert _phone(b, a.organisation_id) == "01325 808080"
        _applied_once(b, a)
        assert all_ok(run_checks(b.db))
    env = {**os.environ, PASSPHRASE_ENV: PASSPHRASE}
    cli = subprocess.run([sys.executable, "-m", "csn_desk", "check", "--data-dir",
                          str(trio.sites["b"]), "--user", "admin"], check=False,
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
