"""The New enquiry page: the enquiry form on the left, the directory panel beside it (or,
when the window is too narrow for both at the text size in use, one column: the form, then
the directory below it, scrolling up and down only).

Keyboard first: every field has an Alt shortcut, needs are typed and ticked with Enter, the
directory search is Alt+S, Enter on a result signposts, Ctrl+Enter (or Enter on Save) saves.
The draft's id is minted when the form opens (and again after each save), and Save is
disabled while saving, so a double click or a double Enter saves one enquiry. Errors from
the services are shown above the form, prefixed with the field they are about, and the
cursor moves to that field."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.ids import new_id
from csn_desk.ui.directory.panel import ChosenReferral, DirectoryPanel, compact
from csn_desk.ui.enquiry.needs import NeedsPicker
from csn_desk.ui.enquiry.person import AddPersonDialog
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"
ANONYMOUS = "Person: anonymous (no client record). Most enquiries stay this way."
# Which field an error sentence is about: (words in the sentence, field key). First wins.
FIELD_WORDS = (
    (("postcode",), "postcode"), (("channel",), "channel"), (("enquirer",), "enquirer"),
    (("age band",), "age_band"), (("route",), "route"), (("time spent",), "time"),
    (("consent", "service", "referral"), "referrals"), (("client",), "person"),
    (("need",), "needs"),
)


class EnterButton(QPushButton):
    """A button that Enter (not only Space) presses, as staff expect on a page."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in ENTER_KEYS and not event.isAutoRepeat():
            if self.isEnabled():
                self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def _combo(name: str, vocabulary: str, *, blank: str | None = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    compact(box)
    if blank is not None:
        box.addItem(blank, None)
    for term in vocab(vocabulary).terms:
        box.addItem(term.label, term.code)
    return box


class NewEnquiryPage(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.draft_id = new_id()
        self.client_id: str | None = None
        self.referrals: list[ChosenReferral] = []
        self.saved_ids: list[str] = []
        self._saving = False

        heading = QLabel("New enquiry")
        heading.setObjectName("heading")
        self.error = QLabel("")
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.channel = _combo("How the enquiry came in", "channels")
        self.enquirer = _combo("Who is asking", "enquirer_types")
        self.age_band = _combo("Age band", "age_bands")
        self.age_band.setCurrentIndex(max(0, self.age_band.findData("unknown")))
        self.postcode = QLineEdit()
        self.postcode.setAccessibleName("Postcode district")
        self.postcode.setPlaceholderText("e.g. DL1 (optional)")
        self.needs = NeedsPicker()
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("What the person asked about (no more than needed)")
        self.notes.setMinimumHeight(self.notes.fontMetrics().lineSpacing() * 3 + 16)
        self.route = _combo("Route into services", "routes", blank="Not decided yet")
        self.time_spent = QSpinBox()
        self.time_spent.setAccessibleName("Time spent in minutes")
        self.time_spent.setRange(0, 1440)
        self.time_spent.setSuffix(" min")
        self.time_spent.setSpecialValueText("Not recorded")

        self.person = QLabel(ANONYMOUS)
        self.person.setWordWrap(True)
        self.add_person = QPushButton("Add &person...")
        self.add_person.setAccessibleName("Add a person: find or create a client record")
        self.add_person.clicked.connect(self.open_add_person)
        self.remove_person = QPushButton("Make anonymous")
        self.remove_person.setAccessibleName("Remove the person: keep the enquiry anonymous")
        self.remove_person.clicked.connect(lambda: self.set_client(None, ""))
        self.remove_person.hide()

        self.chosen = QListWidget()
        self.chosen.setAccessibleName("Services chosen for this enquiry (Delete removes)")
        self.chosen.setWordWrap(True)
        self.chosen.setMaximumHeight(self.chosen.fontMetrics().lineSpacing() * 6)
        self.chosen.installEventFilter(self)
        self.save_button = EnterButton("Sa&ve enquiry")
        self.save_button.setAccessibleName("Save the enquiry (Ctrl+Enter)")
        self.save_button.setToolTip("Ctrl+Enter saves from anywhere on the form")
        self.save_button.clicked.connect(self.save)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.field_widgets = {"channel": self.channel, "enquirer": self.enquirer,
                              "age_band": self.age_band, "postcode": self.postcode,
                              "needs": self.needs.filter, "notes": self.notes,
                              "route": self.route, "time": self.time_spent,
                              "person": self.add_person, "referrals": self.chosen}
        self.field_labels: dict[str, str] = {}
        for key, text in (("channel", "&Channel"), ("enquirer", "&Who is asking"),
                          ("age_band", "Age &band"), ("postcode", "Postcode &district")):
            form.addRow(self._label(key, text), self.field_widgets[key])
        form.addRow(self._label("needs", "&Needs"), self.needs)
        form.addRow(self._label("notes", "Not&es"), self.notes)
        form.addRow(self._label("route", "&Route"), self.route)
        form.addRow(self._label("time", "T&ime spent"), self.time_spent)
        self.field_labels["person"] = "Person"
        self.field_labels["referrals"] = "Services chosen"
        person_row = QHBoxLayout()
        person_row.addWidget(self.add_person)
        person_row.addWidget(self.remove_person)
        person_row.addStretch(1)
        chosen_label = QLabel("Services chosen for this enquiry")
        chosen_label.setObjectName("subheading")
        chosen_label.setWordWrap(True)
        # After a save with services: the slip to hand over, in the person's format.
        self.slip_button = QPushButton("&Print slip")
        self.slip_button.setAccessibleName("Preview and print the referral slip for the "
                                           "enquiry just saved (Ctrl+P)")
        self.slip_button.setToolTip("The slip for the enquiry just saved (Ctrl+P)")
        self.slip_button.setEnabled(False)
        self.slip_button.clicked.connect(self.print_slip)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_slip)
        self.slip_enquiry: str | None = None
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.slip_button)
        save_row.addStretch(1)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        for widget in (heading, self.error, self.status, self.person):
            column.addWidget(widget)
        column.addLayout(person_row)
        column.addLayout(form)
        column.addWidget(chosen_label)
        column.addWidget(self.chosen)
        column.addLayout(save_row)
        column.addStretch(1)
        self.form_body = body
        scroll = QScrollArea()
        scroll.setAccessibleName("Enquiry form")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        self.panel = DirectoryPanel(ws, runner)
        self.panel.referral_chosen.connect(self.add_referral)
        self._show_referrals()
        # Two arrangements of the same widgets (see _arrange): the form beside the directory
        # when there is room, else one column that scrolls up and down (at 200% text on a
        # 1366 x 768 screen), so nothing is cut short and nothing scrolls sideways.
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(scroll)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 9)
        split.setStretchFactor(1, 11)
        # Its real minimum is checked in _arrange; a small one here lets the window shrink
        # far enough for the page to switch to one column instead of pushing the window
        # wider than the screen.
        split.setMinimumWidth(1)
        self.split, self.form_scroll = split, scroll
        self.column_scroll = QScrollArea()
        self.column_scroll.setAccessibleName("Enquiry form and directory")
        self.column_scroll.setWidgetResizable(True)
        self.column_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.column_body = QWidget()
        self.column_layout = QVBoxLayout(self.column_body)
        self.column_layout.setContentsMargins(0, 0, 0, 0)
        self.column_layout.setSpacing(16)
        self.column_scroll.setWidget(self.column_body)
        self.column_scroll.viewport().installEventFilter(self)  # its height sizes the panel
        self.column_scroll.hide()
        self.one_column = False
        self._arranging = False
        self._sized = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(split)
        layout.addWidget(self.column_scroll)
        self.page_layout = layout
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

        self.age_band.currentIndexChanged.connect(self._person_changed)
        self.postcode.textChanged.connect(self._person_changed)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self.save,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.setFocusProxy(self.channel)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """First show: choose the arrangement and, side by side, share the width 45/55 (at
        200% text the panel would otherwise take nearly all of it)."""
        super().showEvent(event)
        self._arrange()
        if not self._sized and not self.one_column:
            self._sized = True
            total = max(self.split.width(), 400)
            form = max(total * 45 // 100, self.form_min_width())
            self.split.setSizes([form, total - form])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange()

    def event(self, event: QEvent) -> bool:
        """A child's size hint changed (text size, high contrast): arrange again."""
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._arrange()
        return handled

    # -- arrangement ----------------------------------------------------------------------
    def form_min_width(self) -> int:
        """The form column's width: every need name whole, and at least ~28 characters."""
        return (max(self.form_body.minimumSizeHint().width(),
                    self.fontMetrics().averageCharWidth() * 28)
                + self.form_scroll.verticalScrollBar().sizeHint().width())

    def side_by_side_width(self) -> int:
        """The narrowest page on which the form fits beside the directory panel."""
        margins = self.page_layout.contentsMargins()
        return (self.form_min_width() + self.split.handleWidth()
                + self.panel.minimumSizeHint().width() + margins.left() + margins.right())

    def _arrange(self) -> None:
        """Side by side if it fits, else one column: the form, then the directory below."""
        if not self.isVisible() or self._arranging:
            return
        one_column = self.width() < self.side_by_side_width()
        # Side by side, the splitter may not squeeze the form below its needs (names whole).
        form_min = 0 if one_column else self.form_min_width()
        if self.form_scroll.minimumWidth() != form_min:
            self.form_scroll.setMinimumWidth(form_min)
        if one_column == self.one_column:
            self._fit_column()
            return
        self._arranging = True
        focus = QApplication.focusWidget()
        try:
            if one_column:
                self.form_scroll.takeWidget()
                self.column_layout.addWidget(self.form_body)
                self.column_layout.addWidget(self.panel)
                self.split.hide()
                self.column_scroll.show()
            else:
                self.column_layout.removeWidget(self.form_body)
                self.column_layout.removeWidget(self.panel)
                self.form_scroll.setWidget(self.form_body)
                self.split.addWidget(self.panel)
                self.column_scroll.hide()
                self.split.show()
                self._sized = False
            self.form_body.show()
            self.panel.show()
            self.one_column = one_column
            self._fit_column()
        finally:
            self._arranging = False
        if focus is not None and self.isAncestorOf(focus):
            focus.setFocus()

    def _fit_column(self) -> None:
        """In one column the directory panel is exactly one view high, so scrolled to it
        shows all of it: search, results, details and the buttons (never less than it
        needs); side by side the splitter shares the height as usual."""
        if self.one_column:
            view = self.column_scroll.viewport().height()
            low = max(view, self.panel.minimumSizeHint().height())
            high = low
        else:
            low, high = 0, QWIDGETSIZE_MAX
        if (self.panel.minimumHeight(), self.panel.maximumHeight()) != (low, high):
            self.panel.setMinimumHeight(low)
            self.panel.setMaximumHeight(high)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keep what has the focus in sight (Alt shortcuts jump far): in one column the
        whole directory panel when focus goes into it; the whole needs picker, list
        included, when focus goes to the needs."""
        scroll = self.column_scroll if self.one_column else self.form_scroll
        body = scroll.widget()
        if new is None or body is None or not body.isAncestorOf(new):
            return
        if self.one_column and self.panel.isAncestorOf(new):
            scroll.verticalScrollBar().setValue(self.panel.y())
        elif self.needs.isAncestorOf(new):
            scroll.ensureWidgetVisible(self.needs, 16, 16)
        scroll.ensureWidgetVisible(new, 16, 16)

    def _label(self, key: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setBuddy(self.field_widgets[key])
        self.field_labels[key] = text.replace("&", "")
        return label

    # -- the person -----------------------------------------------------------------------
    def _person_changed(self, *_args: object) -> None:
        self.panel.set_person(self.age_band.currentData(), self.postcode.text())

    def open_add_person(self) -> AddPersonDialog:
        dialog = AddPersonDialog(self.ws, self.runner, age_band=self.age_band.currentData(),
                                 postcode=self.postcode.text(), parent=self)
        dialog.person_chosen.connect(self.set_client)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.person_dialog = dialog
        return dialog

    def set_client(self, client_id: str | None, name: str) -> None:
        self.client_id = client_id
        self.person.setText(f"Person: {name} (client record)" if client_id else ANONYMOUS)
        self.remove_person.setVisible(client_id is not None)
        self.add_person.setText("Change &person..." if client_id else "Add &person...")

    # -- referrals ------------------------------------------------------------------------
    def add_referral(self, chosen: ChosenReferral) -> None:
        self.referrals = [r for r in self.referrals
                          if r.draft.service_id != chosen.draft.service_id] + [chosen]
        self._show_referrals()
        self.status.setText(f"Added. {chosen.describe()}.")

    def _show_referrals(self) -> None:
        self.chosen.clear()
        for r in self.referrals:
            self.chosen.addItem(r.describe())
        if not self.referrals:
            self.chosen.addItem("None yet: search the directory and press Enter on a result.")

    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802
        column = getattr(self, "column_scroll", None)  # events may come while building
        if (column is not None and watched is column.viewport() and isinstance(event, QEvent)
                and event.type() == QEvent.Type.Resize):
            self._fit_column()
        if (watched is self.chosen and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
            row = self.chosen.currentRow()
            if 0 <= row < len(self.referrals):
                del self.referrals[row]
                self._show_referrals()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    # -- saving ---------------------------------------------------------------------------
    def build_draft(self) -> EnquiryDraft:
        return EnquiryDraft(
            id=self.draft_id, channel=self.channel.currentData(),
            enquirer_type=self.enquirer.currentData(),
            needs=tuple(NeedInput(code) for code in self.needs.codes()),
            age_band=self.age_band.currentData(),
            postcode_district=self.postcode.text().strip() or None,
            route=self.route.currentData(), notes=self.notes.toPlainText(),
            time_spent_minutes=self.time_spent.value() or None, client_id=self.client_id)

    def save(self) -> None:
        if self._saving:
            return  # a second Enter while the first save runs
        draft, referrals = self.build_draft(), [r.draft for r in self.referrals]
        self._saving = True
        self.save_button.setEnabled(False)
        self.status.setText("Saving...")
        ws = self.ws
        self.runner.run_db(lambda _s: save_enquiry(ws, draft, referrals),
                           on_done=lambda eid: self._saved(eid, len(draft.needs),
                                                           len(referrals)),
                           on_error=self._save_failed, owner=self)

    def print_slip(self) -> None:
        """Open the slip preview for the enquiry just saved (made in the background)."""
        if self.slip_enquiry is None:
            return
        from csn_desk.ui.documents.open import preview_slip

        self.slip_preview = preview_slip(self, self.runner, self.ws, self.slip_enquiry)

    def _saved(self, enquiry_id: str, needs: int, referrals: int) -> None:
        self.saved_ids.append(enquiry_id)
        self.slip_enquiry = enquiry_id if referrals else None
        self.slip_button.setEnabled(bool(referrals))
        self.runner.notify_changed("enquiries")
        if referrals:
            self.runner.notify_changed("referrals")
        self.reset()
        self.status.setText(f"Saved: {needs} need{'s' if needs != 1 else ''}, {referrals} "
                            f"service{'s' if referrals != 1 else ''}. Ready for the next "
                            "enquiry.")
        self._saving = False
        self.save_button.setEnabled(True)
        self.channel.setFocus()

    def _save_failed(self, sentence: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.status.setText("")
        self.show_error(sentence)

    def field_for(self, sentence: str) -> str | None:
        lowered = sentence.casefold()
        for words, key in FIELD_WORDS:
            if any(w in lowered for w in words):
                return key
        return None

    def show_error(self, sentence: str) -> None:
        """Say which field is wrong and how to fix it, and put the cursor there."""
        key = self.field_for(sentence)
        label = self.field_labels.get(key, "") if key else ""
        self.error.setText(f"{label}: {sentence}" if label else sentence)
        self.error.show()
        if key:
            widget = self.field_widgets[key]
            widget.setAccessibleDescription(f"Problem: {sentence}")
            widget.setFocus()

    def reset(self) -> None:
        """A blank form with a new draft id, ready for the next person."""
        self.draft_id = new_id()
        for widget in self.field_widgets.values():
            widget.setAccessibleDescription("")
        self.error.hide()
        for combo in (self.channel, self.enquirer, self.route):
            combo.setCurrentIndex(0)
        self.age_band.setCurrentIndex(max(0, self.age_band.findData("unknown")))
        self.postcode.clear()
        self.needs.clear()
        self.notes.clear()
        self.time_spent.setValue(0)
        self.set_client(None, "")
        self.referrals = []
        self._show_referrals()
        self.panel.reset()
