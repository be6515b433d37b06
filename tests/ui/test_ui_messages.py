"""Inline messages: an error is drawn as one (the style sheet's border and padding, besides
the words), and stops being drawn as one when the next message is not an error. Three pages
once re-styled with an empty style sheet, which Qt does not re-apply: their errors looked
like plain text."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from csn_desk.ui import theme
from csn_desk.ui.messages import MessageLine, is_error, show_message


def test_an_error_is_drawn_as_an_error_and_then_not(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_text_scale(app, 100)
    label = QLabel()
    qtbot.addWidget(label)
    label.show()
    show_message(label, "Saved.")
    plain = label.sizeHint()
    assert not is_error(label) and label.accessibleName() == "Saved."
    show_message(label, "Not saved: the date is in the future.", error=True)
    show_message(label, "Saved.", error=True)  # the same text, now as an error
    assert is_error(label)
    assert label.sizeHint().height() >= plain.height() + 12  # border and padding drawn
    show_message(label, "Saved.")
    assert not is_error(label) and label.sizeHint() == plain


def test_a_message_line_hides_when_empty(qtbot: QtBot) -> None:
    line = MessageLine()
    qtbot.addWidget(line)
    line.show()
    line.say("Not saved: try again.", error=True)
    assert line.shown_text() == "Not saved: try again." and line.is_error
    line.say("")
    assert line.shown_text() == "" and not line.is_error
