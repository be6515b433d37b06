"""What an audit of the directory import found, each checked on a real encrypted workspace:
a place's id given twice with other details, another organisation's place taken over, a
new service moving its own organisation's place, an opening time that cannot be read
deleting the ones held, and the report's counts and exit code when only a service fails."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from csn_desk.cli.main import main
from csn_desk.directory.export import export_directory
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.records import load_directory, load_service
from csn_desk.directory.safe_read import MAX_FILE_BYTES
from csn_desk.errors import InvalidInput
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.directory.dirkit import write_json

ORG_A = "0d1e2f30-4a5b-4c6d-8e7f-901a2b3c4d5e"
ORG_B = "1e2f3041-5b6c-4d7e-8f90-a12b3c4d5e6f"
PLACE = "2f304152-6c7d-4e8f-9a01-b23c4d5e6f70"


def _service(sid: str, name: str, org: str, place: dict[str, Any] | None = None,
             **extra: Any) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": sid, "name": name, "status": "active",
        "organization": {"id": org, "name": f"Organisation {org[:4]} (fictional)"},
        **extra}
    if place is not None:
        service["service_at_locations"] = [{"location": place}]
    return service


def _place(name: str, street: str, postcode: str) -> dict[str, Any]:
    return {"id": PLACE, "name": name,
            "physical_addresses": [{"address_1": street, "city": "Darlington",
                                    "postal_code": postcode, "country": "GB"}]}


WEEKDAY = {"TH": 4, "FR": 5}  # (as stored: Monday is 1)


def _address(ws: Workspace, sid: str) -> tuple[str | None, str | None]:
    (place,) = load_service(ws, sid).places
    return place.address_1, place.postcode


HALL = _place("Hall", "1 Example Street", "DL1 1AA")
OTHER = _place("Other Hall", "99 Example Road", "DL3 7AB")
S1, S2, S3 = ("3a415263-7d8e-4f90-8b12-c34d5e6f7081", "4b526374-8e9f-4a01-9c23-d45e6f708192",
              "5c637485-9fa0-4b12-8d34-e56f708192a3")


def test_one_place_id_with_two_sets_of_details_in_a_file_is_an_error(
        ws: Workspace, tmp_path: Path) -> None:
    """Before, both services got the first address and each re-import flipped them."""
    path = write_json(tmp_path / "f.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, HALL), _service(S2, "Chair yoga", ORG_A, OTHER)]})
    for _ in range(2):
        report = import_file(ws, path)
        (error,) = report.errors
        assert "Chair yoga" in error.record and error.field == "service_at_locations"
        assert "given earlier in the file (for service" in error.message
        assert _address(ws, S1) == ("1 Example Street", "DL1 1AA")
    assert report.service_counts.unchanged == 1 and report.service_counts.updated == 0


def test_another_organisations_place_cannot_be_changed_by_a_file(
        ws: Workspace, tmp_path: Path) -> None:
    """Before, the first import dropped the address silently and the second moved the
    other organisation's services to it."""
    import_file(ws, write_json(tmp_path / "a.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, HALL)]}))
    taker = write_json(tmp_path / "b.json", {"contents": [
        _service(S3, "Knit and natter", ORG_B, _place("Elsewhere", "6 Other Lane",
                                                       "DL5 4QZ"))]})
    for _ in range(2):
        report = import_file(ws, taker)
        (error,) = report.errors
        assert "another organisation's place" in error.message
        assert _address(ws, S1) == ("1 Example Street", "DL1 1AA")
    # Meeting at the same place with its details as they are is fine.
    report = import_file(ws, write_json(tmp_path / "c.json", {"contents": [
        _service(S3, "Knit and natter", ORG_B, HALL)]}))
    assert not report.errors and report.service_counts.created == 1
    assert _address(ws, S3) == _address(ws, S1) == ("1 Example Street", "DL1 1AA")


def test_a_new_service_moving_its_organisations_place_moves_it_at_once(
        ws: Workspace, tmp_path: Path) -> None:
    """The first import does what the second would: re-importing changes nothing."""
    import_file(ws, write_json(tmp_path / "a.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, HALL)]}))
    moved = write_json(tmp_path / "b.json", {"contents": [
        _service(S2, "Chair yoga", ORG_A, {**OTHER, "id": PLACE})]})
    first = import_file(ws, moved)
    assert not first.errors and first.service_counts.created == 1
    assert _address(ws, S1) == _address(ws, S2) == ("99 Example Road", "DL3 7AB")
    again = import_file(ws, moved)
    assert (again.service_counts.created, again.service_counts.updated) == (0, 0)


def test_an_opening_time_that_cannot_be_read_keeps_those_held(
        ws: Workspace, tmp_path: Path) -> None:
    """Before, "schedules": {"a": 1} was a warning and deleted the service's opening
    times."""
    import_file(ws, write_json(tmp_path / "a.json", {"contents": [_service(
        S1, "Lunch club", ORG_A, schedules=[{"freq": "WEEKLY", "byday": "TH",
                                              "opens_at": "09:30", "closes_at": "12:00"}])]}))
    assert [s.weekday for s in load_service(ws, S1).schedules] == [WEEKDAY["TH"]]
    for unreadable in ({"a": 1}, [{"freq": "MONTHLY", "byday": "1MO"}]):
        report = import_file(ws, write_json(tmp_path / "b.json", {"contents": [
            _service(S1, "Lunch club", ORG_A, schedules=unreadable)]}))
        assert any("the service keeps the opening times already held" in w.message
                   for w in report.warnings)
        assert [s.weekday for s in load_service(ws, S1).schedules] == [WEEKDAY["TH"]]
    # A file that gives the opening times it has still replaces them.
    import_file(ws, write_json(tmp_path / "c.json", {"contents": [_service(
        S1, "Lunch club", ORG_A, schedules=[{"freq": "WEEKLY", "byday": "FR",
                                              "opens_at": "10:00", "closes_at": "12:00"}])]}))
    assert [s.weekday for s in load_service(ws, S1).schedules] == [WEEKDAY["FR"]]


def test_only_the_service_failing_is_reported_and_the_exit_code_says_so(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Before: "1 service and 1 organisation have errors" with no organisation error
    listed, and exit 0 although nothing was imported."""
    bad = _service(S1, "", ORG_A)
    path = write_json(tmp_path / "a.json", {"contents": [bad]})
    report = import_file(ws, path)
    assert report.summary().count("have errors") + report.summary().count("has errors") == 1
    assert "1 service has errors" in report.summary()
    assert "1 organisation is left out because none of its services" in report.summary()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    folder = str(ws.db.paths.root)
    for extra in ([], ["--dry-run"]):
        code = main(["directory", "import", "--data-dir", folder, *extra, str(path)])
        assert code == 1, extra
    out = json.dumps(capsys.readouterr().out)
    assert "Traceback" not in out


def test_an_export_too_large_to_import_says_so(ws: Workspace, tmp_path: Path) -> None:
    """Found by an audit: a 48 MB export that csn-desk's own import then refuses. The
    export now says so when it is made (another copy gets the directory through sync)."""
    import_file(ws, write_json(tmp_path / "a.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, HALL)]}))
    small = export_directory(ws, "oruk-json", tmp_path / "d.json")
    assert small.size == (tmp_path / "d.json").stat().st_size > 0
    assert "larger than csn-desk itself imports" not in small.sentence()
    large = replace(small, size=MAX_FILE_BYTES + 1)
    assert "larger than csn-desk itself imports (41.9 MB)" in large.sentence()


def test_messages_name_the_real_problem(ws: Workspace, tmp_path: Path) -> None:
    """Found by an audit: a CSV without ids whose two rows share a name was told about
    ids; a quote never closed came out as "name: This is required"; an error in the
    fourth place of a list was called the second (entries that are not objects skipped)."""
    twice = tmp_path / "twice.csv"
    twice.write_text("service_name,organisation_name\nSame,Org\nSame,Org\n")
    (error,) = import_file(ws, twice, dry_run=True).errors
    assert error.record.startswith("row 3") and "same organisation" in error.message
    assert "id" not in error.message.replace("id column", "")
    broken = tmp_path / "broken.csv"
    broken.write_text('service_name,organisation_name\n"Lunch club,Org\n')
    report = import_file(ws, broken, dry_run=True)
    assert report.refused is not None
    assert "A quote opened on line 2 of the file is never closed" in report.refused
    # Text after a closing quote is read as spreadsheets read it (found by a second audit:
    # the strict reader refused these files whole).
    loose = tmp_path / "loose.csv"
    loose.write_text('service_name,organisation_name\n"Room 1" upstairs,"Org" \n')
    report = import_file(ws, loose, dry_run=True)
    assert report.refused is None and report.valid_services == 1, report.lines()
    links: list[Any] = [None, 3, {"location": HALL}, {"location": {
        **HALL, "id": None, "physical_addresses": "1 Example Street"}}]
    report = import_file(ws, write_json(tmp_path / "a.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, service_at_locations=links)]}), dry_run=True)
    fields = [e.field for e in report.errors]
    numbered = import_file(ws, write_json(tmp_path / "b.json", {"contents": [
        _service(S1, "Lunch club", ORG_A, phones=[{"number": 1632960500}])]}), dry_run=True)
    assert [w.field for w in numbered.warnings if "leading 0" in w.message] == [
        "phones[0].number"]
    for odd in (1325123456.5, float("nan"), 1e308):  # found by a second audit: kept as text
        report = import_file(ws, write_json(tmp_path / "c.json", {"contents": [
            _service(S1, "Lunch club", ORG_A, phones=[{"number": odd}])]}), dry_run=True)
        assert [e.field for e in report.errors] == ["phones[0].number"], odd
    assert fields == ["service_at_locations[0]", "service_at_locations[1]",
                      "service_at_locations[3].location.physical_addresses"], fields


def test_a_place_is_its_own_organisations_even_when_others_meet_there(
        ws: Workspace, tmp_path: Path) -> None:
    """Found by a second audit: another organisation first met at the place as it was
    (allowed), with a service id sorting first, then changed it. The place's owner is
    the place's own organisation, not whichever service comes first; the owner may still
    change it, told that the others' address changes too."""
    import_file(ws, write_json(tmp_path / "a.json", {"contents": [
        _service(S3, "Lunch club", ORG_A, HALL)]}))
    first = "00000000-0000-4000-8000-000000000001"  # sorts before S3
    joined = import_file(ws, write_json(tmp_path / "b.json", {"contents": [
        _service(first, "Knit and natter", ORG_B, HALL)]}))
    assert not joined.errors and joined.service_counts.created == 1
    taken = import_file(ws, write_json(tmp_path / "c.json", {"contents": [
        _service(first, "Knit and natter", ORG_B, {**OTHER, "id": PLACE})]}))
    (error,) = taken.errors
    assert "another organisation's place" in error.message
    assert _address(ws, S3) == _address(ws, first) == ("1 Example Street", "DL1 1AA")
    moved = import_file(ws, write_json(tmp_path / "d.json", {"contents": [
        _service(S3, "Lunch club", ORG_A, {**OTHER, "id": PLACE})]}))
    assert not moved.errors and moved.service_counts.updated == 1
    assert any("1 other organisation meet too" in w.message for w in moved.warnings)
    assert _address(ws, S3) == _address(ws, first) == ("99 Example Road", "DL3 7AB")


def test_exports_never_write_through_a_link_or_a_name_they_cannot_hold(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a second audit: the export wrote to "<out>.part" first, following a link
    left there (one pointing at the database replaced it); a 300-character name gave
    "something went wrong (OSError)"; "--out nodir/" wrote a file called nodir."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "d.json.part").symlink_to(victim)
    export_directory(ws, "oruk-json", tmp_path / "d.json")
    assert victim.read_text() == "keep me" and (tmp_path / "d.json.part").is_symlink()
    assert json.loads((tmp_path / "d.json").read_text())["total_items"] == 0
    with pytest.raises(InvalidInput, match="file name is too long"):
        export_directory(ws, "csv", tmp_path / ("x" * 300 + ".csv"))
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    with pytest.raises(SystemExit) as usage:
        main(["directory", "export", "--data-dir", str(ws.db.paths.root), "--format", "csv",
              "--out", str(tmp_path / "nodir") + "/"])
    assert usage.value.code == 2 and not (tmp_path / "nodir").exists()
    if os.geteuid() != 0:  # (root may write anything)
        locked = tmp_path / "locked.csv"
        locked.write_text("theirs")
        locked.chmod(0o444)
        with pytest.raises(InvalidInput, match="read-only"):
            export_directory(ws, "csv", locked)
        assert locked.read_text() == "theirs"


def test_a_utf16_spreadsheet_export_is_read(ws: Workspace, tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16 with tabs: refused as "binary data" before (found by
    a second audit)."""
    path = tmp_path / "unicode.txt.csv"
    path.write_bytes("service_name\torganisation_name\tfees\nCafé club\tOrg\t£2\n"
                     .encode("utf-16"))
    report = import_file(ws, path)
    assert report.refused is None and report.service_counts.created == 1, report.lines()
    assert any(s.name == "Café club" for s in load_directory(ws).services)
