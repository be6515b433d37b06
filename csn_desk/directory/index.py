"""Upkeep of the directory search index.

The index itself is kept current by SQL triggers (migrations 0002 and 0005), so nothing here
runs on an ordinary write. These functions refresh the category labels the triggers join,
report the index generation (bumped by every trigger), rebuild the index as a repair, and
let a large import index its new services once at the end instead of row by row."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from csn_desk.store.rawsql import driver
from csn_desk.vocab import vocab

NEED_VOCABULARY = "csn-need"

# What the triggers put in a service's index row, for the service ``s`` (as in 0005).
_ORGANISATION = "coalesce((SELECT o.name FROM organisation o WHERE o.id = s.organisation_id), '')"
_CATEGORIES = ("coalesce((SELECT group_concat(coalesce(tt.label, st.label, st.term_code), ' ') "
               "FROM service_taxonomy st LEFT JOIN taxonomy_term tt "
               "ON tt.vocabulary = st.vocabulary AND tt.code = st.term_code "
               "WHERE st.service_id = s.id), '')")
_INDEX_ROWS = ("INSERT INTO service_search (rowid, service_id, name, organisation, categories, "
               f"description) SELECT r.id, s.id, s.name, {_ORGANISATION}, {_CATEGORIES}, "
               "s.description FROM service s JOIN service_search_row r ON r.service_id = s.id")
_BUMP = "UPDATE service_search_state SET generation = generation + 1 WHERE id = 1"


def sync_taxonomy_labels(session: Session) -> int:
    """Make ``taxonomy_term`` match resources/vocab/needs.json; returns rows changed.

    Call at open (inside any write session). Unchanged labels write nothing, so this is cheap
    and fires no index triggers; a changed label re-derives the categories text of the
    services using it."""
    wanted = {t.code: t.label for t in vocab("needs").terms}
    have = {str(code): str(label) for code, label in session.execute(
        text("SELECT code, label FROM taxonomy_term WHERE vocabulary = :v"),
        {"v": NEED_VOCABULARY})}
    changed = 0
    for code, label in wanted.items():
        if have.get(code) != label:
            session.execute(text(
                "INSERT INTO taxonomy_term (vocabulary, code, label) VALUES (:v, :c, :l) "
                "ON CONFLICT (vocabulary, code) DO UPDATE SET label = excluded.label"),
                {"v": NEED_VOCABULARY, "c": code, "l": label})
            changed += 1
    for code in set(have) - set(wanted):
        session.execute(text("DELETE FROM taxonomy_term WHERE vocabulary = :v AND code = :c"),
                        {"v": NEED_VOCABULARY, "c": code})
        changed += 1
    return changed


def search_generation(session: Session) -> int:
    """A number that changes whenever the search index changes."""
    return int(session.execute(
        text("SELECT generation FROM service_search_state WHERE id = 1")).scalar_one())


def rebuild_search_index(session: Session) -> int:
    """Rebuild the whole index from the directory tables (a repair; the triggers normally
    keep it current). Returns the number of services indexed."""
    session.execute(text("DELETE FROM service_search"))
    session.execute(text("DELETE FROM service_search_row"))
    session.execute(text("INSERT INTO service_search_row (service_id, sort_name) "
                         "SELECT id, name FROM service ORDER BY id"))
    session.execute(text(_INDEX_ROWS))
    session.execute(text(_BUMP))
    session.execute(text("INSERT INTO service_search (service_search) VALUES ('optimize')"))
    return int(session.execute(text("SELECT count(*) FROM service_search_row")).scalar_one())


def optimize_search_index(session: Session) -> None:
    """Merge the index b-trees into one (worth it after a bulk load such as the demo)."""
    session.execute(text("INSERT INTO service_search (service_search) VALUES ('optimize')"))


# The two triggers that index a new service: one when it is added, one again for each of its
# categories (an FTS5 update is a delete and an insert). Everything else about the index
# (updates, deletes, organisation renames, label changes) stays with its triggers.
_INSERT_TRIGGERS = ("service_search_ai", "service_taxonomy_search_ai")


class IndexAfterwards:
    """What ``index_new_services_afterwards`` needs to hear: the stored services whose
    categories may gain rows while the insert triggers are off."""

    def __init__(self) -> None:
        self.changed: set[str] = set()

    def categories_may_change(self, service_ids: Iterable[str]) -> None:
        self.changed.update(service_ids)


@contextlib.contextmanager
def index_new_services_afterwards(session: Session) -> Iterator[IndexAfterwards]:
    """Inside a write that adds many services (a large import): the triggers that index a
    new service and each of its categories are dropped, and at the end every service
    without an index row gets one (in the order the services were added, as the trigger
    would have numbered them) and the stored services named to ``categories_may_change``
    get their categories text again; then the triggers are created again from their own
    stored SQL. The index ends as the triggers would have left it, with one generation bump.

    All of it is inside the caller's transaction (SQLite's DDL is transactional): if
    anything fails the rollback brings the triggers back with everything else, and no
    other connection ever sees the database without them."""
    con = driver(session)
    marks = ", ".join("?" for _ in _INSERT_TRIGGERS)
    saved = con.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                        f"name IN ({marks}) ORDER BY name", _INSERT_TRIGGERS).fetchall()
    if len(saved) != len(_INSERT_TRIGGERS):  # not the schema this knows: leave it alone
        yield IndexAfterwards()
        return
    for name, _sql in saved:
        con.execute(f'DROP TRIGGER "{name}"')
    tracker = IndexAfterwards()
    try:
        yield tracker
    except BaseException:
        with contextlib.suppress(Exception):  # the caller rolls back; be tidy meanwhile
            for _name, sql in saved:
                con.execute(sql)
        raise
    _index_unindexed(con, tracker.changed)
    for _name, sql in saved:
        con.execute(sql)


def _index_unindexed(con: Any, changed: set[str]) -> None:
    execute, executemany = con.execute, con.executemany
    last = execute("SELECT coalesce(max(id), 0) FROM service_search_row").fetchone()[0]
    added = execute("INSERT INTO service_search_row (service_id, sort_name) "
                    "SELECT s.id, s.name FROM service s WHERE NOT EXISTS (SELECT 1 FROM "
                    "service_search_row r WHERE r.service_id = s.id) ORDER BY s.rowid"
                    ).rowcount
    if added:
        execute(f"{_INDEX_ROWS} WHERE r.id > ?", (last,))
    ids = sorted(changed)
    if ids:
        executemany(f"UPDATE service_search SET categories = (SELECT {_CATEGORIES} FROM "
                    "service s WHERE s.id = ?1) WHERE rowid = (SELECT r.id FROM "
                    "service_search_row r WHERE r.service_id = ?1)", [(i,) for i in ids])
    if added or ids:
        execute(_BUMP)
