"""A large import works out its warnings about look-alike entries on a thread of its own
while its last statements run: the report must list the same warnings as the dry run of
the same file, and should that work fail, the import must write nothing (as when it ran
before the writes)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.bench_directory_import import generate
from csn_desk.directory import oruk_import
from csn_desk.directory.oruk_import import check_file, import_file
from csn_desk.workspace import Workspace
from tests.directory.dirkit import write_json


def _feed_with_lookalikes(tmp_path: Path) -> Path:
    feed = generate(60, 20, seed=7)
    twins = []
    for i in (3, 17, 42):  # the same service again under another id
        twin = copy.deepcopy(feed["contents"][i])
        twin["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"twin/{i}"))
        place = twin["service_at_locations"][0]  # another place at the same address
        twin["service_at_locations"] = [{
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"twin-at/{i}")),
            "location": dict(place["location"],
                             id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"twin-place/{i}")))}]
        twins.append(twin)
    feed["contents"] += twins
    feed["total_items"] = len(feed["contents"])
    return write_json(tmp_path / "feed.json", feed)


@pytest.mark.parametrize("large", [True, False])
def test_an_import_reports_the_lookalikes_the_dry_run_does(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    monkeypatch.setattr(oruk_import, "LARGE_IMPORT", 1 if large else 10 ** 9)
    path = _feed_with_lookalikes(tmp_path)
    dry = check_file(ws, path)
    warnings = [i for i in dry.issues if i.level == "warning"]
    assert len(warnings) >= 3
    report = import_file(ws, path)
    assert report.written and report.service_counts.created == 63
    assert report.issues == dry.issues


def test_a_failed_lookalike_check_writes_nothing(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oruk_import, "LARGE_IMPORT", 1)
    path = _feed_with_lookalikes(tmp_path)

    def fail(*_args: object) -> None:
        raise RuntimeError("look-alike check failed")

    monkeypatch.setattr(oruk_import, "_flag_duplicates", fail)
    with pytest.raises(RuntimeError, match="look-alike"):
        import_file(ws, path)
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM service")).scalar_one() == 0
