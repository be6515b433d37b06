"""The print preview on a real encrypted workspace: a real slip produced on the database
thread, shown with QtPdf, laid out again in another format, printed (to a PDF file through
QPrinter, as a printer driver would receive it) and saved; errors shown, never a crash."""

from __future__ import annotations

import threading
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QProgressBar, QPushButton
from pytestqt.qtbot import QtBot

from csn_desk.client_history import client_history
from csn_desk.clients import ClientInput, add_client
from csn_desk.directory.starter import load_starter_directory, read_starter, stable_id
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import ReferralDraft
from csn_desk.ui import theme
from csn_desk.ui.documents.open import (
    batch_letters,
    preview_followup_letter,
    preview_referral_letter,
    preview_slip,
)
from csn_desk.ui.documents.preview import PreviewDialog
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.documents.letterkit import (
    DUE,
    add_example_service,
    add_person,
    add_referral,
    consent,
    setup_site,
)
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 20000
A4_POINTS = (595.3, 841.9)


def _services(ws: Workspace, n: int) -> list[str]:
    load_starter_directory(ws)
    slugs = [s["slug"] for org in read_starter()["organisations"] for s in org["services"]]
    return [stable_id("service", slug) for slug in slugs[:n]]


def _enquiry(ws: Workspace, *, services: int = 2, fmt: str = "standard",
             client: bool = True) -> tuple[str, str | None]:
    """An enquiry signposting to starter-directory services: (enquiry id, client id)."""
    cid = add_client(ws, ClientInput("Zoë", "O'Neill", preferred_format=fmt)) if client \
        else None
    referrals = [ReferralDraft("signposted", service_id=s) for s in _services(ws, services)]
    eid = save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),),
                                        client_id=cid), referrals)
    return eid, cid


def _wait_shown(qtbot: QtBot, dialog: PreviewDialog, count: int = 1) -> None:
    qtbot.waitUntil(lambda: dialog.productions >= count, timeout=TIMEOUT)


def _preview(qtbot: QtBot, ws: Workspace, runner: TaskRunner, eid: str) -> PreviewDialog:
    dialog = preview_slip(None, runner, ws, eid)
    qtbot.addWidget(dialog)
    return dialog


def _pdf_pages(path: Path) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(str(path))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def test_slip_preview_in_the_clients_format_then_another(qtbot: QtBot, ws: Workspace,
                                                         runner: TaskRunner) -> None:
    eid, cid = _enquiry(ws, fmt="standard")
    assert cid is not None
    dialog = _preview(qtbot, ws, runner, eid)
    assert "Preparing" in dialog.details.text()
    assert not dialog.print_button.isEnabled()
    _wait_shown(qtbot, dialog)
    first = dialog.prepared
    assert first is not None and first.fmt == "standard"
    assert dialog.format_box.currentData() == "standard"
    assert dialog.document is not None
    assert dialog.document.pageCount() == first.pages == 1
    assert dialog.details.text() == "Clear print (14 pt) · 1 page"
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()
    assert dialog.view.document() is dialog.document

    # choosing 24 pt lays the slip out again (more pages), in the background
    index = dialog.format_box.findData("large24")
    dialog.format_box.setCurrentIndex(index)
    dialog.format_box.activated.emit(index)
    assert "Preparing" in dialog.details.text()
    _wait_shown(qtbot, dialog, 2)
    again = dialog.prepared
    assert again is not None and again.fmt == "large24"
    assert again.pages > first.pages
    assert dialog.document.pageCount() == again.pages
    assert dialog.details.text() == f"Large print 24 pt · {again.pages} pages"

    # both productions were logged, for this person, in their formats
    docs = client_history(ws, cid).documents
    assert sorted((d.kind, d.format) for d in docs) == [("referral_slip", "large24"),
                                                         ("referral_slip", "standard")]


def test_the_recorded_format_is_preselected(qtbot: QtBot, ws: Workspace,
                                            runner: TaskRunner) -> None:
    eid, _cid = _enquiry(ws, services=1, fmt="large18")
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    assert dialog.format_box.currentData() == "large18"
    assert dialog.format_box.currentText() == "Large print 18 pt"
    assert dialog.details.text().startswith("Large print 18 pt · ")


def test_print_to_a_pdf_printer_gives_the_same_pages(qtbot: QtBot, ws: Workspace,
                                                     runner: TaskRunner,
                                                     tmp_path: Path) -> None:
    eid, _cid = _enquiry(ws, fmt="large24")
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    assert dialog.prepared is not None and dialog.prepared.pages >= 2
    printer = dialog.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(dialog.printed, timeout=TIMEOUT) as printed:
        dialog.print_to(printer)
        assert dialog.printing and dialog.progress.isVisible()
        assert not dialog.print_button.isEnabled()
    assert printed.args == [dialog.prepared.pages]
    assert not dialog.printing and not dialog.progress.isVisible()
    assert dialog.print_button.isEnabled()
    assert "Sent" in dialog.message_text()
    pages = _pdf_pages(out)
    assert len(pages) == dialog.prepared.pages
    for width, height in pages:  # painted at real size on A4, never scaled to fit
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2


def test_a_printer_that_cannot_start_is_a_message(qtbot: QtBot, ws: Workspace,
                                                  runner: TaskRunner, tmp_path: Path) -> None:
    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    printer = dialog.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "no-such-folder" / "x.pdf"))
    dialog.print_to(printer)
    qtbot.waitUntil(lambda: not dialog.printing, timeout=TIMEOUT)
    assert dialog.message_text().startswith("Not printed. The printer could not be started")
    assert dialog.message.objectName() == "errorMessage"
    assert dialog.print_button.isEnabled()


def test_the_print_button_opens_the_system_print_dialog(qtbot: QtBot, ws: Workspace,
                                                        runner: TaskRunner) -> None:
    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    dialog.print_button.click()
    chooser = dialog.print_dialog
    assert chooser is not None and chooser.isVisible()
    assert (chooser.fromPage(), chooser.toPage()) in ((0, 0), (1, 1))
    chooser.reject()  # nothing printed
    assert not dialog.printing


def test_save_as_pdf_writes_the_document(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                         tmp_path: Path) -> None:
    eid, _cid = _enquiry(ws, services=2)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    assert dialog.prepared is not None
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT) as saved:
        dialog.save_to(tmp_path / "slip")  # the .pdf is added
    out = tmp_path / "slip.pdf"
    assert saved.args == [str(out)]
    assert out.read_bytes() == dialog.prepared.pdf
    assert len(_pdf_pages(out)) == dialog.prepared.pages
    assert dialog.message_text() == "Saved as slip.pdf."
    assert not list(tmp_path.glob("*.part"))


def test_save_button_uses_the_file_chosen(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                          tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    asked: list[str] = []

    def choose(*args: object) -> tuple[str, str]:
        asked.append(str(args[2]))
        return str(tmp_path / "chosen.pdf"), "PDF documents (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT):
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked and asked[0].endswith(".pdf") and "referral-slip-" in asked[0]
    assert (tmp_path / "chosen.pdf").read_bytes().startswith(b"%PDF")


def test_save_into_a_missing_folder_is_a_message(qtbot: QtBot, ws: Workspace,
                                                 runner: TaskRunner, tmp_path: Path) -> None:
    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    dialog.save_to(tmp_path / "missing" / "slip.pdf")
    qtbot.waitUntil(lambda: dialog.message_text().startswith("Not saved."), timeout=TIMEOUT)
    # (what is wrong, and what to do: the shared save check's words, csn_desk/save_paths)
    assert "That folder does not exist; choose another place" in dialog.message_text()
    assert dialog.save_button.isEnabled()


def test_an_enquiry_with_nothing_to_print_shows_why(qtbot: QtBot, ws: Workspace,
                                                    runner: TaskRunner) -> None:
    eid = save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),)))
    dialog = _preview(qtbot, ws, runner, eid)
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT) as failed:
        pass
    assert "no services to put on a slip" in failed.args[0]
    assert dialog.message_text() == failed.args[0]
    assert dialog.message.objectName() == "errorMessage"
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.document is None and dialog.isVisible()


def test_zoom_buttons_and_keys(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    from PySide6.QtPdfWidgets import QPdfView

    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    assert dialog.view.pageMode() == QPdfView.PageMode.MultiPage
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    dialog.zoom_in_button.click()
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.Custom
    bigger = dialog.view.zoomFactor()
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.zoomFactor() == pytest.approx(bigger / 1.25)
    qtbot.keyClick(dialog, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.zoomFactor() == pytest.approx(bigger)
    qtbot.keyClick(dialog, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth


@pytest.mark.parametrize("percent", [100, 200])
def test_preview_names_and_sizes(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                 qapp: QApplication, percent: int) -> None:
    theme.apply_text_scale(qapp, percent)
    eid, _cid = _enquiry(ws, services=1)
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    qtbot.waitExposed(dialog)
    assert problems(dialog, f"preview at {percent}%") == []
    for button in (dialog.print_button, dialog.save_button, dialog.close_button):
        assert button.sizeHint().width() <= button.width()  # not squeezed, text not cut


# -- letters and the batch ---------------------------------------------------------------------
def _letter_setup(ws: Workspace) -> str:
    setup_site(ws)
    return add_example_service(ws)


def _documents(ws: Workspace, client_id: str) -> list[tuple[str, str]]:
    return sorted((d.kind, d.format) for d in client_history(ws, client_id).documents)


def test_follow_up_letter_preview_in_the_persons_format(qtbot: QtBot, ws: Workspace,
                                                        runner: TaskRunner) -> None:
    service = _letter_setup(ws)
    person = add_person(ws, fmt="large18")
    referral = add_referral(ws, person, service)
    dialog = preview_followup_letter(None, runner, ws, referral)
    qtbot.addWidget(dialog)
    _wait_shown(qtbot, dialog)
    assert dialog.prepared is not None and dialog.prepared.fmt == "large18"
    assert dialog.format_row.isVisibleTo(dialog)
    assert dialog.format_box.currentData() == "large18"
    assert dialog.document is not None
    assert dialog.document.pageCount() == dialog.prepared.pages
    assert "Zoë" in dialog.document.getAllText(0).text()
    assert _documents(ws, person) == [("followup_letter", "large18")]


def test_a_letter_that_cannot_be_made_says_what_to_fix(qtbot: QtBot, ws: Workspace,
                                                       runner: TaskRunner) -> None:
    service = _letter_setup(ws)
    person = add_person(ws, line1=None)
    referral = add_referral(ws, person, service)
    dialog = preview_followup_letter(None, runner, ws, referral)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT) as failed:
        pass
    assert "no first line of address" in failed.args[0]
    assert dialog.message.objectName() == "errorMessage"
    assert not dialog.print_button.isEnabled()
    assert _documents(ws, person) == []


def test_referral_letter_only_with_consent(qtbot: QtBot, ws: Workspace,
                                           runner: TaskRunner) -> None:
    service = _letter_setup(ws)
    person = add_person(ws)
    without = add_referral(ws, person, service, share=False)
    dialog = preview_referral_letter(None, runner, ws, without)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT) as failed:
        pass
    assert "not agreed to share" in failed.args[0]

    consent(ws, person, "share_referral")
    shared = add_referral(ws, person, service, share=True)
    dialog = preview_referral_letter(None, runner, ws, shared)
    qtbot.addWidget(dialog)
    _wait_shown(qtbot, dialog)
    assert dialog.prepared is not None and dialog.prepared.fmt == "standard"
    assert not dialog.format_row.isVisibleTo(dialog)  # always clear print
    assert _documents(ws, person) == [("referral_letter", "standard")]


def test_batch_of_letters_with_progress_and_a_summary(qtbot: QtBot, ws: Workspace,
                                                      runner: TaskRunner) -> None:
    service = _letter_setup(ws)
    zoe = add_person(ws, fmt="large24")
    ann = add_person(ws, "Ann", "Example", fmt="standard")
    phone = add_person(ws, "Pat", "Phone", contact="phone", phone="01632 960999")
    for person in (zoe, ann, phone):
        add_referral(ws, person, service)
    dialog = batch_letters(None, runner, ws, DUE)
    qtbot.addWidget(dialog)
    assert dialog.progress_dialog is not None and dialog.progress_dialog.isVisible()
    _wait_shown(qtbot, dialog)
    assert dialog.progress_dialog is None  # closed when done
    prepared_ = dialog.prepared
    assert prepared_ is not None and prepared_.fmt is None
    assert dialog.details.text().startswith("Each person's own format · ")
    assert prepared_.note.startswith("2 letters for follow-ups due by 20 November 2026.")
    assert "1 got no letter:\n• 1 follow-up: This person prefers to be contacted by phone" \
        in prepared_.note
    assert dialog.message_text() == prepared_.note
    assert dialog.document is not None
    assert dialog.document.pageCount() == prepared_.pages >= 2
    assert _documents(ws, zoe) == [("followup_letter", "large24")]
    assert _documents(ws, ann) == [("followup_letter", "standard")]
    assert _documents(ws, phone) == []


def test_batch_can_be_stopped_and_logs_nothing(qtbot: QtBot, ws: Workspace,
                                               runner: TaskRunner) -> None:
    service = _letter_setup(ws)
    person = add_person(ws)
    add_referral(ws, person, service)
    gate = threading.Event()
    runner.run_db(lambda _s: gate.wait(TIMEOUT / 1000))  # the database thread is busy
    dialog = batch_letters(None, runner, ws, DUE)
    qtbot.addWidget(dialog)
    progress = dialog.progress_dialog
    assert progress is not None
    stop = progress.findChild(QPushButton)
    assert stop is not None and stop.text() == "&Stop"
    stop.click()
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert dialog.prepared is None and dialog.document is None
    assert dialog.message_text().startswith("Stopped before the end")
    assert dialog.message.objectName() != "errorMessage"
    assert dialog.progress_dialog is None
    assert _documents(ws, person) == []


def test_batch_stopped_while_running(qtbot: QtBot, ws: Workspace,
                                     runner: TaskRunner) -> None:
    """Stop pressed after the first letter: the service sees the flag and stops."""
    service = _letter_setup(ws)
    people = [add_person(ws, f"Person{i}", "Example") for i in range(6)]
    for person in people:
        add_referral(ws, person, service)
    dialog = batch_letters(None, runner, ws, DUE)
    qtbot.addWidget(dialog)
    progress = dialog.progress_dialog
    assert progress is not None
    stopped_at: list[int] = []

    def first_letter(value: int) -> None:
        if 1 <= value < progress.maximum() and not stopped_at:
            stopped_at.append(value)  # five letters still to make
            dialog.stop_producing()

    bar = progress.findChild(QProgressBar)
    assert bar is not None
    bar.valueChanged.connect(first_letter)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert stopped_at == [1]
    assert dialog.prepared is None
    assert dialog.message_text().startswith("Stopped before the end")
    assert all(_documents(ws, p) == [] for p in people)


def test_batch_with_nothing_due(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    dialog = batch_letters(None, runner, ws, DUE)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT) as failed:
        pass
    assert failed.args[0] == ("No follow-ups are due by 20 November 2026, so there are no "
                              "letters to print.")
    assert dialog.progress_dialog is None


def test_stepping_through_formats_makes_one_document(qtbot: QtBot, ws: Workspace,
                                                     runner: TaskRunner) -> None:
    """Arrow keys on the format box: one slip for where the user stops, not one per step."""
    eid, cid = _enquiry(ws, services=1, fmt="standard")
    assert cid is not None
    dialog = _preview(qtbot, ws, runner, eid)
    _wait_shown(qtbot, dialog)
    dialog.format_box.setFocus()
    for _ in range(3):  # standard -> 16 -> 18 -> 24
        qtbot.keyClick(dialog.format_box, Qt.Key.Key_Down)
    assert dialog.format_box.currentData() == "large24"
    assert "Preparing" in dialog.details.text() and not dialog.print_button.isEnabled()
    _wait_shown(qtbot, dialog, 2)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert dialog.prepared is not None and dialog.prepared.fmt == "large24"
    assert _documents(ws, cid) == [("referral_slip", "large24"), ("referral_slip", "standard")]
    # and back to the format shown before the pause is over: nothing new is made
    qtbot.keyClick(dialog.format_box, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.format_box, Qt.Key.Key_Down)
    qtbot.wait(600)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert dialog.productions == 2 and dialog.print_button.isEnabled()
    assert dialog.details.text().startswith("Large print 24 pt · ")
