"""directory search index (FTS5) and its vocabulary view for typo-tolerant search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE service_search USING fts5("
        "service_id UNINDEXED, name, organisation, categories, description, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute("CREATE VIRTUAL TABLE service_search_vocab USING fts5vocab(service_search, 'row')")
    # Fill the index for any services that existed before this revision.
    op.execute(
        "INSERT INTO service_search (service_id, name, organisation, categories, description) "
        "SELECT s.id, s.name, coalesce(o.name, ''), "
        "coalesce((SELECT group_concat(t.term_code, ' ') FROM service_taxonomy t "
        "WHERE t.service_id = s.id), ''), s.description "
        "FROM service s LEFT JOIN organisation o ON o.id = s.organisation_id"
    )


def downgrade() -> None:
    op.execute("DROP TABLE service_search_vocab")
    op.execute("DROP TABLE service_search")
