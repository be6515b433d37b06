"""The directory's upkeep in the app, with real widgets on a real encrypted workspace: the
page's buttons by role, the import steps (column matching, the report, valid records or
nothing), the service and organisation editors, the review list, merging and export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, sign_in
from csn_desk.directory.editing import (
    LocationInput,
    OrganisationInput,
    ServiceInput,
    add_organisation,
    add_service,
)
from csn_desk.directory.records import load_directory, load_service
from csn_desk.ui.directory.export_dialog import ExportDialog
from csn_desk.ui.directory.import_dialog import ImportDialog
from csn_desk.ui.directory.merge_dialog import MergeDialog
from csn_desk.ui.directory.organisation_editor import OrganisationEditor
from csn_desk.ui.directory.panel import DirectoryPage
from csn_desk.ui.directory.review_dialog import ReviewDialog
from csn_desk.ui.directory.service_editor import ServiceEditor
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.directory.dirkit import DATA, table_counts

WAIT = 20_000


@pytest.fixture
def trust(ws: Workspace) -> str:
    return add_organisation(ws, OrganisationInput(name="Harbour Lane Trust"))


@pytest.fixture
def page(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> Iterator[DirectoryPage]:
    widget = DirectoryPage(ws, runner)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.panel.shown_query is not None, timeout=WAIT)
    yield widget


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT)


def test_buttons_by_role(page: DirectoryPage, qtbot: QtBot, ws: Workspace, data_dir: Path,
                         runner: TaskRunner) -> None:
    assert all(b.isVisible() for b in page.tools.buttons())
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, kdf=FAST_KDF,
             check_strength=False)
    counter = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        theirs = DirectoryPage(counter, runner)
        qtbot.addWidget(theirs)
        theirs.show()
        shown = [b.text() for b in theirs.tools.buttons() if b.isVisible()]
        assert shown == ["&Review list"]
        dialog = theirs.tools.review()
        assert isinstance(dialog, ReviewDialog)
        assert not dialog.checked_button.isVisible() and not dialog.merge_button.isVisible()
        dialog.close()
        _settle(qtbot, runner)
    finally:
        counter.close()


def test_csv_import_with_column_matching(page: DirectoryPage, qtbot: QtBot, ws: Workspace,
                                         runner: TaskRunner, tmp_path: Path) -> None:
    path = tmp_path / "council.csv"
    path.write_text("Provider,Session,Post code,Phone\n"
                    "Harbour Lane Trust,Chair yoga,DL1 1AA,01632 960500\n"
                    "Harbour Lane Trust,Knit and natter,DL3 7AB,\n")
    dialog = page.tools.import_file(path)
    assert isinstance(dialog, ImportDialog)
    qtbot.waitUntil(lambda: dialog.steps.currentWidget() is dialog.mapping_step,
                    timeout=WAIT)
    step = dialog.mapping_step
    assert step.mapping() == {"postcode": "Post code", "service_phone": "Phone",
                              "organisation_name": "Provider"}
    step.set_column("service_name", "Session")  # not guessed: matched by hand
    assert "Chair yoga" in (step.table.item(1, 2).text() or "")  # examples follow the match
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert dialog.import_button.isVisible()
    assert dialog.import_button.text() == "&Import the 3 valid records"
    assert table_counts(ws)["service"] == 0  # nothing saved before the choice
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.written,
                    timeout=WAIT)
    assert "2 added" in dialog.report_view.summary.text()
    qtbot.waitUntil(lambda: page.panel.results.count() == 2, timeout=WAIT)
    dialog.close_button.click()


def test_json_import_report_and_import_nothing(page: DirectoryPage, qtbot: QtBot,
                                               ws: Workspace, tmp_path: Path) -> None:
    data = json.loads((DATA / "oruk3_services.json").read_text())
    data["contents"][1]["status"] = "shut"
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(data))
    before = table_counts(ws)
    dialog = page.tools.import_file(path)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    lines = dialog.report_view.lines()
    (error,) = [line for line in lines if line.startswith("Error")]
    assert "service 'svc-2' (Tablet Help), status" in error and "Use one of" in error
    assert dialog.nothing_button.isVisible()
    dialog.nothing_button.click()
    assert table_counts(ws) == before


def test_refused_file_shows_why(page: DirectoryPage, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    dialog = page.tools.import_file(path)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert "not valid JSON" in dialog.report_view.summary.text()
    assert dialog.close_button.isVisible() and not dialog.import_button.isVisible()


def test_add_service_in_the_editor_with_duplicate_warning(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, trust: str) -> None:
    first = add_service(ws, ServiceInput(organisation_id=trust, name="Chair Yoga",
                                         location=LocationInput(postcode="DL1 1AA")))
    from csn_desk.directory.records import organisation_choices

    editor = ServiceEditor(ws, runner, organisation_choices(ws))
    qtbot.addWidget(editor)
    editor.show()
    editor.name.setText("Chair yoga")
    editor.schedules.add_row(["2", "10:00", "11:00", "", "", "Bring water"])
    editor.costs.add_row(["3.50", "per class"])
    editor.places.add_row(["Hall", "1 Example Street", "", "Darlington", "dl1 1aa", ""])
    editor.categories.item(16).setCheckState(editor.categories.item(16).checkState().Checked)
    editor.save()
    qtbot.waitUntil(lambda: editor.duplicates_seen is not None, timeout=WAIT)
    assert "Possible duplicate" in editor.message.shown_text()
    assert editor.save_button.text() == "Save an&yway"
    saved: list[str] = []
    editor.saved.connect(saved.append)
    editor.save()
    qtbot.waitUntil(lambda: bool(saved), timeout=WAIT)
    s = load_service(ws, saved[0])
    assert s.id != first and s.schedules[0].weekday == 2 and s.costs[0].amount == 3.5
    assert s.places[0].postcode == "DL1 1AA" and s.categories


def test_editor_explains_what_to_fix_and_edits_in_place(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, trust: str) -> None:
    sid = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch",
                                       location=LocationInput(name="Hall",
                                                              postcode="DL1 1AA")))
    from csn_desk.directory.records import organisation_choices

    editor = ServiceEditor(ws, runner, organisation_choices(ws), load_service(ws, sid))
    qtbot.addWidget(editor)
    editor.show()
    editor.schedules.add_row(["1", "9am", "11:00"])
    editor.save()
    assert "Opening times, row 1: Opens: write times like 09:30." in editor.message.text()
    editor.schedules.table.item(0, 1).setText("09:00")
    editor.name.setText("Lunch club")
    editor.alert.setPlainText("Closed for repairs")
    editor.alert_until.setText("31/01/2027")
    editor.mark_checked.setChecked(True)
    done: list[str] = []
    editor.saved.connect(done.append)
    editor.save()
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    s = load_service(ws, sid)
    assert s.name == "Lunch club" and s.alert == "Closed for repairs"
    assert s.alert_until is not None and s.alert_until.month == 1
    assert s.assured_by == ws.user.display_name
    assert len(s.places) == 1  # the place was kept, not added again


def test_organisation_editor_flags_a_charity_number(qtbot: QtBot, ws: Workspace,
                                                   runner: TaskRunner) -> None:
    add_organisation(ws, OrganisationInput(name="Harbour Lane Trust", charity_number="1100123"))
    editor = OrganisationEditor(ws, runner)
    qtbot.addWidget(editor)
    editor.name.setText("HLT")
    editor.charity.setText("1100123")
    editor.save()
    qtbot.waitUntil(lambda: editor.duplicates_seen is not None, timeout=WAIT)
    assert "same charity number" in editor.message.shown_text()


def test_review_mark_checked_and_merge(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                       trust: str) -> None:
    here = LocationInput(postcode="DL1 1AA")
    a = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch Club", location=here))
    b = add_service(ws, ServiceInput(organisation_id=trust, name="Lunch club.", location=here))
    dialog = ReviewDialog(ws, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loads == 1, timeout=WAIT)
    assert {i.service_id for i in dialog.items} == {a, b}
    assert "Possible duplicate" in dialog.reasons.text()
    assert dialog.merge_button.isEnabled()
    requested: list[tuple[str, str]] = []
    dialog.merge_requested.connect(lambda x, y: requested.append((x, y)))
    dialog.merge_button.click()
    assert requested and set(requested[0]) == {a, b}
    merge = MergeDialog(ws, runner, *requested[0])
    qtbot.addWidget(merge)
    merge.show()
    qtbot.waitUntil(lambda: "Lunch" in merge.views[1].toPlainText(), timeout=WAIT)
    merge.merge_button.click()
    qtbot.waitUntil(lambda: merge.result() == 1, timeout=WAIT)
    assert load_service(ws, requested[0][1]).merged_into == requested[0][0]
    dialog.load()
    qtbot.waitUntil(lambda: dialog.loads == 2, timeout=WAIT)
    (left,) = dialog.items  # the survivor still needs checking
    dialog.table.selectRow(0)
    dialog.checked_button.click()
    qtbot.waitUntil(lambda: dialog.loads == 3, timeout=WAIT)
    assert dialog.items == [] and "Nothing needs attention" in dialog.status.text()
    assert load_service(ws, left.service_id).assured_by == ws.user.display_name


def test_export_dialog(qtbot: QtBot, ws: Workspace, runner: TaskRunner, trust: str,
                       tmp_path: Path) -> None:
    add_service(ws, ServiceInput(organisation_id=trust, name="Yoga"))
    dialog = ExportDialog(ws, runner)
    qtbot.addWidget(dialog)
    dialog.as_csv.setChecked(True)
    assert dialog.path.text().endswith(".csv")
    dialog.path.setText(str(tmp_path / "d.csv"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.exported is not None, timeout=WAIT)
    assert "Exported 1 service" in dialog.message.shown_text()
    assert (tmp_path / "d.csv").exists()
    assert [s.name for s in load_directory(ws).services] == ["Yoga"]


def test_dialogs_fit_at_200_percent(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                    qapp: QApplication, trust: str) -> None:
    """At the largest text size the editor still opens at a usable size on a counter PC."""
    from csn_desk.directory.records import organisation_choices
    from csn_desk.ui import theme

    theme.apply_text_scale(qapp, 200)
    editor = ServiceEditor(ws, runner, organisation_choices(ws))
    qtbot.addWidget(editor)
    editor.resize(1200, 740)
    editor.show()
    assert editor.width() <= 1366 and editor.height() <= 768
    assert editor.save_button.isVisible()
