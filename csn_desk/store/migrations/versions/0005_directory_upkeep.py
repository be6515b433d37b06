"""directory upkeep: source ids of imported entries, merged duplicates, external term names

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

- ``external_id`` on organisation, service and location: the id an entry has in the ORUK or
  CSV file it came from, when that id is not one of ours, so a later import of the same feed
  updates the entry instead of adding it again.
- ``merged_into`` on organisation and service: a duplicate a coordinator merged away is kept
  (defunct) so referrals anywhere still resolve, and it points at the surviving entry.
- ``label`` on service_taxonomy: the name of a term from another vocabulary (an LGA service
  type, say), so it is searchable and exported as it came. The search-index triggers now
  take a category's text from that label when the local label table has none.
- an index on location.postcode: possible duplicates are looked up by postcode.

Columns are added with plain ALTER TABLE (no table rebuild), so the search triggers on
service stay in place; the ones that read categories are replaced.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ROW = "(SELECT r.id FROM service_search_row r WHERE r.service_id = {sid})"
_ORG = "coalesce((SELECT o.name FROM organisation o WHERE o.id = {oid}), '')"
_BUMP = "UPDATE service_search_state SET generation = generation + 1 WHERE id = 1;"


def _cats(label: str) -> str:
    """The categories text of a service: each term's label (``label`` says where from)."""
    return ("coalesce((SELECT group_concat(" + label + ", ' ') "
            "FROM service_taxonomy st LEFT JOIN taxonomy_term tt "
            "ON tt.vocabulary = st.vocabulary AND tt.code = st.term_code "
            "WHERE st.service_id = {sid}), '')")


OLD_LABEL = "coalesce(tt.label, st.term_code)"
NEW_LABEL = "coalesce(tt.label, st.label, st.term_code)"


def _triggers(label: str, taxonomy_columns: str) -> dict[str, str]:
    """The triggers of 0002 that read categories, with the label expression given."""
    cats = _cats(label)

    def recategorise(sid: str) -> str:
        return (f"UPDATE service_search SET categories = {cats.format(sid=sid)} "
                f"WHERE rowid = {_ROW.format(sid=sid)};")

    triggers = {
        "service_search_ai": f"""
            AFTER INSERT ON service BEGIN
              INSERT INTO service_search_row (service_id, sort_name) VALUES (new.id, new.name);
              INSERT INTO service_search (rowid, service_id, name, organisation, categories,
                                          description)
              VALUES ({_ROW.format(sid="new.id")}, new.id, new.name,
                      {_ORG.format(oid="new.organisation_id")}, {cats.format(sid="new.id")},
                      new.description);
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
                categories = {cats.format(sid="new.id")}, description = new.description
              WHERE rowid = {_ROW.format(sid="new.id")};
              {_BUMP}
            END""",
        "service_taxonomy_search_ai": f"""
            AFTER INSERT ON service_taxonomy BEGIN
              {recategorise("new.service_id")}
              {_BUMP}
            END""",
        "service_taxonomy_search_ad": f"""
            AFTER DELETE ON service_taxonomy BEGIN
              {recategorise("old.service_id")}
              {_BUMP}
            END""",
        "service_taxonomy_search_au": f"""
            AFTER UPDATE OF {taxonomy_columns} ON service_taxonomy BEGIN
              {recategorise("old.service_id")}
              {recategorise("new.service_id")}
              {_BUMP}
            END""",
    }
    for verb, ref in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        triggers[f"taxonomy_term_search_a{verb[0].lower()}"] = f"""
            AFTER {verb} ON taxonomy_term BEGIN
              UPDATE service_search SET categories = {cats.format(
                  sid="service_search.service_id")}
              WHERE rowid IN (SELECT r.id FROM service_taxonomy st
                              JOIN service_search_row r ON r.service_id = st.service_id
                              WHERE st.vocabulary = {ref}.vocabulary
                                AND st.term_code = {ref}.code);
              {_BUMP}
            END"""
    return triggers


def _replace_triggers(triggers: dict[str, str]) -> None:
    for name, body in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString()
    for table in ("organisation", "service", "location"):
        op.add_column(table, sa.Column("external_id", text, nullable=True))
        op.create_index(f"ix_{table}_external_id", table, ["external_id"], unique=False)
    for table in ("organisation", "service"):
        op.add_column(table, sa.Column("merged_into", text, nullable=True))
    op.add_column("service_taxonomy", sa.Column("label", text, nullable=True))
    op.create_index("ix_location_postcode", "location", ["postcode"], unique=False)
    _replace_triggers(_triggers(NEW_LABEL, "service_id, vocabulary, term_code, label"))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), never a table rebuild that would drop the triggers.
    _replace_triggers(_triggers(OLD_LABEL, "service_id, vocabulary, term_code"))
    op.drop_index("ix_location_postcode", table_name="location")
    op.execute("ALTER TABLE service_taxonomy DROP COLUMN label")
    for table in ("organisation", "service"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN merged_into")
    for table in ("organisation", "service", "location"):
        op.drop_index(f"ix_{table}_external_id", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN external_id")
