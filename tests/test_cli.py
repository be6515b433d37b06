"""The csn-desk command line: the commands administrators script, run in-process and as a
real subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from csn_desk.cli.main import main
from csn_desk.store.keys import RECOVERY_ALPHABET
from tests.conftest import PASSPHRASE


@pytest.fixture
def env_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)


def test_init_prints_the_recovery_key_once_in_groups(tmp_path: Path, env_pass: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["init", "--data-dir", str(tmp_path / "d"), "--site", "Counter",
                 "--organisation", "Test Org", "--admin", "admin"])
    out = capsys.readouterr().out
    assert code == 0
    keys = re.findall(rf"\b[{RECOVERY_ALPHABET}]{{5}}(?:-[{RECOVERY_ALPHABET}]{{5}}){{5}}\b", out)
    assert len(keys) == 1
    # a second init on the same folder is refused, and says what to do
    assert main(["init", "--data-dir", str(tmp_path / "d"), "--site", "X", "--organisation",
                 "Y", "--admin", "admin"]) == 1
    assert "already holds csn-desk data" in capsys.readouterr().err


def test_passphrase_from_file_and_weak_passphrase_refused(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSN_DESK_PASSPHRASE", raising=False)
    weak = tmp_path / "weak.txt"
    weak.write_text("password123\n")
    assert main(["init", "--data-dir", str(tmp_path / "d"), "--site", "S", "--organisation", "O",
                 "--admin", "admin", "--passphrase-file", str(weak)]) == 1
    assert "12 characters" in capsys.readouterr().err
    assert not (tmp_path / "d" / "csn-desk.db").exists()
    good = tmp_path / "good.txt"
    good.write_text(PASSPHRASE + "\n")
    assert main(["init", "--data-dir", str(tmp_path / "d"), "--site", "S", "--organisation", "O",
                 "--admin", "admin", "--passphrase-file", str(good)]) == 0


def test_enquiries_list_shows_codes_not_personal_data(tmp_path: Path, env_pass: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "demo"
    assert main(["demo", "--enquiries", "300", "--seed", "3", "--data-dir", str(data),
                 "--admin", "admin"]) == 0
    capsys.readouterr()
    assert main(["enquiries", "list", "--data-dir", str(data), "--limit", "40"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 40
    for line in lines:
        eid, when, site, codes = line.split("\t")
        assert re.fullmatch(r"[0-9a-f-]{36}", eid)
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", when)
        assert "fictional" in site
        assert re.fullmatch(r"[a-z_]+(,[a-z_]+)*", codes)
    from csn_desk.demo.generate import words
    for name in words()["family_names"]:
        assert name not in out


def test_wrong_passphrase_is_one_sentence_and_exit_1(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     new_workspace: object) -> None:
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", "not the right one at all")
    assert main(["enquiries", "list", "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert "passphrase is not right" in err
    assert "Traceback" not in err


def test_missing_data_folder_says_what_to_do(tmp_path: Path, env_pass: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["enquiries", "list", "--data-dir", str(tmp_path / "nothing")]) == 1
    assert "csn-desk init" in capsys.readouterr().err


def test_real_subprocess_help_and_clean_error(tmp_path: Path) -> None:
    env = {**os.environ, "CSN_DESK_PASSPHRASE": "whatever it is"}
    helped = subprocess.run([sys.executable, "-m", "csn_desk", "--help"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert helped.returncode == 0
    for command in ("init", "demo", "enquiries", "check", "self-test"):
        assert command in helped.stdout
    failed = subprocess.run([sys.executable, "-m", "csn_desk", "enquiries", "list",
                             "--data-dir", str(tmp_path / "none")], capture_output=True,
                            text=True, env=env, timeout=60)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.count("\n") == 1
