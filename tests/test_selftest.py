"""``csn-desk self-test`` passes on a working install and says FAILED when a step fails."""

from __future__ import annotations

import pytest

from csn_desk import selftest
from csn_desk.cli.main import main


def test_self_test_passes_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-test"]) == 0
    out = capsys.readouterr().out
    assert "Self-test passed." in out
    assert out.count("OK  ") >= 8 and "FAIL" not in out


def test_self_test_reports_a_failing_step(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(selftest, "search_services", lambda *_a, **_k: [])
    assert main(["self-test"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  directory search" in out and "Self-test FAILED" in out
