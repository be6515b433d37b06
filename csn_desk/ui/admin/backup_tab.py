"""Admin > Backup and retention: when this computer was last backed up, "Back up now…" to a
folder or USB stick (in the background, with progress, reporting that the copy was checked),
"Make a new recovery key…" (``admin/keys.py``, administrators only), and the retention
schedule in words with each period editable, a preview and "Run now".

All the work is in ``csn_desk.backup`` and ``csn_desk.protection.retention``; this tab only
asks them on the database thread and shows the answers."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from csn_desk.backup import BackupResult, backup_reminder, last_backup, make_backup
from csn_desk.consents import uk_today
from csn_desk.protection.retention import (
    RetentionReport,
    Rule,
    load_schedule,
    preview_retention,
    run_if_due,
    run_retention,
    set_period,
)
from csn_desk.timefmt import uk_datetime
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.admin.keys import RecoveryKeyBox
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.workspace import Workspace

BACKUP_INTRO = ("A backup is one file holding all of this computer's records, encrypted: it "
                "opens only with a user's passphrase or the recovery key. Keep it on a USB "
                "stick or a network folder away from this computer. Each backup is read back "
                "and checked after it is written.")
RETENTION_INTRO = ("Records are kept only as long as they are needed. The schedule runs by "
                   "itself when the app starts and once a day; the counts of what it changed "
                   "are kept in the audit log.")


@dataclass(frozen=True)
class TabState:
    last: datetime | None
    reminder: str
    rules: tuple[Rule, ...]


def load_state(ws: Workspace, today: date) -> TabState:
    return TabState(last_backup(ws), backup_reminder(ws, today), tuple(load_schedule(ws)))


class BackupTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.loads = 0
        self.backups = 0
        self._busy = False
        self.rules: tuple[Rule, ...] = ()

        backup_box = QGroupBox("Backup")
        intro = QLabel(BACKUP_INTRO)
        intro.setWordWrap(True)
        self.last_label = QLabel("")
        self.last_label.setWordWrap(True)
        self.reminder = QLabel("")
        self.reminder.setObjectName("errorMessage")
        self.reminder.setWordWrap(True)
        self.reminder.setVisible(False)
        self.backup_button = QPushButton("&Back up now…")
        self.backup_button.setAccessibleName("Back up now: choose a folder or USB stick")
        self.backup_button.clicked.connect(self.back_up)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Backup progress")
        self.progress.setVisible(False)
        self.backup_message = MessageLine()
        box = QVBoxLayout(backup_box)
        for w in (intro, self.last_label, self.reminder, ButtonRow(self.backup_button),
                  self.progress, self.backup_message):
            box.addWidget(w)

        retention_box = QGroupBox("Retention schedule")
        r_intro = QLabel(RETENTION_INTRO)
        r_intro.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.spins: dict[str, QSpinBox] = {}
        self.words: dict[str, QLabel] = {}
        self.save_button = QPushButton("Save peri&ods")
        self.save_button.clicked.connect(self.save_periods)
        self.preview_button = QPushButton("Pre&view")
        self.preview_button.setAccessibleName("Preview what the schedule would change today")
        self.preview_button.clicked.connect(self.preview)
        self.run_button = QPushButton("&Run now")
        self.run_button.setAccessibleName("Run the retention schedule now")
        self.run_button.clicked.connect(self.run_now)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("What the retention schedule changes")
        self.retention_message = MessageLine()
        rbox = QVBoxLayout(retention_box)
        rbox.addWidget(r_intro)
        rbox.addLayout(self.grid)
        rbox.addWidget(ButtonRow(self.save_button, self.preview_button, self.run_button))
        rbox.addWidget(self.result)
        rbox.addWidget(self.retention_message)

        # Administrators only (keys.manage); hidden from anyone else.
        self.keys_box = RecoveryKeyBox(ws, runner)

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(backup_box)
        layout.addWidget(self.keys_box)
        layout.addWidget(retention_box)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        self.load()

    # -- loading --------------------------------------------------------------------------
    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            self.runner.run_db(fn, owner=self, **callbacks)

    def load(self) -> None:
        ws, today = self.ws, uk_today()
        self._run(lambda _s: load_state(ws, today), on_done=self._show,
                  on_error=lambda e: self.backup_message.say(f"Could not load. {e}",
                                                             error=True))

    def _show(self, state: TabState) -> None:
        self.last_label.setText("Last backup: " + (uk_datetime(state.last) if state.last
                                                   else "never"))
        self.reminder.setText(state.reminder)
        self.reminder.setVisible(bool(state.reminder))
        if not self.spins:
            self._build_rules(state.rules)
        for rule in state.rules:
            self.spins[rule.key].setValue(rule.years)
            self.words[rule.key].setText(f"<b>{rule.label}</b>: {rule.words.split(': ', 1)[1]}"
                                         f"<br>{rule.why}")
        self.rules = state.rules
        self.loads += 1

    def _build_rules(self, rules: tuple[Rule, ...]) -> None:
        for row, rule in enumerate(rules):
            words = QLabel("")
            words.setWordWrap(True)
            spin = QSpinBox()
            spin.setRange(rule.minimum_years, rule.maximum_years)
            spin.setSuffix(" years")
            spin.setAccessibleName(f"Years to keep: {rule.label}")
            spin.setToolTip(f"Between {rule.minimum_years} and {rule.maximum_years} years")
            words.setBuddy(spin)
            self.grid.addWidget(words, row, 0)
            self.grid.addWidget(spin, row, 1)
            self.spins[rule.key], self.words[rule.key] = spin, words

    # -- backup ---------------------------------------------------------------------------
    def choose_folder(self) -> Path | None:
        """Ask where to write the backup (tests replace this)."""
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder or USB stick for "
                                                  "the backup")
        return Path(folder) if folder else None

    def back_up(self) -> None:
        if self._busy:
            return
        folder = self.choose_folder()
        if folder is None:
            return
        self.back_up_to(folder)

    def back_up_to(self, folder: Path) -> None:
        ws = self.ws
        self._busy = True
        self.backup_button.setEnabled(False)
        self.progress.setRange(0, 4)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.backup_message.say("Backing up… you can keep working.")

        def work(state: TaskState) -> BackupResult:
            return make_backup(ws, folder, progress=state.progress)

        self._run(work, on_done=self._backed_up, on_error=self._backup_failed,
                  on_progress=self._backup_progress)

    def _backup_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(text)

    def _backed_up(self, result: BackupResult) -> None:
        self._busy = False
        self.backup_button.setEnabled(True)
        self.progress.setVisible(False)
        self.backups += 1
        self.backup_message.say(f"Backup written and checked: {result.path.name} in "
                                f"{result.path.parent}.")
        self.load()
        self.runner.notify_changed("backup")

    def _backup_failed(self, sentence: str) -> None:
        self._busy = False
        self.backup_button.setEnabled(True)
        self.progress.setVisible(False)
        self.backup_message.say(f"No backup was made. {sentence}", error=True)

    # -- retention ------------------------------------------------------------------------
    def save_periods(self) -> None:
        ws = self.ws
        changed = {r.key: self.spins[r.key].value() for r in self.rules
                   if self.spins[r.key].value() != r.years}

        def work(_s: TaskState) -> TabState:
            for key, years in changed.items():
                set_period(ws, key, years)
            return load_state(ws, uk_today())

        self._run(work, on_done=self._periods_saved,
                  on_error=lambda e: self.retention_message.say(f"Not saved. {e}",
                                                                error=True))

    def _periods_saved(self, state: TabState) -> None:
        self._show(state)
        self.retention_message.say("Saved. The schedule uses these periods from now on.")

    def preview(self) -> None:
        ws = self.ws
        self._run(lambda _s: preview_retention(ws, uk_today()), on_done=self._report,
                  on_error=lambda e: self.retention_message.say(e, error=True))

    def run_now(self) -> None:
        ws = self.ws
        self.run_button.setEnabled(False)
        self._run(lambda _s: run_retention(ws, uk_today()), on_done=self._ran,
                  on_error=self._run_failed)

    def _ran(self, report: RetentionReport) -> None:
        self.run_button.setEnabled(True)
        self._report(report)
        self.runner.notify_changed("clients")

    def _run_failed(self, sentence: str) -> None:
        self.run_button.setEnabled(True)
        self.retention_message.say(f"Nothing was changed. {sentence}", error=True)

    def _report(self, report: RetentionReport) -> None:
        head = ("Done today:" if report.applied else "If it ran today:")
        self.result.setText(head + "\n" + "\n".join(report.lines()))
        self.retention_message.say("")


RETENTION_CHECK_MS = 60 * 60 * 1000  # hourly: the run itself happens at most once a day


def schedule_retention(owner: QWidget, ws: Workspace, runner: TaskRunner) -> QTimer:
    """Run the retention schedule in the background now (after sign-in) and again whenever
    the day has changed while the app stays open. Failures are shown as the runner's error
    sentence (status bar), never as a dialog in the middle of a counter's work."""

    def ran(report: RetentionReport | None) -> None:
        if report is not None and report.total:
            runner.notify_changed("clients")

    def check() -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            runner.run_db(lambda _s: run_if_due(ws, uk_today()), owner=owner, on_done=ran)

    timer = QTimer(owner)
    timer.setInterval(RETENTION_CHECK_MS)
    timer.timeout.connect(check)
    timer.start()
    QTimer.singleShot(0, owner, check)
    return timer
