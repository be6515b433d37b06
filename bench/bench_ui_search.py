"""UI latency: a keystroke in the directory search box to the results shown, with the real
``DirectoryPanel`` widget (offscreen), its task runner and a real encrypted workspace holding
20,000 services (2,000 with ``--quick``).

Each measured keystroke is one character sent with ``QTest.keyClicks`` to the search box;
the clock stops when the panel has put the results for the text now in the box into its
list and the list has been repainted. Keys are paced (the next key goes once the results
are shown), so every
sample is a full keystroke-to-results round trip. The baseline is ``search_services`` called
directly for the same texts: the difference is the price of the widget, the thread hop and
the painting.

Run: ``.venv/bin/python -m bench.bench_ui_search [--quick]``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.bench_directory import WORDS  # noqa: E402
from bench.harness import HEADER, Result, summarise, time_ms  # noqa: E402
from csn_desk.accounts import initialise  # noqa: E402
from csn_desk.demo.generate import generate  # noqa: E402
from csn_desk.directory.search import search_services  # noqa: E402
from csn_desk.ui import theme  # noqa: E402
from csn_desk.ui.directory.panel import RESULT_LIMIT, DirectoryPanel  # noqa: E402
from csn_desk.ui.tasks import TaskRunner  # noqa: E402

PASSPHRASE = "bench-kettle-orchard-42"
TIMEOUT_S = 10.0


def _wait_for(panel: DirectoryPanel, text: str) -> None:
    """Run the event loop until the results for ``text`` are shown. A real ``QEventLoop``
    (not a polling loop) so the GUI thread sleeps in Qt, as in the app, and does not compete
    with the database thread for the GIL."""
    if panel.shown_query == text and panel._task is None:
        return
    loop = QEventLoop()

    def check(_query: str = "") -> None:
        if panel.shown_query == text:
            loop.quit()

    panel.results_shown.connect(check)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(TIMEOUT_S * 1000))
    try:
        loop.exec()
    finally:
        panel.results_shown.disconnect(check)
        timer.stop()
    if panel.shown_query != text:
        raise TimeoutError(f"no results for {text!r} within {TIMEOUT_S} s")


def measure(panel: DirectoryPanel, runs: int) -> tuple[list[float], list[str]]:
    """``runs`` paced keystrokes over the benchmark words; returns (ms samples, texts)."""
    samples: list[float] = []
    texts: list[str] = []
    words = iter(WORDS * (1 + runs))
    while len(samples) < runs:
        panel.search.clear()
        _wait_for(panel, "")
        for ch in next(words):
            t0 = time.perf_counter()
            QTest.keyClicks(panel.search, ch)
            text = panel.search.text()
            _wait_for(panel, text)
            panel.results.viewport().repaint()
            samples.append((time.perf_counter() - t0) * 1000)
            texts.append(text)
            if len(samples) >= runs:
                break
    return samples, texts


def run(quick: bool, runs: int | None = None) -> Result:
    services = 2_000 if quick else 20_000
    runs = runs or (60 if quick else 300)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="csn-bench-ui-") as tmp:
        # Display preferences go to the temp folder, never the user's settings.
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                          str(Path(tmp) / "qsettings"))
        theme.apply_text_scale(app, 100)
        print(f"Building {services:,} fictional services...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        ws, _recovery = initialise(Path(tmp) / "data", site_name="Bench Counter",
                                   organisation_name="Bench Org", admin_username="admin",
                                   passphrase=PASSPHRASE)
        runner = TaskRunner()
        try:
            generate(ws, enquiries=0, services=services, clients=0)
            print(f"  built in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
            panel = DirectoryPanel(ws, runner)
            panel.resize(700, 800)
            panel.show()
            panel.search.setFocus(Qt.FocusReason.OtherFocusReason)
            _wait_for(panel, "")
            measure(panel, 10)  # warm-up: caches, first paint
            samples, texts = measure(panel, runs)
            seq = iter(texts)
            baseline = time_ms(lambda: search_services(ws, next(seq), limit=RESULT_LIMIT),
                               len(texts) - 2)
            panel.close()
        finally:
            runner.shutdown(wait=True)
            ws.close()
    return summarise(f"UI: keystroke to results shown ({services // 1000}k)", samples,
                     "p95 < 100 ms", baseline=baseline,
                     note="real DirectoryPanel offscreen, paced keys; baseline: "
                          "search_services alone for the same texts")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_ui_search")
    parser.add_argument("--quick", action="store_true", help="2,000 services, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed keystrokes")
    args = parser.parse_args(argv)
    result = run(args.quick, args.runs)
    print(HEADER)
    print(result.row())
    print(result.json_line())
    return 0 if result.p95 < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
