"""``csn-desk self-test --qt``: the Qt checks an installed build runs (plugins, print to PDF,
QtPdf read-back, charts, About box) pass here and report a missing plugin by name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImageReader

from csn_desk.cli.main import main
from csn_desk.ui.qt_selfcheck import run_qt_checks

pytestmark = pytest.mark.qt


def _run() -> dict[str, tuple[bool, str]]:
    results: dict[str, tuple[bool, str]] = {}

    def step(name: str, ok: bool, detail: str = "") -> None:
        results[name] = (ok, detail)

    run_qt_checks(step)
    return results


def test_every_qt_check_passes_on_a_working_install(qapp: object) -> None:
    results = _run()
    assert len(results) == 7
    assert {name for name, (ok, _) in results.items() if not ok} == set()


def test_a_missing_image_format_plugin_is_named(qapp: object,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QImageReader, "supportedImageFormats",
                        staticmethod(lambda: [QByteArray(b"png")]))
    ok, detail = _run()["Qt image formats"]
    assert not ok
    assert "jpeg" in detail and "svg" in detail


def test_self_test_with_qt_flag(qapp: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-test", "--qt"]) == 0
    out = capsys.readouterr().out
    assert "print preview reads it back (QtPdf)" in out and "Self-test passed." in out
