"""A large import takes short cuts (a bigger page cache, the change log's base columns filled
by the writer instead of a trigger, new services indexed for search once at the end instead
of by trigger, unchanged entries not saved again): the database must end exactly as the
ordinary row-by-row path leaves it. The same files are imported into two copies of one
workspace, once each way, and everything the import touches is compared."""

from __future__ import annotations

import copy
import gc
import itertools
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bench.bench_directory_import import generate
from csn_desk.accounts import initialise, sign_in
from csn_desk.directory import editing, oruk_import, upsert
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.search import search_services
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.directory.dirkit import DIRECTORY_TABLES, table_counts, write_json

CARE = {"taxonomy_term": {"id": "esdServiceType:242", "code": "242", "name": "Care at home",
                          "taxonomy": "esdServiceType"}}


def _versions() -> list[dict[str, Any]]:
    """Three versions of a feed: the first; one with changes of every kind (names, an
    organisation's name, categories, schedules and costs removed and added, a place
    moved, new services); and the first again (which brings back the rows the second
    removed)."""
    first = generate(40, 15, seed=5)
    for i, s in enumerate(first["contents"]):
        if i % 3 == 0:
            s["attributes"].append(CARE)
    second = copy.deepcopy(first)
    for i, s in enumerate(second["contents"]):
        if i % 4 == 0:
            s["name"] += " (renamed)"
        if i % 5 == 0:
            s["attributes"] = [{"taxonomy_term": {"code": "carers", "taxonomy": "csn-need"}}]
        if i % 6 == 0 and s["schedules"]:
            s["schedules"].pop()
        if i % 7 == 0:
            s["schedules"].append({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"extra/{i}")),
                                   "freq": "WEEKLY", "byday": "SA", "opens_at": "10:00",
                                   "closes_at": "11:00"})
        if i % 8 == 0:
            s["cost_options"] = []
        if i % 9 == 0:
            s["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "TS1 1AA"
        if i % 10 == 0:
            s["organization"] = dict(s["organization"],
                                     name=s["organization"]["name"] + " CIO")
    # New services arrive with the changes (so the second import is a large one too).
    extra = generate(44, 15, seed=5)["contents"][40:]
    for s in extra:
        s["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, s["id"]))
        s["organization"] = second["contents"][0]["organization"]
    second["contents"] += extra
    return [first, second, copy.deepcopy(first)]


def _state(ws: Workspace) -> dict[str, Any]:
    """Everything an import writes, with clock readings replaced by their order."""
    with ws.db.read() as s:
        def q(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in s.execute(text(sql)).all()]

        stamps = sorted({h for (h,) in q("SELECT hlc FROM change_log")} |
                        {h for (h,) in q("SELECT hlc FROM cell_clock")})
        rank = {h: i for i, h in enumerate(stamps)}
        out: dict[str, Any] = {t: q(f"SELECT * FROM {t} ORDER BY id") for t in DIRECTORY_TABLES}
        out["change_log"] = [
            (*r[:4], rank[r[4]], r[5], r[6], rank.get(r[7]), r[8])
            for r in q("SELECT table_name, row_id, field, value_json, hlc, site_id, op, "
                       "base_hlc, base_site FROM change_log ORDER BY seq")]
        out["cell_clock"] = [(*r[:3], rank[r[3]], r[4]) for r in q(
            "SELECT table_name, row_id, field, hlc, site_id FROM cell_clock "
            "ORDER BY table_name, row_id, field")]
        out["audit"] = q("SELECT action, entity, entity_id, detail FROM audit_event "
                         "ORDER BY seq")
        out["search"] = q("SELECT rowid, service_id, name, organisation, categories, "
                          "description FROM service_search ORDER BY rowid")
        out["search_rows"] = q("SELECT id, service_id, sort_name FROM service_search_row "
                               "ORDER BY id")
        out["schema"] = q("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        out["generation"] = q("SELECT generation FROM service_search_state")[0][0]
    out["found"] = {word: [h.id for h in search_services(ws, word)]
                    for word in ("lunch", "care at home", "carers", "renamed", "CIO")}
    return out


@pytest.fixture
def twins(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of one new workspace (same site, same keys, same history)."""
    ws, _ = initialise(tmp_path / "row-by-row", site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    ws.close()
    shutil.copytree(tmp_path / "row-by-row", tmp_path / "large")
    return tmp_path / "row-by-row", tmp_path / "large"


def _import_all(folder: Path, files: list[Path], large: bool,
                monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], list[Any]]:
    """The state after each file, and the counts each import reported."""
    # The same new ids in both runs (child rows without ids in the file get new ones).
    counter = itertools.count()

    def new_id() -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"id/{next(counter)}"))

    monkeypatch.setattr(editing, "new_id", new_id)
    monkeypatch.setattr(upsert, "new_id", new_id)
    monkeypatch.setattr(oruk_import, "LARGE_IMPORT", 1 if large else 10 ** 9)
    ws = sign_in(folder, "admin", PASSPHRASE)
    try:
        states, counts = [], []
        for f in files:
            report = import_file(ws, f)
            counts.append((report.service_counts, report.organisation_counts))
            states.append(_state(ws))
        return states, counts
    finally:
        ws.close()


def test_a_large_import_ends_as_the_row_by_row_one(
        twins: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [write_json(tmp_path / f"v{n}.json", v) for n, v in enumerate(_versions())]
    plain_states, plain_counts = _import_all(twins[0], files, False, monkeypatch)
    large_states, large_counts = _import_all(twins[1], files, True, monkeypatch)
    assert large_counts == plain_counts
    services = plain_counts[1][0]
    assert services.created == 4 and services.updated > 10, "the second file changes entries"
    plain = plain_states[-1]
    # Real bases in the change log: the second file overwrote cells the first had written,
    # and the third brought back rows the second deleted.
    assert sum(r[7] is not None for r in plain["change_log"]) > 50
    assert plain["found"]["care at home"] and plain["found"]["lunch"]
    assert plain_states[1]["found"]["renamed"] and plain_states[1]["found"]["CIO"]
    for n, (plain, large) in enumerate(zip(plain_states, large_states, strict=True)):
        # The index generation moves on both ways (one bump per trigger, or per import).
        assert large.pop("generation") > 0 and plain.pop("generation") > 0
        for key in plain:
            assert large[key] == plain[key], f"{key} after file {n}"


def test_reimporting_a_large_file_writes_nothing(
        twins: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_json(tmp_path / "feed.json", _versions()[0])
    monkeypatch.setattr(oruk_import, "LARGE_IMPORT", 1)
    ws = sign_in(twins[1], "admin", PASSPHRASE)
    try:
        assert import_file(ws, path).service_counts.created == 40
        before = table_counts(ws)
        again = import_file(ws, path)
        assert again.service_counts.unchanged == 40
        assert again.organisation_counts.unchanged == 15
        assert table_counts(ws) == before
    finally:
        ws.close()


def test_swapped_child_ids_are_an_update_not_a_skip(
        twins: tuple[Path, Path], tmp_path: Path) -> None:
    """The same schedules with their ids swapped look unchanged by content, but the save
    would move the contents between the ids: such an entry is saved, not skipped."""
    data = generate(3, 1, seed=7)
    s = data["contents"][0]
    s["schedules"] = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"s/{d}")), "freq": "WEEKLY",
                       "byday": d, "opens_at": "09:00", "closes_at": "12:00"}
                      for d in ("MO", "TU")]
    ws = sign_in(twins[0], "admin", PASSPHRASE)
    try:
        import_file(ws, write_json(tmp_path / "a.json", data))
        swapped = json.loads(json.dumps(data))
        first, second = swapped["contents"][0]["schedules"]
        first["id"], second["id"] = second["id"], first["id"]
        report = import_file(ws, write_json(tmp_path / "b.json", swapped))
        assert report.service_counts.updated == 1
        assert import_file(ws, tmp_path / "b.json").service_counts.unchanged == 3
    finally:
        ws.close()


def test_a_large_import_stopped_part_way_leaves_nothing(
        twins: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_json(tmp_path / "feed.json", generate(450, 100, seed=3))

    class Stop(Exception):
        pass

    class StopAfterTwoBatches:
        checks = 0

        def progress(self, done: int, total: int = 0, text: str = "") -> None:
            pass

        def check(self) -> None:
            self.checks += 1
            if self.checks == 3:
                raise Stop

    ws = sign_in(twins[1], "admin", PASSPHRASE)
    try:
        before, schema = table_counts(ws), _state(ws)["schema"]
        with pytest.raises(Stop):
            import_file(ws, path, progress=StopAfterTwoBatches())
        assert table_counts(ws) == before
        assert _state(ws)["schema"] == schema  # every trigger still there
        assert import_file(ws, path).service_counts.created == 450
    finally:
        ws.close()


def test_one_pause_of_the_collector_covers_reading_and_importing(
        twins: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``import_file`` keeps the cyclic collector off from reading the file to the end of
    the import (no collection over the entries in between), and on again afterwards."""
    path = write_json(tmp_path / "feed.json", _versions()[0])
    seen: list[tuple[str, bool]] = []
    real_read, real_import = oruk_import.read_entries, oruk_import.import_entries

    def read(*args: Any, **kwargs: Any) -> Any:
        try:
            return real_read(*args, **kwargs)
        finally:
            seen.append(("after reading", gc.isenabled()))

    def write(*args: Any, **kwargs: Any) -> Any:
        seen.append(("before importing", gc.isenabled()))
        return real_import(*args, **kwargs)

    monkeypatch.setattr(oruk_import, "read_entries", read)
    monkeypatch.setattr(oruk_import, "import_entries", write)
    ws = sign_in(twins[1], "admin", PASSPHRASE)
    try:
        assert gc.isenabled()
        assert import_file(ws, path).service_counts.created == 40
        assert seen == [("after reading", False), ("before importing", False)]
        assert gc.isenabled()
        seen.clear()
        assert import_file(ws, path, dry_run=True).service_counts.unchanged == 40
        assert seen == [("after reading", False)]
        assert gc.isenabled()
    finally:
        ws.close()
