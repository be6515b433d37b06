"""The Details tab of a client record: every editable field with its label, an error line
under each field (shown with the word "Error", not by colour alone), guidance for health,
disability and caring details, and the lawful basis with the Article 9 condition.

Coded fields are combo boxes filled from the vocabularies; the Article 9 condition and the
lawful basis show what the chosen one means under the box. Checking is done by the page
(``data.check_edit``), which hands the messages back to ``show_errors``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from csn_desk.clients import ClientDetail
from csn_desk.ui.clients.data import EDITABLE, parse_date
from csn_desk.vocab import vocab

LABELS = {"given_name": "&First name", "family_name": "Fa&mily name",
          "date_of_birth": "Date of &birth (dd/mm/yyyy)", "postcode": "&Postcode",
          "address_line1": "Address line &1", "address_line2": "Address line &2",
          "address_line3": "Address line &3", "post_town": "&Town", "phone": "P&hone",
          "email": "&Email", "preferred_contact": "Preferred &contact",
          "preferred_format": "Preferred f&ormat", "language": "&Language",
          "interpreter": "&Interpreter (e.g. BSL)", "carer_status": "Ca&rer status",
          "disability": "Disabilit&y", "long_term_condition": "Lon&g-term condition",
          "article9_condition": "Article &9 condition", "lawful_basis": "La&wful basis"}
# Coded fields: (vocabulary, the choice meaning "nothing recorded", or None if required).
COMBOS = {"preferred_contact": ("contact_methods", None), "preferred_format": ("formats", None),
          "carer_status": ("carer_statuses", "Not recorded"),
          "article9_condition": ("article9_conditions", "None chosen"),
          "lawful_basis": ("lawful_bases", "Not recorded")}
TEXTS = ("disability", "long_term_condition")  # several lines of free text
HINTED = ("article9_condition", "lawful_basis")  # the chosen term's description shows below
# Headings before a field: (heading, a sentence of guidance).
SECTIONS = {
    "carer_status": ("Health, disability and caring",
                     "Record only what helps us support the person. Health and disability "
                     "details need an Article 9 condition (usually explicit consent)."),
    "article9_condition": ("Why we may hold this",
                           "The Article 9 condition covers health, disability and carer "
                           "details; the lawful basis covers the whole record."),
}
Field = QLineEdit | QComboBox | QPlainTextEdit
TEXT_LINES = 3


class NotesEdit(QPlainTextEdit):
    """A few lines of free text, as tall as ``TEXT_LINES`` at the text size in use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802
        margins = self.contentsMargins()
        height = (self.fontMetrics().lineSpacing() * TEXT_LINES + 2 * self.frameWidth()
                  + margins.top() + margins.bottom() + 2 * int(self.document().documentMargin()))
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())


def field_widget(name: str) -> Field:
    """The input for one field, named for screen readers."""
    widget: Field
    if name in COMBOS:
        vocabulary, blank = COMBOS[name]
        widget = QComboBox()
        # Long names must not set the form's width; the closed box shows what fits.
        widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(12)
        if blank is not None:
            widget.addItem(blank, None)
        for term in vocab(vocabulary).terms:
            widget.addItem(term.label, term.code)
            if term.description:
                widget.setItemData(widget.count() - 1, term.description,
                                   Qt.ItemDataRole.ToolTipRole)
    elif name in TEXTS:
        widget = NotesEdit()
        widget.setTabChangesFocus(True)
    else:
        widget = QLineEdit()
    widget.setAccessibleName(LABELS[name].replace("&", ""))
    return widget


class DetailsForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, Field] = {}
        self.errors: dict[str, QLabel] = {}
        self.hints: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        form = self._new_form(layout)
        for name in EDITABLE:
            if name in SECTIONS:
                # A section is its own form under a heading (a wrapped line spanning a form
                # row is given too little height by QFormLayout at large text sizes).
                self._add_section(layout, *SECTIONS[name])
                form = self._new_form(layout)
            widget = field_widget(name)
            error = QLabel("")
            error.setObjectName("fieldError")
            error.setWordWrap(True)
            error.setVisible(False)
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(widget)
            if isinstance(widget, QComboBox) and name in HINTED:
                hint = QLabel("")
                hint.setWordWrap(True)
                cell_layout.addWidget(hint)
                self.hints[name] = hint
                widget.currentIndexChanged.connect(lambda _i, n=name: self._show_hint(n))
            cell_layout.addWidget(error)
            label = QLabel(LABELS[name])
            label.setBuddy(widget)
            form.addRow(label, cell)
            self.fields[name], self.errors[name] = widget, error
        self.save_button = QPushButton("&Save changes")
        self.save_button.setAccessibleName("Save the client's changed details")
        self.revert_button = QPushButton("&Undo changes")
        self.revert_button.setAccessibleName("Put back the details as stored")
        self.form_error = QLabel("")
        self.form_error.setObjectName("fieldError")
        self.form_error.setWordWrap(True)
        self.form_error.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        layout.addWidget(self.form_error)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @staticmethod
    def _new_form(layout: QVBoxLayout) -> QFormLayout:
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.addLayout(form)
        return form

    @staticmethod
    def _add_section(layout: QVBoxLayout, title: str, guidance: str) -> None:
        heading = QLabel(title)
        heading.setObjectName("subheading")
        heading.setWordWrap(True)
        text = QLabel(guidance)
        text.setWordWrap(True)
        layout.addSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(text)

    def _show_hint(self, name: str) -> None:
        combo = self.fields[name]
        description = (combo.currentData(Qt.ItemDataRole.ToolTipRole)
                       if isinstance(combo, QComboBox) else "") or ""
        self.hints[name].setText(description)
        self.hints[name].setVisible(bool(description))

    def fill(self, detail: ClientDetail) -> None:
        """Show the stored record and clear every message."""
        for name, widget in self.fields.items():
            value = getattr(detail, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
                if name in self.hints:
                    self._show_hint(name)
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value or "")
            elif name == "date_of_birth":
                widget.setText(f"{value:%d/%m/%Y}" if value else "")
            else:
                widget.setText(value or "")
        self.show_errors({})

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """What is typed, field by field, and the fields that cannot be read (a date)."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                values[name] = widget.currentData()
            elif isinstance(widget, QPlainTextEdit):
                values[name] = widget.toPlainText().strip() or None
            elif name == "date_of_birth":
                try:
                    values[name] = parse_date(widget.text())
                except Exception as exc:  # InvalidInput: a plain sentence
                    errors[name] = str(exc)
            else:
                text = widget.text().strip()
                values[name] = text if name in ("given_name", "family_name") else (text or None)
        return values, errors

    def show_errors(self, errors: dict[str, str]) -> str | None:
        """Put each message under its field ("" for the record as a whole); returns the
        first field, in form order, that has one."""
        for name, label in self.errors.items():
            text = errors.get(name, "")
            label.setText(f"Error: {text}" if text else "")
            label.setVisible(bool(text))
            self.fields[name].setAccessibleDescription(text)
        general = errors.get("", "")
        self.form_error.setText(f"Not saved: {general}" if general else "")
        self.form_error.setVisible(bool(general))
        return next((n for n in EDITABLE if n in errors), None)
