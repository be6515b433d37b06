"""Upkeep of the directory search index.

The index itself is kept current by SQL triggers (migration 0002), so nothing here runs on
an ordinary write. These functions refresh the category labels the triggers join, report
the index generation (bumped by every trigger) and rebuild the index as a repair."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from csn_desk.vocab import vocab

NEED_VOCABULARY = "csn-need"


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
    session.execute(text(
        "INSERT INTO service_search (rowid, service_id, name, organisation, categories, "
        "description) SELECT r.id, s.id, s.name, "
        "coalesce((SELECT o.name FROM organisation o WHERE o.id = s.organisation_id), ''), "
        "coalesce((SELECT group_concat(coalesce(tt.label, st.label, st.term_code), ' ') "
        "FROM service_taxonomy st LEFT JOIN taxonomy_term tt "
        "ON tt.vocabulary = st.vocabulary AND tt.code = st.term_code "
        "WHERE st.service_id = s.id), ''), s.description "
        "FROM service s JOIN service_search_row r ON r.service_id = s.id"))
    session.execute(text(
        "UPDATE service_search_state SET generation = generation + 1 WHERE id = 1"))
    session.execute(text("INSERT INTO service_search (service_search) VALUES ('optimize')"))
    return int(session.execute(text("SELECT count(*) FROM service_search_row")).scalar_one())


def optimize_search_index(session: Session) -> None:
    """Merge the index b-trees into one (worth it after a bulk load such as the demo)."""
    session.execute(text("INSERT INTO service_search (service_search) VALUES ('optimize')"))
