"""Admin > Letters: the letter templates (follow-up letter, referral letter). Edit the subject
and the letter in plain text, insert a placeholder from the list (Enter or double-click puts
it at the cursor), save (the template is checked first: an unknown placeholder is refused
with a sentence under the editor), restore the default after a confirmation, or preview a
sample letter filled with fictional values.

Unsaved edits to one template are kept while another is open, and the list says so."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.documents.formats import PRINTABLE
from csn_desk.documents.templates import (
    TemplateView,
    check_template,
    list_templates,
    restore_default,
    save_template,
)
from csn_desk.errors import CsnError
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.admin.data import sample_letter
from csn_desk.ui.documents.preview import Prepared, PreviewDialog, open_preview
from csn_desk.ui.messages import MessageLine, confirm
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.workspace import Workspace

WIDE_CHARS = 120  # room for the editor and the placeholders side by side
OPTIONAL_HINT = ("Add a question mark to leave the whole paragraph out when there is no "
                 "value, like {service_phone?}. Type {{ or }} to print a brace.")


class LettersTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.views: dict[str, TemplateView] = {}
        self.drafts: dict[str, tuple[str, str]] = {}  # unsaved edits, by kind
        self.kind: str | None = None
        self.loads = 0
        self.saves = 0
        self.restores = 0
        self.confirm_box: QMessageBox | None = None
        self.preview: PreviewDialog | None = None
        self._busy = False
        self._filling = False

        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Letter template")
        self.chooser.currentIndexChanged.connect(self._chosen)
        self.about = QLabel("Loading the letter templates…")
        self.about.setWordWrap(True)
        self.state_label = QLabel("")
        self.state_label.setWordWrap(True)

        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject")
        self.subject.setToolTip("The bold line above the letter; it may be left empty")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Letter text")
        self.body.setAccessibleDescription(
            "A blank line starts a new paragraph. Tab moves to the next control.")
        self.body.setTabChangesFocus(True)  # Tab leaves the editor (no keyboard trap)
        self.body.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # (the app style sheet's min-height would override setMinimumHeight; em follows
        # the text size)
        self.body.setStyleSheet("QPlainTextEdit { min-height: 12em; }")
        self.subject.textEdited.connect(self._edited)
        self.body.textChanged.connect(self._edited)
        self.subject.installEventFilter(self)
        self.body.installEventFilter(self)
        self._target: QLineEdit | QPlainTextEdit = self.body

        self.placeholders = QListWidget()
        self.placeholders.setAccessibleName("Placeholders for this letter")
        self.placeholders.setAccessibleDescription(
            "Press Enter or double-click to insert the placeholder at the cursor.")
        self.placeholders.setWordWrap(True)
        self.placeholders.setMinimumHeight(self.placeholders.fontMetrics().lineSpacing() * 8)
        self.placeholders.itemActivated.connect(self._insert_item)
        placeholders_label = QLabel("P&laceholders: press Enter or double-click to put one "
                                    "in at the cursor")
        placeholders_label.setWordWrap(True)
        placeholders_label.setBuddy(self.placeholders)
        hint = QLabel(OPTIONAL_HINT)
        hint.setWordWrap(True)

        self.save_button = QPushButton("&Save template")
        self.save_button.setAccessibleName("Save the template")
        self.save_button.setToolTip("Check and save the template (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        self.restore_button = QPushButton("&Restore default…")
        self.restore_button.setAccessibleName("Restore the default template")
        self.restore_button.setToolTip("Go back to the letter as it came with csn-desk")
        self.restore_button.clicked.connect(self.ask_restore)
        self.preview_button = QPushButton("Pre&view sample…")
        self.preview_button.setAccessibleName("Preview a sample letter")
        self.preview_button.setToolTip("See the letter laid out, filled with made-up details")
        self.preview_button.clicked.connect(self.preview_sample)
        self.message = MessageLine()

        chooser_form = QFormLayout()
        chooser_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        chooser_form.addRow("Letter &template", self.chooser)
        subject_form = QFormLayout()
        subject_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        subject_form.addRow("S&ubject", self.subject)
        body_label = QLabel("Le&tter")
        body_label.setBuddy(self.body)
        buttons = ButtonRow(self.save_button, self.restore_button, self.preview_button)

        editor_box = QWidget()
        editor_layout = QVBoxLayout(editor_box)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addLayout(subject_form)
        editor_layout.addWidget(body_label)
        editor_layout.addWidget(self.body, 1)
        editor_layout.addWidget(self.message)
        editor_layout.addWidget(buttons)
        helper = QWidget()
        helper_layout = QVBoxLayout(helper)
        helper_layout.setContentsMargins(0, 0, 0, 0)
        helper_layout.addWidget(placeholders_label)
        helper_layout.addWidget(hint)
        helper_layout.addWidget(self.placeholders, 1)
        # Side by side when there is room, one above the other when the text is large or
        # the window narrow (reflow: scrolling down, never sideways).
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(16)
        self.columns.addWidget(editor_box, 3)
        self.columns.addWidget(helper, 2)

        page = QWidget()
        layout = tab_layout(page)
        layout.addLayout(chooser_form)
        layout.addWidget(self.about)
        layout.addWidget(self.state_label)
        layout.addLayout(self.columns, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(page))
        self.setTabOrder(self.chooser, self.subject)
        self.setTabOrder(self.subject, self.body)
        self.setTabOrder(self.body, self.save_button)
        self.setTabOrder(self.save_button, self.restore_button)
        self.setTabOrder(self.restore_button, self.preview_button)
        self.setTabOrder(self.preview_button, self.placeholders)
        self._set_enabled()
        self.load()

    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner has shut down (closing)
            self.runner.run_db(fn, owner=self, **callbacks)

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        ws = self.ws
        self._busy = True
        self._set_enabled()
        self._run(lambda _s: list_templates(ws), on_done=self._loaded,
                  on_error=self._load_failed)

    def _loaded(self, views: list[TemplateView]) -> None:
        self._busy = False
        self.views = {v.kind: v for v in views}
        keep = self.kind
        self._filling = True
        try:
            self.chooser.clear()
            for view in views:
                self.chooser.addItem(view.label, view.kind)
        finally:
            self._filling = False
        index = self.chooser.findData(keep) if keep else 0
        self.kind = None
        self.chooser.setCurrentIndex(max(0, index))
        self._chosen()
        self.loads += 1

    def _load_failed(self, sentence: str) -> None:
        self._busy = False
        self.about.setText("")
        self.message.say(f"Could not load the letter templates. {sentence}", error=True)

    # -- choosing and editing ---------------------------------------------------------------
    def _chosen(self, *_args: Any) -> None:
        if self._filling:
            return
        kind = self.chooser.currentData()
        if kind == self.kind or kind not in self.views:
            return
        self._keep_draft()
        self.kind = kind
        view = self.views[kind]
        subject, body = self.drafts.get(kind, (view.subject, view.body))
        self._filling = True
        try:
            self.subject.setText(subject)
            self.body.setPlainText(body)
        finally:
            self._filling = False
        self.about.setText(view.about)
        self.placeholders.clear()
        for p in view.placeholders:
            item = QListWidgetItem(f"{{{p.name}}}: {p.description}")
            item.setData(Qt.ItemDataRole.UserRole, p.name)
            item.setToolTip(f"For example: {p.example}")
            self.placeholders.addItem(item)
        if self.placeholders.count():
            self.placeholders.setCurrentRow(0)
        self.message.say("")
        self._show_state()
        self._set_enabled()

    def _keep_draft(self) -> None:
        if self.kind is None or self.kind not in self.views:
            return
        view, now = self.views[self.kind], self.editor_text()
        if now != (view.subject, view.body):
            self.drafts[self.kind] = now
        else:
            self.drafts.pop(self.kind, None)

    def editor_text(self) -> tuple[str, str]:
        return self.subject.text(), self.body.toPlainText()

    def _edited(self, *_args: Any) -> None:
        if not self._filling:
            self._keep_draft()
            self._show_state()
            self._set_enabled()

    def _show_state(self) -> None:
        if self.kind is None:
            return
        view = self.views[self.kind]
        if self.kind in self.drafts:
            text = "You have changes that are not saved yet."
        elif view.is_default:
            text = "This is the default letter that came with csn-desk."
        else:
            text = "Your organisation has changed this letter; every site prints this version."
        self.state_label.setText(text)
        for i in range(self.chooser.count()):
            kind = self.chooser.itemData(i)
            label = self.views[kind].label if kind in self.views else kind
            self.chooser.setItemText(i, label + (" (not saved)" if kind in self.drafts else ""))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        wide = event.size().width() >= self.fontMetrics().averageCharWidth() * WIDE_CHARS
        self.columns.setDirection(QBoxLayout.Direction.LeftToRight if wide
                                  else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FocusIn and watched in (self.subject, self.body):
            self._target = self.subject if watched is self.subject else self.body
        return super().eventFilter(watched, event)

    def _insert_item(self, item: QListWidgetItem) -> None:
        self.insert_placeholder(str(item.data(Qt.ItemDataRole.UserRole)))

    def insert_placeholder(self, name: str) -> None:
        """Put ``{name}`` at the cursor of the subject or letter (whichever was last used)."""
        target = self._target
        if isinstance(target, QLineEdit):
            target.insert(f"{{{name}}}")
        else:
            target.insertPlainText(f"{{{name}}}")
        target.setFocus()

    # -- saving and restoring ---------------------------------------------------------------
    def _set_enabled(self) -> None:
        ready = self.kind is not None and not self._busy
        for widget in (self.subject, self.body, self.save_button, self.restore_button,
                       self.preview_button, self.placeholders):
            widget.setEnabled(ready)
        self.chooser.setEnabled(not self._busy and self.chooser.count() > 0)
        if ready and self.kind is not None:
            self.restore_button.setEnabled(not self.views[self.kind].is_default
                                           or self.kind in self.drafts)

    def save(self) -> None:
        if self.kind is None or self._busy:
            return
        kind, (subject, body), ws = self.kind, self.editor_text(), self.ws
        try:
            check_template(kind, subject, body)  # quick, no database: say it at once
        except CsnError as exc:
            self._refused(str(exc))
            return
        self._busy = True
        self._set_enabled()
        self._run(lambda _s: save_template(ws, kind, subject, body),
                  on_done=lambda v: self._stored(v, "Saved. Letters printed from now on use "
                                                    "this template."),
                  on_error=self._failed)

    def _refused(self, sentence: str) -> None:
        self.message.say(f"Not saved. {sentence}", error=True)
        self.body.setAccessibleDescription(sentence)
        self.body.setFocus()

    def _stored(self, view: TemplateView, text: str) -> None:
        self._busy = False
        self.views[view.kind] = view
        self.drafts.pop(view.kind, None)
        if view.kind == self.kind:
            self._filling = True
            try:
                self.subject.setText(view.subject)
                self.body.setPlainText(view.body)
            finally:
                self._filling = False
        self.body.setAccessibleDescription("A blank line starts a new paragraph.")
        self.message.say(text)
        self._show_state()
        self._set_enabled()
        self.saves += 1

    def _failed(self, sentence: str) -> None:
        self._busy = False
        self._set_enabled()
        self._refused(sentence)

    def ask_restore(self) -> None:
        if self.kind is None or self._busy:
            return
        label = self.views[self.kind].label
        kind = self.kind
        self.confirm_box = confirm(
            self, "Restore the default letter",
            f"Go back to the default {label.lower()}? Your organisation's changes to it will "
            "be lost, on every site.", "&Restore default", "&Keep my changes",
            lambda: self.restore(kind))

    def restore(self, kind: str) -> None:
        """Restore the default for ``kind`` (after the user confirmed)."""
        ws = self.ws
        self.drafts.pop(kind, None)
        self._busy = True
        self._set_enabled()

        def done(view: TemplateView) -> None:
            self.restores += 1
            self._stored(view, "The default letter is back.")

        self._run(lambda _s: restore_default(ws, kind), on_done=done, on_error=self._failed)

    # -- preview ----------------------------------------------------------------------------
    def preview_sample(self) -> None:
        if self.kind is None:
            return
        kind, (subject, body), ws = self.kind, self.editor_text(), self.ws
        try:
            check_template(kind, subject, body)
        except CsnError as exc:
            self.message.say(f"Cannot preview yet. {exc}", error=True)
            self.body.setFocus()
            return
        label = self.views[kind].label

        def produce(_state: TaskState, code: str | None) -> Prepared:
            pdf, pages, fmt, warnings = sample_letter(ws, kind, subject, body, code)
            return Prepared(pdf, pages, fmt, " ".join(warnings))

        formats = PRINTABLE if kind == "followup_letter" else ()
        self.preview = open_preview(self, self.runner, f"Sample {label.lower()}", produce,
                                    formats=formats, file_stem=f"sample-{kind}")
