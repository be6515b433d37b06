"""directory search index (FTS5), kept current by SQL triggers, plus need-category labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Why triggers: the index must follow every write, whether it comes from the Writer, a sync
import or a repair script, and SQLite is the only place that sees them all.

- ``service_search``: FTS5 over name, organisation name, category labels and description.
  Its rowid comes from ``service_search_row`` (an INTEGER PRIMARY KEY, so it survives VACUUM
  and sqlcipher_export, unlike the implicit rowid of ``service``); triggers find a service's
  index row by that map, never by scanning the UNINDEXED ``service_id`` column.
- ``service_search_vocab``: fts5vocab over the index, read by the typo-tolerant search.
- ``service_search_state``: a generation counter every trigger bumps, so a cached copy of the
  vocabulary knows when it is stale without rereading it.
- ``taxonomy_term``: labels for category codes ("Money and benefits" for money_benefits), so
  labels are searchable. Local to each copy, refreshed from resources/ at open.
"""

from __future__ import annotations

import json

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEED_VOCABULARY = "csn-need"

_ROW = "(SELECT r.id FROM service_search_row r WHERE r.service_id = {sid})"
_ORG = "coalesce((SELECT o.name FROM organisation o WHERE o.id = {oid}), '')"
_CATS = (
    "coalesce((SELECT group_concat(coalesce(tt.label, st.term_code), ' ') "
    "FROM service_taxonomy st LEFT JOIN taxonomy_term tt "
    "ON tt.vocabulary = st.vocabulary AND tt.code = st.term_code "
    "WHERE st.service_id = {sid}), '')"
)
_BUMP = "UPDATE service_search_state SET generation = generation + 1 WHERE id = 1;"


def _recategorise(sid: str) -> str:
    return (f"UPDATE service_search SET categories = {_CATS.format(sid=sid)} "
            f"WHERE rowid = {_ROW.format(sid=sid)};")


TRIGGERS = {
    "service_search_ai": f"""
        AFTER INSERT ON service BEGIN
          INSERT INTO service_search_row (service_id, sort_name) VALUES (new.id, new.name);
          INSERT INTO service_search (rowid, service_id, name, organisation, categories,
                                      description)
          VALUES ({_ROW.format(sid="new.id")}, new.id, new.name,
                  {_ORG.format(oid="new.organisation_id")}, {_CATS.format(sid="new.id")},
                  new.description);
          {_BUMP}
        END""",
    "service_search_ad": f"""
        AFTER DELETE ON service BEGIN
          DELETE FROM service_search WHERE rowid = {_ROW.format(sid="old.id")};
          DELETE FROM service_search_row WHERE service_id = old.id;
          {_BUMP}
        END""",
    "service_search_au": f"""
        AFTER UPDATE OF id, name, description, organisation_id ON service
        WHEN old.id IS NOT new.id OR old.name IS NOT new.name
          OR old.description IS NOT new.description
          OR old.organisation_id IS NOT new.organisation_id
        BEGIN
          UPDATE service_search_row SET service_id = new.id, sort_name = new.name
          WHERE service_id = old.id;
          UPDATE service_search SET service_id = new.id, name = new.name,
            organisation = {_ORG.format(oid="new.organisation_id")},
            categories = {_CATS.format(sid="new.id")}, description = new.description
          WHERE rowid = {_ROW.format(sid="new.id")};
          {_BUMP}
        END""",
    "organisation_search_au": f"""
        AFTER UPDATE OF name ON organisation WHEN old.name IS NOT new.name BEGIN
          UPDATE service_search SET organisation = new.name
          WHERE rowid IN (SELECT r.id FROM service s
                          JOIN service_search_row r ON r.service_id = s.id
                          WHERE s.organisation_id = new.id);
          {_BUMP}
        END""",
    "service_taxonomy_search_ai": f"""
        AFTER INSERT ON service_taxonomy BEGIN
          {_recategorise("new.service_id")}
          {_BUMP}
        END""",
    "service_taxonomy_search_ad": f"""
        AFTER DELETE ON service_taxonomy BEGIN
          {_recategorise("old.service_id")}
          {_BUMP}
        END""",
    "service_taxonomy_search_au": f"""
        AFTER UPDATE OF service_id, vocabulary, term_code ON service_taxonomy BEGIN
          {_recategorise("old.service_id")}
          {_recategorise("new.service_id")}
          {_BUMP}
        END""",
}

# A label change re-derives the categories text of every service using that term.
for _verb, _ref in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
    TRIGGERS[f"taxonomy_term_search_a{_verb[0].lower()}"] = f"""
        AFTER {_verb} ON taxonomy_term BEGIN
          UPDATE service_search SET categories = {_CATS.format(sid="service_search.service_id")}
          WHERE rowid IN (SELECT r.id FROM service_taxonomy st
                          JOIN service_search_row r ON r.service_id = st.service_id
                          WHERE st.vocabulary = {_ref}.vocabulary AND st.term_code = {_ref}.code);
          {_BUMP}
        END"""


def _need_labels() -> list[tuple[str, str]]:
    """The labels as shipped now; the app refreshes them at open if resources change."""
    from csn_desk.vocab import resources_dir

    raw = json.loads((resources_dir() / "vocab" / "needs.json").read_text(encoding="utf-8"))
    return [(item["code"], item["label"]) for item in raw["items"]]


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE service_search USING fts5("
        "service_id UNINDEXED, name, organisation, categories, description, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4')"
    )
    # Default ranking: bm25 with the name weighted highest (service_id is unindexed: 0).
    op.execute("INSERT INTO service_search (service_search, rank) "
               "VALUES ('rank', 'bm25(0.0, 10.0, 4.0, 3.0, 1.0)')")
    op.execute("CREATE VIRTUAL TABLE service_search_vocab USING fts5vocab(service_search, 'row')")
    op.execute("CREATE TABLE service_search_row (id INTEGER PRIMARY KEY, "
               "service_id TEXT NOT NULL UNIQUE, sort_name TEXT NOT NULL COLLATE NOCASE)")
    op.execute("CREATE INDEX service_search_row_by_name ON service_search_row "
               "(sort_name, service_id)")
    op.execute("CREATE TABLE service_search_state ("
               "id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)")
    op.execute("INSERT INTO service_search_state (id, generation) VALUES (1, 0)")
    op.execute("CREATE TABLE taxonomy_term (vocabulary TEXT NOT NULL, code TEXT NOT NULL, "
               "label TEXT NOT NULL, PRIMARY KEY (vocabulary, code)) WITHOUT ROWID")
    for code, label in _need_labels():
        op.get_bind().exec_driver_sql(
            "INSERT INTO taxonomy_term (vocabulary, code, label) VALUES (?, ?, ?)",
            (NEED_VOCABULARY, code, label),
        )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # Index any services that existed before this revision.
    op.execute("INSERT INTO service_search_row (service_id, sort_name) "
               "SELECT id, name FROM service ORDER BY id")
    op.execute(
        "INSERT INTO service_search (rowid, service_id, name, organisation, categories, "
        f"description) SELECT r.id, s.id, s.name, {_ORG.format(oid='s.organisation_id')}, "
        f"{_CATS.format(sid='s.id')}, s.description "
        "FROM service s JOIN service_search_row r ON r.service_id = s.id"
    )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE taxonomy_term")
    op.execute("DROP TABLE service_search_state")
    op.execute("DROP TABLE service_search_row")
    op.execute("DROP TABLE service_search_vocab")
    op.execute("DROP TABLE service_search")
