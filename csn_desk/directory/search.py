"""Searching the directory at the counter, as staff type.

One FTS5 query finds and ranks the hits (bm25, name weighted highest; every word a prefix);
a second fetches categories and areas for just those hits. Words are tokenized here and each
is quoted, so nothing typed can be read as FTS syntax. When a search finds nothing, words
that match nothing are widened to close words in the index (see ``typos``)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Connection

from csn_desk.directory import fit, typos
from csn_desk.directory.editing import ATTENDING_ACCESS
from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.errors import InvalidInput
from csn_desk.protection.roles import require
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

MAX_QUERY_CHARS = 200
MAX_TOKENS = 8
MAX_TOKEN_CHARS = 40
SUMMARY_CHARS = 160
SHORT_WORD_COLUMNS = "name organisation categories"
# bm25 weights per column: service_id (unindexed), name, organisation, categories, description.
# Spelled out in ORDER BY rather than ``ORDER BY rank``: FTS5 sorts "rank" through an inner
# statement over every match, while bm25() here lets SQLite keep only the best LIMIT rows.
RANK = "bm25(service_search, 0.0, 10.0, 4.0, 3.0, 1.0)"
CANDIDATES_FILTERED = 8  # with filters, rank this many times ``limit`` before joining
CANDIDATES_SPARE = 20


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None  # a need category code
    free_only: bool = False  # a cost of 0 and no cost above 0
    attending_access: str | None = None  # e.g. "drop-in"
    open_on: date | None = None
    open_at: time | None = None  # with open_on: open at this time of day
    age: int | None = None  # the person's age ...
    age_band: str | None = None  # ... or their age band code
    area: str | None = None  # a postcode district ("DL1") or full postcode
    include_inactive: bool = False


@dataclass(frozen=True)
class ServiceHit:
    id: str
    name: str
    organisation: str
    summary: str
    category_codes: tuple[str, ...]
    status: str
    attending_access: str | None
    age_fit: str  # yes / no / maybe / unknown
    area_fit: str  # yes / no / unknown
    alert: str | None  # current alert text (alert_until today or later, or no end date)
    needs_checking: bool
    facts: tuple[str, ...]  # plain sentences for the counter: age, area, alert, last checked
    score: float = 0.0


def tokenize(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer (remove_diacritics 2) sees them: letters and
    digits, case and accents folded. Bounded, so a pasted essay stays fast."""
    folded = unicodedata.normalize("NFKD", text[:MAX_QUERY_CHARS])
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[^\W_]+", folded)
    return [w[:MAX_TOKEN_CHARS] for w in words[:MAX_TOKENS]]


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"*'


def _term(word: str) -> str:
    """One or two letters match names, organisations and categories only: as a prefix of
    every description word they would match most of the directory and rank nothing."""
    return f"{{{SHORT_WORD_COLUMNS}}} : {_phrase(word)}" if len(word) <= 2 else _phrase(word)


def match_expression(words: list[str], alternatives: dict[str, list[str]] | None = None) -> str:
    """``"befr"* AND ("shopmobility"* OR "shopmobil"*)``: every word a quoted prefix."""
    parts = []
    for w in words:
        alts = (alternatives or {}).get(w)
        parts.append("(" + " OR ".join(_phrase(a) for a in alts) + ")" if alts else _term(w))
    return " AND ".join(parts)


def _validate(f: SearchFilters) -> None:
    if f.category is not None:
        vocab("needs").check(f.category, "need category")
    if f.attending_access is not None and f.attending_access not in ATTENDING_ACCESS:
        raise InvalidInput(f"Access must be one of: {', '.join(ATTENDING_ACCESS)}.")
    if f.age_band is not None:
        vocab("age_bands").check(f.age_band, "age band")
    if f.age is not None and not 0 <= f.age <= 130:
        raise InvalidInput("An age must be between 0 and 130.")
    if f.open_at is not None and f.open_on is None:
        raise InvalidInput("Choose a day as well as a time for 'open at'.")


def _person_ages(f: SearchFilters) -> tuple[int, int] | None:
    if f.age is not None:
        return f.age, f.age
    return fit.age_band_range(f.age_band) if f.age_band else None


def _where(f: SearchFilters, params: dict[str, Any]) -> list[str]:
    clauses = []
    if not f.include_inactive:
        clauses.append("s.status NOT IN ('defunct', 'inactive')")  # always first
    if f.category is not None:
        params["category"], params["vocabulary"] = f.category, NEED_VOCABULARY
        clauses.append("EXISTS (SELECT 1 FROM service_taxonomy t WHERE t.service_id = s.id "
                       "AND t.vocabulary = :vocabulary AND t.term_code = :category)")
    if f.free_only:
        clauses.append("EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = s.id "
                       "AND c.amount = 0) AND NOT EXISTS (SELECT 1 FROM cost_option c "
                       "WHERE c.service_id = s.id AND c.amount > 0)")
    if f.attending_access is not None:
        params["access"] = f.attending_access
        clauses.append("s.attending_access = :access")
    if f.open_on is not None:
        clauses.append(fit.open_on_sql(f.open_on, f.open_at, params))
    ages = _person_ages(f)
    if ages is not None:
        clauses.append(fit.age_sql(ages[0], ages[1], params))
    if f.area is not None:
        clauses.append(fit.area_sql(f.area, params))
    return clauses


_COLUMNS = ("s.id, s.name, coalesce(o.name, ''), s.description, s.status, s.attending_access, "
            "s.minimum_age, s.maximum_age, s.alert, s.alert_until, s.assured_date")


def _ranked(conn: Connection, expr: str, f: SearchFilters, limit: int) -> list[Any]:
    """Rank inside FTS5 first and join only the best candidates, so a one-letter prefix that
    matches most of the directory does not cost a join per match. If the filters leave too
    few of the candidates, rank everything that matches instead."""
    params: dict[str, Any] = {"q": expr, "limit": limit}
    clauses = _where(f, params)
    filtered = len(clauses) > (0 if f.include_inactive else 1)
    params["k"] = limit * (CANDIDATES_FILTERED if filtered else 1) + CANDIDATES_SPARE
    where = " AND ".join(clauses) or "1"
    top = (f"SELECT rowid AS rid, {RANK} AS score FROM service_search "
           "WHERE service_search MATCH :q ORDER BY score")
    tail = ("JOIN service_search_row r ON r.id = top.rid JOIN service s ON s.id = r.service_id "
            "LEFT JOIN organisation o ON o.id = s.organisation_id "
            f"WHERE {where} ORDER BY top.score LIMIT :limit")
    rows = list(conn.exec_driver_sql(
        f"WITH top AS MATERIALIZED ({top} LIMIT :k) SELECT {_COLUMNS}, top.score FROM top "
        + tail, params).all())
    if len(rows) < limit:
        candidates = conn.exec_driver_sql(
            "SELECT count(*) FROM (SELECT 1 FROM service_search "
            "WHERE service_search MATCH :q LIMIT :k)", params).scalar_one()
        if candidates >= params["k"]:  # there were more matches than candidates taken
            rows = list(conn.exec_driver_sql(
                f"WITH top AS MATERIALIZED ({top}) SELECT {_COLUMNS}, top.score FROM top "
                + tail, params).all())
    return rows


def _browse(conn: Connection, f: SearchFilters, limit: int) -> list[Any]:
    """Matching services by name, walking the name index and stopping at ``limit``."""
    params: dict[str, Any] = {"limit": limit}
    where = " AND ".join(_where(f, params)) or "1"
    sql = (f"SELECT {_COLUMNS}, 0.0 FROM service_search_row r "
           "JOIN service s ON s.id = r.service_id "
           "LEFT JOIN organisation o ON o.id = s.organisation_id "
           f"WHERE {where} ORDER BY r.sort_name, r.service_id LIMIT :limit")
    return list(conn.exec_driver_sql(sql, params).all())


def search_services(ws: Workspace, query: str, filters: SearchFilters | None = None,
                    limit: int = 50, *, today: date | None = None) -> list[ServiceHit]:
    """Ranked services for what was typed (all words, each as a prefix, small typos
    forgiven) that pass the filters. An empty query lists matching services by name."""
    require(ws, "directory.search")
    f = filters or SearchFilters()
    _validate(f)
    limit = max(1, min(int(limit), 500))
    words = tokenize(query)
    with ws.db.read() as session:
        conn = session.connection()
        if not words:
            rows = _browse(conn, f, limit)
        else:
            rows = _ranked(conn, match_expression(words), f, limit)
            if not rows:
                alternatives = _typo_alternatives(ws, conn, words)
                if alternatives:
                    rows = _ranked(conn, match_expression(words, alternatives), f, limit)
        details = _details(conn, [r[0] for r in rows])
    day = today or date.today()
    return [_hit(r, details, f, day) for r in rows]


def _typo_alternatives(ws: Workspace, conn: Connection,
                       words: list[str]) -> dict[str, list[str]]:
    """For each word no indexed word starts with, the close words to try instead."""
    vocabulary = typos.vocabulary(ws.db.engine, conn)
    out = {}
    for w in words:
        if not vocabulary.has_prefix(w):
            close = vocabulary.close_words(w)
            if close:
                out[w] = close
    return out


def _details(conn: Connection, ids: list[str]) -> dict[str, tuple[list[str], list[str | None]]]:
    """Category codes and served districts for the hits, in one query."""
    out: dict[str, tuple[list[str], list[str | None]]] = {i: ([], []) for i in ids}
    if not ids:
        return out
    rows = conn.exec_driver_sql(
        "SELECT service_id, 0, term_code FROM service_taxonomy "
        "WHERE vocabulary = :v AND service_id IN (SELECT value FROM json_each(:ids)) "
        "UNION ALL SELECT service_id, 1, postcode_district FROM service_area "
        "WHERE service_id IN (SELECT value FROM json_each(:ids))",
        {"v": NEED_VOCABULARY, "ids": json.dumps(ids)}).all()
    for service_id, kind, value in rows:
        out[service_id][kind].append(value)
    return out


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _summary(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut + "..."


def _hit(row: Any, details: dict[str, tuple[list[str], list[str | None]]],
         f: SearchFilters, today: date) -> ServiceHit:
    (sid, name, org, description, status, access, min_age, max_age, alert, alert_until,
     assured, score) = row
    categories, districts = details.get(sid, ([], []))
    age_code, age_text = fit.age_fit(min_age, max_age, _person_ages(f))
    area_code, area_text = fit.area_fit(districts, f.area)
    until = _date(alert_until)
    current_alert = alert if alert and (until is None or until >= today) else None
    review_due, review_text = fit.review_words(_date(assured), today)
    facts = [age_text, area_text]
    if status == "temporarily closed":
        facts.append("Temporarily closed")
    if current_alert:
        facts.append(f"Alert: {current_alert}"
                     + (f" (until {until.day} {until:%B %Y})" if until else ""))
    facts.append(review_text)
    return ServiceHit(
        id=sid, name=name, organisation=org, summary=_summary(description or ""),
        category_codes=tuple(sorted(categories)), status=status, attending_access=access,
        age_fit=age_code, area_fit=area_code, alert=current_alert, needs_checking=review_due,
        facts=tuple(facts), score=float(score or 0.0))


def raw_fts_query(conn: Any, query: str, limit: int = 50) -> list[str]:
    """The benchmark baseline: a plain FTS5 MATCH on the same index with the same match
    expression and bm25 order, returning ids only: no join, no filters, no typo step, no
    fit facts, no session. ``conn`` is a DB-API connection (sqlite3 or sqlcipher3) or a
    SQLAlchemy ``Connection``. ``search_services`` over this is the price of the counter's
    extras."""
    words = tokenize(query)
    if not words:
        return []
    sql = (f"SELECT service_id FROM service_search WHERE service_search MATCH ? "
           f"ORDER BY {RANK} LIMIT ?")
    args = (match_expression(words), limit)
    if isinstance(conn, Connection):
        return [r[0] for r in conn.exec_driver_sql(sql, args).all()]
    return [r[0] for r in conn.execute(sql, args).fetchall()]
