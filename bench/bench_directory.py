"""Directory search as you type over the whole directory (20,000 services at full size), with
a raw FTS5 query on a plain SQLite copy of the same index as the baseline."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from bench.data import connect_plain, plain_copy
from bench.harness import Result, summarise, time_ms
from csn_desk.directory.search import SearchFilters, raw_fts_query, search_services
from csn_desk.workspace import Workspace

# What staff type, letter by letter: each word's prefixes, as the search box sends them.
WORDS = ["befriending", "lunch club", "transport", "benefit check", "handyperson",
         "carers", "memory cafe", "tablet", "shopmobility", "bathing", "scams", "day centre",
         "exercise class", "wheelchair", "advocacy", "gardening"]
TYPOS = ["befriendng", "shopmobilty", "benfit", "gardning", "wheelchiar"]


def _typed_prefixes() -> list[str]:
    out = []
    for phrase in WORDS:
        for i in range(3, len(phrase) + 1):
            out.append(phrase[:i])
    return out


def run(ws: Workspace, tmp: Path, runs: int) -> list[Result]:
    prefixes = _typed_prefixes()
    rng = random.Random(3)
    seq = iter(prefixes * (1 + runs * 4 // len(prefixes)))
    plain = connect_plain(plain_copy(ws, tmp / "plain-directory.db"))
    try:
        typed = time_ms(lambda: search_services(ws, next(seq), limit=30), runs * 4)
        seq = iter(prefixes * (1 + runs * 4 // len(prefixes)))
        raw = time_ms(lambda: raw_fts_query(plain, next(seq), limit=30), runs * 4)
    finally:
        plain.close()
    typos = iter(TYPOS * (1 + runs // len(TYPOS)))
    typo = time_ms(lambda: search_services(ws, next(typos), limit=30), runs)
    filters = SearchFilters(free_only=True, area="DL1", age=78)
    words = iter(WORDS * (1 + runs // len(WORDS)))
    filtered = time_ms(lambda: search_services(ws, next(words), filters, limit=30), runs)
    day = date(2026, 12, 2)
    opened = time_ms(lambda: search_services(ws, rng.choice(WORDS), SearchFilters(open_on=day),
                                             limit=30), runs)
    return [
        summarise("directory search as you type", typed, "p95 < 25 ms", baseline=raw,
                  note="baseline: raw FTS5 MATCH + bm25 on a plain SQLite copy"),
        summarise("directory search, typo corrected", typo, "p95 < 25 ms"),
        summarise("directory search, free + area + age", filtered, "p95 < 25 ms"),
        summarise("directory search, open on a date", opened, "p95 < 25 ms"),
    ]
