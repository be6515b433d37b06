"""Possible-duplicate check over the whole client list (200,000 at full size)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.harness import Result, summarise, time_ms
from csn_desk.clients import find_clients, possible_duplicates
from csn_desk.workspace import Workspace


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:]  # drop a letter: "Smith" -> "Smth"


def run(ws: Workspace, _tmp: Path, runs: int) -> list[Result]:
    with ws.db.read() as s:
        sample: list[Any] = s.execute(text(
            "SELECT given_name, family_name, date_of_birth, postcode FROM client "
            "ORDER BY random() LIMIT 500")).all()
    rng = random.Random(11)
    queries = iter(sample * 10)

    def check() -> None:
        given, family, dob_text, postcode = next(queries)
        dob = date.fromisoformat(dob_text) if dob_text else None
        # What staff type: sometimes a slip, sometimes no date of birth.
        possible_duplicates(ws, _typo(rng, given) if rng.random() < 0.3 else given, family,
                            date_of_birth=dob if rng.random() < 0.7 else None,
                            postcode=postcode if rng.random() < 0.5 else None)

    def lookup() -> None:
        given, family, _dob, _pc = next(queries)
        find_clients(ws, f"{family[:rng.randint(2, len(family))]}")

    return [
        summarise("possible-duplicate check", time_ms(check, runs * 2), "p95 < 50 ms"),
        summarise("client lookup as you type (family name)", time_ms(lookup, runs * 2),
                  "(no target; < 100 ms feels instant)"),
    ]
