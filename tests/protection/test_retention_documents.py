"""Retention of the record of printed documents: a deleted entry leaves nothing that links
it to a person in the sync bookkeeping (the change log, the tombstone's kept values)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from csn_desk.documents.log import log_document
from csn_desk.protection.retention import run_retention
from csn_desk.workspace import Workspace
from tests.protection.test_retention import OLD, _client


def _traces(ws: Workspace, doc_id: str) -> list[str]:
    with ws.db.read() as s:
        rows = s.execute(text("SELECT value_json FROM change_log WHERE table_name = 'document' "
                              "AND row_id = :d UNION ALL SELECT value_json FROM sync_shadow "
                              "WHERE table_name = 'document' AND row_id = :d"),
                         {"d": doc_id}).all()
    return [str(r[0]) for r in rows]


def test_a_deleted_document_entry_keeps_no_link_to_the_person(ws: Workspace) -> None:
    cid = _client(ws, "Edith", "Crawley", OLD)
    with ws.db.write(ws.actor) as w:
        doc = log_document(w, "referral_slip", fmt="large_print", pages=1, client_id=cid)
    assert any(cid in t for t in _traces(ws, doc))  # (the test can see a link)
    report = run_retention(ws, date(datetime.now(UTC).year + 7, 1, 1))
    assert report.count("documents_log") == 1
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM document")).scalar_one() == 0
    traces = _traces(ws, doc)
    assert traces, "the delete still travels (the change log keeps the row's entries)"
    assert not any(cid in t or ws.actor.user_id in t for t in traces), traces


def test_an_entry_deleted_at_another_site_is_blanked_here_too(ws: Workspace) -> None:
    """Another site's retention deleted the entry; the delete brings its values into this
    site's tombstone, and this site's next run blanks the links there."""
    from tests.sync.test_sync_merge import SITE_B, apply, delete

    cid = _client(ws, "Edith", "Crawley", OLD)
    with ws.db.write(ws.actor) as w:
        doc = log_document(w, "referral_slip", fmt="standard", pages=1, client_id=cid)
    apply(ws, [delete("document", doc, 10, SITE_B)])
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM document")).scalar_one() == 0
        kept = s.execute(text("SELECT value_json FROM sync_shadow WHERE table_name = "
                              "'document' AND row_id = :d AND field = 'client_id'"),
                         {"d": doc}).scalar_one()
    assert cid in kept  # (the tombstone holds the link until retention runs)
    report = run_retention(ws, date(2025, 6, 1))  # nothing of this site's is due
    assert report.count("documents_log") == 0
    with ws.db.read() as s:
        shadow = dict(s.execute(text("SELECT field, value_json FROM sync_shadow WHERE "
                                     "table_name = 'document' AND row_id = :d"),
                                {"d": doc}).all())
    assert shadow["client_id"] == "null" and shadow["user_id"] == "null"
    assert shadow["kind"] == '"referral_slip"'  # what identifies nobody stays
    # The entry was printed here: this site's change log kept its values too.
    assert not any(cid in t or ws.actor.user_id in t for t in _traces(ws, doc))
