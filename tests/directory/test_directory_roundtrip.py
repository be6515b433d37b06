"""A round trip of our own export loses nothing: our model -> ORUK JSON (or CSV) -> our
model, for hypothesis-generated directories (pure, many examples; and through real encrypted
workspaces, a few), and for the demo directory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from csn_desk.demo.generate import generate
from csn_desk.directory.csv_export import directory_rows
from csn_desk.directory.csv_format import escape_formula, unescape_formula
from csn_desk.directory.csv_mapping import read_csv_entries
from csn_desk.directory.editing import add_organisation_with, add_service_with
from csn_desk.directory.export import export_directory
from csn_desk.directory.inputs import canonical_service, without_child_ids
from csn_desk.directory.oruk_export import directory_json
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.oruk_parse import parse
from csn_desk.directory.oruk_validate import Entries, read_entries
from csn_desk.directory.records import Directory, load_directory
from csn_desk.directory.safe_read import parse_json
from csn_desk.workspace import Workspace
from tests.directory.dirkit import new_workspace, table_counts
from tests.directory.strategies import directories, words

QUICK = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _as_directory(entries: Entries) -> Directory:
    assert entries.problems.failed == set(), [i.line() for i in entries.problems.issues]
    return Directory(
        tuple(sorted((e.value for e in entries.organisations), key=lambda o: o.id or "")),
        tuple(sorted((canonical_service(e.value) for e in entries.services),
                     key=lambda s: s.id or "")))


def _via_json(d: Directory) -> Directory:
    text = json.dumps(directory_json(d))
    return _as_directory(read_entries(parse(parse_json(text.encode()))))


def _via_csv(d: Directory) -> Directory:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(directory_rows(d))
    return _as_directory(read_csv_entries(buffer.getvalue().encode("utf-8-sig")))


@QUICK
@given(directories())
def test_model_to_oruk_json_and_back(d: Directory) -> None:
    assert _via_json(d) == d


@QUICK
@given(directories())
def test_model_to_csv_and_back(d: Directory) -> None:
    back = _via_csv(d)
    assert back.organisations == d.organisations
    assert [without_child_ids(s) for s in back.services] == [
        without_child_ids(s) for s in d.services]


@settings(max_examples=300, deadline=None)
@given(words(30))
def test_formula_escape_is_reversible(value: str) -> None:
    escaped = escape_formula(value)
    assert not escaped.startswith(("=", "+", "-", "@", "\t"))
    assert unescape_formula(escaped) == value


def _load_into(ws: Workspace, d: Directory) -> None:
    with ws.db.write(ws.actor) as w:
        for o in d.organisations:
            add_organisation_with(w, o)
        for s in d.services:
            add_service_with(w, s)


def _same_directory(a: Workspace, b: Workspace, *, child_ids: bool = True) -> None:
    """Every organisation and service of ``a`` is in ``b``, identical."""
    da, db = load_directory(a), load_directory(b)
    orgs_b = {o.id: o for o in db.organisations}
    assert [o for o in da.organisations if orgs_b.get(o.id) != o] == []
    norm = (lambda s: s) if child_ids else without_child_ids
    services_b = {s.id: norm(s) for s in db.services}
    assert {s.id: norm(s) for s in da.services} == services_b


def _db_round_trip(d: Directory, folder: Path) -> None:
    source = new_workspace(folder, "source")
    try:
        _load_into(source, d)
        for fmt, name in (("oruk-json", "out.json"), ("csv", "out.csv")):
            export_directory(source, fmt, folder / name)
            target = new_workspace(folder, f"target-{fmt}")
            try:
                report = import_file(target, folder / name)
                assert report.errors == (), report.lines()
                _same_directory(source, target, child_ids=fmt == "oruk-json")
                before = table_counts(target)
                assert import_file(target, folder / name).written
                assert table_counts(target) == before
            finally:
                target.close()
    finally:
        source.close()


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(directories(max_services=3))
def test_through_real_workspaces(tmp_path_factory: pytest.TempPathFactory,
                                 d: Directory) -> None:
    _db_round_trip(d, tmp_path_factory.mktemp("rt"))


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(directories(max_services=6))
def test_through_real_workspaces_more(tmp_path_factory: pytest.TempPathFactory,
                                      d: Directory) -> None:
    _db_round_trip(d, tmp_path_factory.mktemp("rt"))


@pytest.mark.parametrize(("fmt", "name"), [("oruk-json", "demo.json"), ("csv", "demo.csv")])
def test_demo_directory_round_trip(ws: Workspace, tmp_path: Path, fmt: str,
                                   name: str) -> None:
    generate(ws, enquiries=0, services=80, clients=0, seed=5)
    result = export_directory(ws, fmt, tmp_path / name)
    assert result.services > 80  # the generated ones and the Darlington starter directory
    target = new_workspace(tmp_path, "target")
    try:
        report = import_file(target, tmp_path / name)
        assert report.errors == () and report.written, report.lines()
        _same_directory(ws, target, child_ids=fmt == "oruk-json")
        # And back again: the target's export imports into the source as "no change".
        export_directory(target, fmt, tmp_path / f"again-{name}")
        again = import_file(ws, tmp_path / f"again-{name}")
        assert again.service_counts.created == again.service_counts.updated == 0
    finally:
        target.close()
