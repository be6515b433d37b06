"""Hostile and broken files never crash the import and never leave half an import behind:
each gives a report a person can act on (which record, which field, what to do)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.safe_read import MAX_DEPTH, MAX_FILE_BYTES, json_depth
from csn_desk.workspace import Workspace
from tests.directory.dirkit import DATA, table_counts, write_json

GOOD = json.loads((DATA / "oruk3_services.json").read_text())
ACT = ("import again", "Export", "Check", "Save", "Choose", "Split", "fix", "Use one of",
       "must be", "Shorten", "needs", "retype", "left out", "removed", "Add", "give")


def _service(**changes: Any) -> dict[str, Any]:
    """The second (small) service of the good file with some fields changed."""
    s = copy.deepcopy(GOOD["contents"][1])
    for key, value in changes.items():
        if value is None:
            s.pop(key, None)
        else:
            s[key] = value
    return s


def _actionable(text: str) -> bool:
    return any(word.casefold() in text.casefold() for word in ACT)


def _refused(ws: Workspace, path: Path) -> str:
    before = table_counts(ws)
    report = import_file(ws, path)
    assert report.refused, report.lines()
    assert not report.written and table_counts(ws) == before
    assert _actionable(report.refused), report.refused
    assert report.summary().startswith(f"{path.name} was not imported.")
    return report.refused


@pytest.mark.parametrize(("content", "expect"), [
    (b'{"contents": [{"id": "a", "name": "x"', "not valid JSON"),
    (b"<html><body>Not found</body></html>", "not a JSON file"),
    (b'{"foo": 1, "bar": [1, 2]}', "not an Open Referral UK directory"),
    (b"[1, 2, 3]", "not an Open Referral UK directory"),
    (b'"just a string"', "not a JSON file"),
    (b"42", "not a JSON file"),
    (b"null", "not a JSON file"),
    (b"", "empty"),
    (b"   \n\t  ", "empty"),
    (b'{"contents": "many"}', "not an Open Referral UK directory"),
    (b'{"resources": [{"name": "service", "data": "oops"}]}', "not a list of rows"),
    (b'{"contents": [{"id": "a", "name": "\xff\xfe"}]}', "not UTF-8"),
    (b'{"a": ' + b"1" * 5000 + b"}", "not valid JSON"),  # too many digits for an int
])
def test_broken_json_is_refused_cleanly(ws: Workspace, tmp_path: Path, content: bytes,
                                        expect: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    assert expect in _refused(ws, path)


def test_deep_nesting_is_refused_before_parsing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    assert "levels deep" in _refused(ws, path)
    # Nesting inside a service, past the bound, also refused; strings do not count.
    nested: Any = "x"
    for _ in range(MAX_DEPTH + 5):
        nested = {"a": nested}
    deep = write_json(tmp_path / "deep2.json", {"contents": [_service(description=nested)]})
    assert "levels deep" in _refused(ws, deep)
    assert json_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert json_depth(b'["\\"[[[[", {"b": [1]}]') == 3


def test_a_directory_or_missing_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    assert "folder" in _refused(ws, tmp_path)
    assert "could not be read" in _refused(ws, tmp_path / "nowhere.json")


def test_over_the_size_limit_is_refused_without_reading(ws: Workspace, tmp_path: Path) -> None:
    """A 50 MB file (sparse: made in no time, never read) is refused by its size."""
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    assert "50.0 MB" in _refused(ws, path) or "52.4 MB" in _refused(ws, path)


@pytest.mark.slow
def test_a_real_50_mb_file_is_refused_cleanly(ws: Workspace, tmp_path: Path) -> None:
    """The same with real content: a valid ORUK file of 50 MB of services."""
    one = json.dumps(_service(description="A fictional service. " * 40))
    count = 50 * 1024 * 1024 // len(one) + 1
    path = tmp_path / "huge-real.json"
    with path.open("w", encoding="utf-8") as f:
        f.write('{"contents": [' + ",".join([one] * count) + "]}")
    assert path.stat().st_size > 50 * 1024 * 1024
    assert "MB" in _refused(ws, path)


def test_just_under_the_limit_is_read(ws: Workspace, tmp_path: Path) -> None:
    """The limit refuses by size, not by accident: a file padded to just under it imports."""
    text = json.dumps({"contents": [GOOD["contents"][1]]})
    path = tmp_path / "padded.json"
    path.write_text(text[:-1] + " " * (MAX_FILE_BYTES - len(text) - 1) + "}")
    assert path.stat().st_size == MAX_FILE_BYTES - 1
    report = import_file(ws, path)
    assert report.written and report.service_counts.created == 1, report.lines()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"name": 12345}, "name", "must be text"),
    ({"name": None}, "name", "required"),
    ({"name": "   "}, "name", "required"),
    ({"id": None}, "id", "needs an id"),
    ({"id": ["a"]}, "id", "must be text"),
    ({"status": "closed for good"}, "status", "Use one of"),
    ({"status": ["active"]}, "status", "must be text"),
    ({"attending_type": "by carrier pigeon"}, "attending_type", "Use one of"),
    ({"attending_access": "walk-in"}, "attending_access", "Use one of"),
    ({"minimum_age": "sixty"}, "minimum_age", "whole number"),
    ({"minimum_age": -4}, "minimum_age", "between 0 and 120"),
    ({"maximum_age": 12.5}, "maximum_age", "whole number"),
    ({"minimum_age": 80, "maximum_age": 60}, "maximum_age", "below the minimum"),
    ({"cost_options": [{"amount": 3, "currency": "EUR"}]}, "currency", "pounds"),
    ({"cost_options": [{"amount": "lots", "currency": "GBP"}]}, "amount", "must be a number"),
    ({"cost_options": [{"amount": -2}]}, "amount", "cannot be below 0"),
    ({"cost_options": "free"}, "cost_options", "must be a list"),
    ({"schedules": [{"byday": "XX", "opens_at": "09:00"}]}, "byday", "MO, TU"),
    ({"schedules": [{"weekday": 9}]}, "weekday", "1 (Monday) to 7"),
    ({"schedules": [{"byday": "MO", "opens_at": "25:00"}]}, "opens_at", "HH:MM"),
    ({"schedules": [{"byday": "MO", "opens_at": "14:00", "closes_at": "09:00"}]},
     "closes_at", "not after the opening"),
    ({"holiday_schedules": [{"start_date": "31/12/2026", "end_date": "2027-01-01"}]},
     "start_date", "YYYY-MM-DD"),
    ({"holiday_schedules": [{"closed": True}]}, "start_date", "first and last day"),
    ({"service_at_locations": [{"location": {"id": "l1", "addresses": [
        {"postal_code": "NOT A CODE"}]}}]}, "postal_code", "not a UK postcode"),
    ({"service_at_locations": [{"location": {"id": "l1", "latitude": 200}}]},
     "latitude", "between -90 and 90"),
    ({"service_at_locations": "Town Hall"}, "service_at_locations", "must be a list"),
    ({"organization": "Riverside"}, "organization", "must be an object"),
    ({"organization": None}, "organization", "needs the organisation"),
    ({"description": "x" * 30_000}, "description", "Shorten it"),
    ({"name": "bad \ud800 text"}, "name", "not valid text"),
    ({"attributes": [{"taxonomy_term": {"code": "nonsense", "taxonomy": "csn-need"}}]},
     "attributes", "not one of csn-desk's need categories"),
    ({"csn_desk": {"alert_until": "2027-01-01"}}, "alert_until", "needs the alert text"),
])
def test_bad_records_are_reported_by_record_and_field(ws: Workspace, tmp_path: Path,
                                                      changes: dict[str, Any], field: str,
                                                      words: str) -> None:
    data = {"contents": [GOOD["contents"][0], _service(**changes)]}
    path = write_json(tmp_path / "bad.json", data)
    before = table_counts(ws)
    strict = import_file(ws, path, valid_only=False)
    assert not strict.written and table_counts(ws) == before
    matching = [i for i in strict.errors if i.field.endswith(field)]
    assert matching, strict.lines()
    assert words.casefold() in matching[0].message.casefold(), matching[0].message
    assert _actionable(matching[0].message)
    # The good service still goes in when the valid records are imported.
    partial = import_file(ws, path)
    assert partial.written and partial.service_counts.created == 1
    assert partial.invalid_services == 1


def test_odd_but_harmless_values_are_fixed_with_a_warning(ws: Workspace,
                                                         tmp_path: Path) -> None:
    s = _service(name="Tablet\x07 Help", email="not an email", url="http://a b",
                 deliverable_type="Snacks")
    report = import_file(ws, write_json(tmp_path / "odd.json", {"contents": [s]}))
    assert report.written and report.errors == (), report.lines()
    fields = {i.field for i in report.warnings}
    assert {"name", "email", "url", "deliverable_type"} <= fields


def test_non_finite_numbers_are_errors(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"contents": [{"id": "n", "name": "N", "status": "active", '
                    '"organization": {"id": "o", "name": "O"}, '
                    '"cost_options": [{"amount": NaN}, {"amount": 1e999}]}]}')
    report = import_file(ws, path)
    assert not report.written
    assert [i.field for i in report.errors] == ["cost_options[0].amount",
                                                "cost_options[1].amount"]


def test_a_json_file_with_a_byte_order_mark_imports(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    report = import_file(ws, path)
    assert report.written and report.service_counts.created == 2


def test_every_record_bad_means_nothing_imported(ws: Workspace, tmp_path: Path) -> None:
    bad = [_service(id=f"b{i}", status="nope") for i in range(3)]
    path = write_json(tmp_path / "allbad.json", bad)
    before = table_counts(ws)
    report = import_file(ws, path)
    assert not report.written and table_counts(ws) == before
    assert "Nothing was imported" in report.summary()
    assert len(report.errors) == 3


def test_a_failure_part_way_rolls_everything_back(ws: Workspace, tmp_path: Path) -> None:
    """Cancelled (or crashed) in the middle: none of it stays."""
    many = {"contents": [_service(id=f"s{i}", name=f"Service {i}") for i in range(450)]}
    path = write_json(tmp_path / "many.json", many)

    class Stop(Exception):
        pass

    class CancelSecondTime:
        checks = 0

        def progress(self, done: int, total: int = 0, text: str = "") -> None:
            pass

        def check(self) -> None:
            self.checks += 1
            if self.checks == 2:  # after 200 services were written
                raise Stop

    before = table_counts(ws)
    with pytest.raises(Stop):
        import_file(ws, path, progress=CancelSecondTime())
    assert table_counts(ws) == before


def test_hostile_file_names_do_not_matter(ws: Workspace, tmp_path: Path) -> None:
    odd = tmp_path / "ÿ ünïcødé; rm -rf $(x).json"
    odd.write_text(json.dumps(GOOD))
    assert import_file(ws, odd).written
    os.chmod(odd, 0)
    try:
        if os.access(odd, os.R_OK):  # running as root: the mode does not stop reading
            pytest.skip("root can read any file")
        assert "could not be read" in _refused(ws, odd)
    finally:
        os.chmod(odd, 0o600)
