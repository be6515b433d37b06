"""The one write path: a failure anywhere in a unit of work leaves none of the row, its
change-log entries or its audit events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from csn_desk.enquiries import save_enquiry
from csn_desk.ids import new_id
from csn_desk.store.audit_chain import AuditAppender, verify_chain
from csn_desk.store.models import (
    AuditEvent,
    CellClock,
    ChangeLog,
    Client,
    Consent,
    Enquiry,
    EnquiryNeed,
    HlcState,
)
from csn_desk.workspace import Workspace
from tests.store.storekit import draft


def _snapshot(ws: Workspace) -> dict[str, object]:
    with ws.db.read() as s:
        def count(model: type) -> int:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())

        return {"enquiry": count(Enquiry), "need": count(EnquiryNeed), "client": count(Client),
                "consent": count(Consent), "change_log": count(ChangeLog),
                "cell_clock": count(CellClock), "audit": count(AuditEvent),
                "hlc": s.execute(select(HlcState.wall_ms, HlcState.counter)).all()}


class Boom(RuntimeError):
    pass


def test_audit_failure_after_row_and_change_log_leaves_nothing(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(ws)
    seen: dict[str, int] = {}
    original = AuditAppender.append

    def failing_append(self: AuditAppender, action: str, **kw: object) -> None:
        if action == "create:enquiry":
            # Prove the row and its change log really were written in this transaction.
            s = self.session
            seen["rows"] = len(s.execute(select(Enquiry.id)).all())
            seen["log"] = len(s.execute(select(ChangeLog.seq).where(
                ChangeLog.table_name == "enquiry")).all())
            raise Boom("audit store failed")
        original(self, action, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(AuditAppender, "append", failing_append)
    d = draft("this must not survive")
    with pytest.raises(Boom):
        save_enquiry(ws, d)
    assert seen["rows"] == before["enquiry"] + 1 and seen["log"] > 0
    monkeypatch.undo()

    assert _snapshot(ws) == before
    with ws.db.read() as s:
        assert s.get(Enquiry, d.id) is None
        assert s.execute(select(ChangeLog).where(ChangeLog.row_id == d.id)).all() == []
        assert s.execute(select(CellClock).where(CellClock.row_id == d.id)).all() == []
        assert s.execute(select(AuditEvent).where(AuditEvent.entity_id == d.id)).all() == []
        assert verify_chain(s).ok
    # And the same draft saves normally afterwards, with all three parts.
    save_enquiry(ws, d)
    with ws.db.read() as s:
        assert s.get(Enquiry, d.id) is not None
        assert s.execute(select(ChangeLog).where(ChangeLog.row_id == d.id)).all() != []
        assert s.execute(select(AuditEvent).where(AuditEvent.entity_id == d.id)).all() != []


def test_constraint_violation_in_second_row_leaves_first_row_out(ws: Workspace) -> None:
    before = _snapshot(ws)
    client_id = new_id()
    with pytest.raises(IntegrityError), ws.db.write(ws.actor) as w:
        w.create(Client(id=client_id, organisation_id=ws.organisation_id, given_name="Ada",
                        family_name="Thistlewood"))
        # Foreign keys are enforced: a consent for a client that does not exist fails.
        w.create(Consent(client_id=new_id(), purpose="keep_record", method="in_person"))
    assert _snapshot(ws) == before
    with ws.db.read() as s:
        assert s.get(Client, client_id) is None
        assert s.execute(select(ChangeLog).where(ChangeLog.row_id == client_id)).all() == []


def test_error_raised_by_caller_mid_unit_rolls_back(ws: Workspace) -> None:
    before = _snapshot(ws)
    with pytest.raises(Boom), ws.db.write(ws.actor) as w:
        w.create(Client(organisation_id=ws.organisation_id, given_name="Ada",
                        family_name="Thistlewood"))
        w.event("view:client", entity="client")
        raise Boom("the form was cancelled half way")
    assert _snapshot(ws) == before


def test_successful_unit_writes_row_log_and_audit_together(ws: Workspace) -> None:
    before = _snapshot(ws)
    eid = save_enquiry(ws, draft("kept"))
    after = _snapshot(ws)
    assert after["enquiry"] == before["enquiry"] + 1  # type: ignore[operator]
    assert after["need"] == before["need"] + 1  # type: ignore[operator]
    with ws.db.read() as s:
        fields = {r[0] for r in s.execute(select(ChangeLog.field)
                                          .where(ChangeLog.row_id == eid)).all()}
        assert {"notes", "channel", "site_id"} <= fields
        stamps = {r[0] for r in s.execute(select(ChangeLog.site_id)
                                          .where(ChangeLog.row_id == eid)).all()}
        assert stamps == {ws.site_id}
        actions = [r[0] for r in s.execute(select(AuditEvent.action)
                                           .where(AuditEvent.entity_id == eid)).all()]
        assert actions == ["create:enquiry"]
