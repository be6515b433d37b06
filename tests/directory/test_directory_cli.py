"""``csn-desk directory import FILE [--dry-run]``, ``directory export --format oruk-json|csv
--out F`` and ``directory review``: reports with record ids and field names, exit 1 when
nothing was imported because of errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csn_desk.cli.main import main
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.directory.dirkit import DATA, table_counts, write_json


def _counts(ws: Workspace) -> dict[str, int]:
    """Directory rows and change-log entries (signing in for a command is audited)."""
    return {k: v for k, v in table_counts(ws).items() if k != "audit_event"}


@pytest.fixture
def data(ws: Workspace, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``--data-dir`` arguments for the fixture workspace (closed for the command)."""
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    return ["--data-dir", str(data_dir), "--user", "admin"]


def test_import_dry_run_then_import(ws: Workspace, data: list[str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = _counts(ws)
    path = str(DATA / "oruk3_services.json")
    assert main(["directory", "import", path, "--dry-run", *data]) == 0
    out = capsys.readouterr().out
    assert "would be: 2 added" in out and "WARNING" in out
    assert _counts(ws) == before
    assert main(["directory", "import", path, *data]) == 0
    assert "were: 2 added" in capsys.readouterr().out
    assert main(["directory", "import", path, *data]) == 0
    assert "2 already up to date" in capsys.readouterr().out


def test_import_with_errors_prints_ids_and_fields(ws: Workspace, data: list[str],
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_json(tmp_path / "bad.json", [
        {"id": "svc-9", "name": "Broken", "status": "shut",
         "organization": {"id": "o", "name": "O"}}])
    before = _counts(ws)
    assert main(["directory", "import", str(bad), *data]) == 1
    out = capsys.readouterr().out
    assert "ERROR  service 'svc-9' (Broken), status:" in out
    assert "Nothing was imported" in out
    assert _counts(ws) == before
    refused = tmp_path / "junk.json"
    refused.write_text("{not json")
    assert main(["directory", "import", str(refused), *data]) == 1
    assert "not valid JSON" in capsys.readouterr().out


def test_strict_imports_nothing_when_any_record_is_bad(ws: Workspace, data: list[str],
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    mixed = json.loads((DATA / "oruk3_services.json").read_text())
    mixed["contents"][1]["status"] = "shut"
    path = write_json(tmp_path / "mixed.json", mixed)
    assert main(["directory", "import", str(path), "--strict", *data]) == 1
    assert main(["directory", "import", str(path), *data]) == 0
    assert "were: 1 added" in capsys.readouterr().out


def test_csv_with_a_hand_mapping(ws: Workspace, data: list[str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("Provider,Activity,Where\nTrust,Yoga,DL1 1AA\n")
    assert main(["directory", "import", str(path), "--map", "service_name=Activity",
                 "--map", "postcode=Where", *data]) == 0
    assert "were: 1 added" in capsys.readouterr().out
    assert main(["directory", "import", str(path), "--map", "nonsense=Where", *data]) == 1
    assert "OURS=THEIRS" in capsys.readouterr().err


def test_export_both_formats_and_review(ws: Workspace, data: list[str], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "import", str(DATA / "oruk3_services.json"), *data]) == 0
    capsys.readouterr()
    for fmt, name in (("oruk-json", "d.json"), ("csv", "d.csv")):
        assert main(["directory", "export", "--format", fmt, "--out", str(tmp_path / name),
                     *data]) == 0
        assert "Exported 2 services" in capsys.readouterr().out
    exported = json.loads((tmp_path / "d.json").read_text())
    assert {s["name"] for s in exported["contents"]} == {"Riverside Lunch Club",
                                                         "Tablet Help"}
    assert (tmp_path / "d.csv").read_text(encoding="utf-8-sig").startswith("service_id,")
    assert main(["directory", "review", *data]) == 0
    out = capsys.readouterr().out
    assert "Tablet Help\tnot_checked" in out and "Never checked" in out
    with pytest.raises(SystemExit):
        main(["directory", "export", "--format", "xml", "--out", "x", *data])
