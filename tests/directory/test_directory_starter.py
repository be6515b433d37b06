"""The Darlington starter directory: study facts only, needs checking, stable ids, idempotent."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import text

from csn_desk.accounts import initialise
from csn_desk.directory.search import search_services
from csn_desk.directory.starter import load_starter_directory, read_starter, starter_path
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE


def counts(ws: Workspace) -> dict[str, int]:
    with ws.db.read() as s:
        return {t: int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("organisation", "service", "service_taxonomy", "cost_option",
                          "regular_schedule", "change_log", "service_search")}


def test_loads_once_and_second_load_adds_nothing(ws: Workspace) -> None:
    added = load_starter_directory(ws)
    data = read_starter()
    assert added == sum(len(o["services"]) for o in data["organisations"]) > 30
    after_first = counts(ws)
    assert after_first["service"] == added == after_first["service_search"]
    assert load_starter_directory(ws) == 0
    assert counts(ws) == after_first


def test_ids_are_the_same_on_every_site(ws: Workspace, tmp_path: Path) -> None:
    load_starter_directory(ws)
    other, _ = initialise(tmp_path / "other", site_name="Other Counter",
                          organisation_name="Other Org", admin_username="admin",
                          passphrase=PASSPHRASE)
    with other:
        load_starter_directory(other)
        with ws.db.read() as a, other.db.read() as b:
            for table in ("service", "service_taxonomy", "cost_option", "regular_schedule"):
                query = f"SELECT * FROM {table} ORDER BY id"
                rows = a.execute(text(query)).all()
                assert rows and rows == b.execute(text(query)).all(), table


def test_nothing_invented_and_everything_needs_checking(ws: Workspace) -> None:
    load_starter_directory(ws)
    with ws.db.read() as s:
        filled = s.execute(text(
            "SELECT count(*) FROM service WHERE phone IS NOT NULL OR url IS NOT NULL "
            "OR email IS NOT NULL OR assured_date IS NOT NULL OR needs_checking = 0 "
            "OR minimum_age IS NOT NULL OR maximum_age IS NOT NULL")).scalar_one()
        org_filled = s.execute(text(
            "SELECT count(*) FROM organisation WHERE (phone IS NOT NULL OR url IS NOT NULL "
            "OR email IS NOT NULL OR charity_number IS NOT NULL OR assured_date IS NOT NULL "
            "OR needs_checking = 0) AND id IN (SELECT organisation_id FROM service)")).scalar_one()
        locations = s.execute(text("SELECT count(*) FROM location")).scalar_one()
        times = s.execute(text("SELECT count(*) FROM regular_schedule "
                               "WHERE opens_at IS NOT NULL OR closes_at IS NOT NULL")).scalar_one()
        prices = s.execute(text("SELECT s.name, c.amount, c.option FROM cost_option c "
                                "JOIN service s ON s.id = c.service_id "
                                "WHERE c.amount > 0 ORDER BY s.name")).all()
    assert (filled, org_filled, locations, times) == (0, 0, 0, 0)
    # The only prices are the two the study states.
    assert [tuple(p) for p in prices] == [("Bathing in the community", 13.0, "per session"),
                                          ("Nail cutting", 11.0, "per session")]


def test_file_has_no_contact_details_and_valid_categories() -> None:
    raw = starter_path().read_text(encoding="utf-8")
    assert not re.search(r"\d{5,}|https?:|www\.|@|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", raw)
    data = json.loads(raw)
    slugs = [s["slug"] for o in data["organisations"] for s in o["services"]]
    assert len(slugs) == len(set(slugs))
    for org in data["organisations"]:
        for s in org["services"]:
            assert s["categories"], s["slug"]
            for code in s["categories"]:
                vocab("needs").check(code)


def test_starter_entries_are_searchable(ws: Workspace) -> None:
    load_starter_directory(ws)
    [shop] = search_services(ws, "shopmob")
    assert shop.organisation == "Darlington Association on Disability (DAD)"
    assert shop.needs_checking and "Needs checking: not yet checked" in shop.facts
    assert search_services(ws, "bradbury")[0].name.endswith("(Bradbury House)")
    assert "Citizens Advice" in [h.name for h in search_services(ws, "money")]
