"""tallies: network tally snapshots and monthly tallies kept current by triggers

Revision ID: 0006
Revises: 0007 (see the note below)
Create Date: 2026-11-26

- ``tally_snapshot`` (network scope): each site's anonymous monthly counts, so network
  figures are built without any personal record leaving its organisation.
- ``tally_month`` (local, derived, never synced): for each organisation, UK calendar month
  and site, every count a monthly report is made of ("channel:phone" -> 12, ...; see
  ``csn_desk/reports/figures.py``). Triggers on enquiry, enquiry_need, referral and
  referral_event keep it true on every write, by any writer (the app, the demo loader, a sync
  import), the way ``referral_state`` is kept (0003). A month's figures are then a read of a
  few thousand rows, however many enquiries there are, instead of a count over all of them.
- ``tally_client_month`` (local, derived): which clients made an enquiry at which site in
  which month, and whether it was their first month ever (new or returning clients).

A month is the UK month of the enquiry's ``received_at`` (stored in UTC: in summer an hour
is added; British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC
on the last Sunday of October). Referral outcomes count in the month of the enquiry and
follow the referral's latest status event; follow-ups count in the month of their
follow-up date. Every rule here mirrors ``csn_desk/reports/counting.py`` (which counts any
date range straight from the records); a test compares both with an independent count.

Note on order: this revision was planned to follow 0005; 0007 (sync) was written to follow
0005 as well, so this one follows 0007 to keep a single head. Nothing here depends on 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString

INDEXES = {
    "ix_enquiry_need_tally": ("enquiry_need", ["enquiry_id", "need_code", "outcome",
                                               "unmet_reason"]),
    "ix_enquiry_client_received": ("enquiry", ["client_id", "received_at"]),
    "ix_referral_tally": ("referral", ["enquiry_id", "id", "service_id", "created_at"]),
    "ix_referral_event_tally": ("referral_event", ["referral_id", "at", "id", "status"]),
    "ix_tally_client_month_client": ("tally_client_month", ["client_id", "month"]),
}
FINAL_GROUPS = "('started', 'waiting_list', 'declined', 'not_eligible', 'no_response', 'closed')"


# -- SQL pieces ---------------------------------------------------------------------------
def N(x: str) -> str:  # noqa: N802 - a code, or 'none' when nothing was recorded
    return f"coalesce(nullif({x}, ''), 'none')"


def UKM(ts: str) -> str:  # noqa: N802 - the UK month of a stored UTC time
    year = f"substr({ts}, 1, 4)"
    return (f"substr(CASE WHEN {ts} >= date({year} || '-03-25', 'weekday 0') || ' 01:00:00' "
            f"AND {ts} < date({year} || '-10-25', 'weekday 0') || ' 01:00:00' "
            f"THEN datetime({ts}, '+1 hour') ELSE {ts} END, 1, 7)")


def GROUP(status: str) -> str:  # noqa: N802 - made and contacted are still open
    return f"CASE WHEN {status} IN {FINAL_GROUPS} THEN {status} ELSE 'open' END"


def DAYS(later: str, earlier: str) -> str:  # noqa: N802
    return f"max(0, CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER))"


def FSTATE(first: str, due: str) -> str:  # noqa: N802
    return (f"CASE WHEN {first} IS NULL THEN 'not_done' WHEN date({first}) <= {due} "
            f"THEN 'on_time' ELSE 'late' END")


def _upsert(selects: list[str]) -> str:
    """Add the (organisation, site, month, key, n) rows of ``selects`` to tally_month."""
    union = "\n            UNION ALL ".join(selects)
    return f"""
        INSERT INTO tally_month (organisation_id, site_id, month, key, n)
        SELECT o, s, m, k, d FROM ({union}) WHERE o IS NOT NULL AND d != 0
        ON CONFLICT (organisation_id, month, site_id, key) DO UPDATE SET n = n + excluded.n;"""


def _rows(where: tuple[str, str, str], keys: list[tuple[str, str]], tail: str, sign: int
          ) -> list[str]:
    """One SELECT per key: (org, site, month, key expression, count expression * sign)."""
    o, s, m = where
    out = []
    for i, (k, d) in enumerate(keys):
        names = " AS o, {s} AS s, {m} AS m, {k} AS k, ({d}) * {sign} AS d" if i == 0 else \
            ", {s}, {m}, {k}, ({d}) * {sign}"
        out.append("SELECT " + o + names.format(s=s, m=m, k=k, d=d, sign=sign) + f" {tail}")
    return out


# -- what each record contributes --------------------------------------------------------
def enquiry_keys(e: str) -> list[tuple[str, str]]:
    return [("'enquiries'", "1"),
            (f"'channel:' || {N(e + '.channel')}", "1"),
            (f"'enquirer:' || {N(e + '.enquirer_type')}", "1"),
            (f"'age_band:' || {N(e + '.age_band')}", "1"),
            (f"'district:' || {N(e + '.postcode_district')}", "1"),
            (f"'route:' || {N(e + '.route')}", "1"),
            ("'time:minutes'", f"coalesce({e}.time_spent_minutes, 0)"),
            ("'time:recorded'", f"{e}.time_spent_minutes IS NOT NULL"),
            (f"CASE WHEN {e}.client_id IS NULL THEN 'enquiries:anonymous' "
             f"ELSE 'enquiries:with_client' END", "1")]


def need_keys(n: str) -> list[tuple[str, str]]:
    return [("'needs'", "1"), (f"'need:' || {N(n + '.need_code')}", "1"),
            (f"'need_outcome:' || {N(n + '.outcome')}", "1"),
            (f"'unmet_reason:' || {N(n + '.unmet_reason')}",
             f"{n}.outcome IN ('unmet', 'partly_met')")]


def events_of(rid: str) -> str:
    return f"(SELECT status, at, id FROM referral_event WHERE referral_id = {rid})"


def from_events(events: str) -> tuple[str, str, str]:
    """(latest status, its time, first follow-up time) of a set of events: the latest by
    time then id, as referral_state (0003) decides; the first follow-up is the earliest
    event other than "made"."""
    return (f"(SELECT status FROM {events} ORDER BY at DESC, id DESC LIMIT 1)",
            f"(SELECT at FROM {events} ORDER BY at DESC, id DESC LIMIT 1)",
            f"(SELECT min(at) FROM {events} WHERE status != 'made')")


def referral_keys(r: str, state: tuple[str, str, str], full: bool
                  ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(keys counted in the enquiry's month, keys counted in the follow-up's month). With
    ``full`` False, only the keys that depend on the referral's events."""
    latest, latest_at, first = state
    enquiry_month = [(f"'ref_outcome:' || {GROUP(latest)}", "1"),
                     (f"'started_days:' || {DAYS(latest_at, r + '.created_at')}",
                      f"coalesce({latest} = 'started', 0)")]
    due = f"{r}.follow_up_due IS NOT NULL"
    due_month = [(f"'followup:' || {FSTATE(first, r + '.follow_up_due')}", due)]
    if full:
        enquiry_month = [("'referrals'", "1"),
                         (f"'ref_service:' || coalesce({r}.service_id, 'external')", "1"),
                         *enquiry_month]
        due_month = [("'followups_due'", due), *due_month]
    return enquiry_month, due_month


def _referral_rows(r: str, e: str, events: str | tuple[str, str, str], full: bool, sign: int,
                   tail: str) -> list[str]:
    state = from_events(events) if isinstance(events, str) else events
    at_enquiry, at_due = referral_keys(r, state, full)
    return (_rows((f"{e}.organisation_id", f"{e}.site_id", UKM(f"{e}.received_at")),
                  at_enquiry, tail, sign)
            + _rows((f"{e}.organisation_id", f"{e}.site_id", f"substr({r}.follow_up_due, 1, 7)"),
                    at_due, tail, sign))


def _client(row: str, sign: int) -> str:
    return f"""
        INSERT INTO tally_client_month (organisation_id, month, site_id, client_id, n, is_first)
        SELECT {row}.organisation_id, {UKM(row + '.received_at')}, {row}.site_id,
               {row}.client_id, {sign}, 0 WHERE {row}.client_id IS NOT NULL
        ON CONFLICT (organisation_id, month, site_id, client_id)
        DO UPDATE SET n = n + excluded.n;
        DELETE FROM tally_client_month WHERE client_id = {row}.client_id AND n <= 0;
        UPDATE tally_client_month SET is_first = (month = (
            SELECT min(month) FROM tally_client_month WHERE client_id = {row}.client_id))
        WHERE client_id = {row}.client_id;"""


# -- triggers -----------------------------------------------------------------------------
def _enquiry_own(row: str, sign: int) -> str:
    where = (f"{row}.organisation_id", f"{row}.site_id", UKM(f"{row}.received_at"))
    return _upsert(_rows(where, enquiry_keys(row), "", sign)) + _client(row, sign)


def _enquiry_children(row: str, sign: int) -> str:
    """Move the needs and referrals of an enquiry with it (a changed month, site or
    organisation)."""
    where = (f"{row}.organisation_id", f"{row}.site_id", UKM(f"{row}.received_at"))
    needs = _rows(where, need_keys("n"), f"FROM enquiry_need n WHERE n.enquiry_id = {row}.id",
                  sign)
    refs = _referral_rows("r", row, events_of("r.id"), True, sign,
                          f"FROM referral r WHERE r.enquiry_id = {row}.id")
    return _upsert(needs) + _upsert(refs)


def _need(row: str, sign: int) -> str:
    where = ("e.organisation_id", "e.site_id", UKM("e.received_at"))
    return _upsert(_rows(where, need_keys(row), f"FROM enquiry e WHERE e.id = {row}.enquiry_id",
                         sign))


def _referral(row: str, sign: int) -> str:
    return _upsert(_referral_rows(row, "e", events_of(f"{row}.id"), True, sign,
                                  f"FROM enquiry e WHERE e.id = {row}.enquiry_id"))


def _event_change(rid: str, before: str, after: str) -> str:
    """A referral's events changed from the set ``before`` to ``after``: move the counts
    that depend on them (outcome, days to start, follow-up)."""
    tail = f"FROM referral r JOIN enquiry e ON e.id = r.enquiry_id WHERE r.id = {rid}"
    return (_upsert(_referral_rows("r", "e", before, False, -1, tail))
            + _upsert(_referral_rows("r", "e", after, False, 1, tail)))


EVENT_COLUMNS = "SELECT status, at, id FROM referral_event"


def _triggers() -> dict[str, str]:
    t: dict[str, str] = {}
    moved = ("OLD.organisation_id IS NOT NEW.organisation_id OR OLD.site_id IS NOT NEW.site_id "
             f"OR {UKM('OLD.received_at')} IS NOT {UKM('NEW.received_at')}")
    t["tally_enquiry_insert"] = f"AFTER INSERT ON enquiry BEGIN {_enquiry_own('NEW', 1)} END"
    t["tally_enquiry_delete"] = f"AFTER DELETE ON enquiry BEGIN {_enquiry_own('OLD', -1)} END"
    t["tally_enquiry_update"] = (
        "AFTER UPDATE OF received_at, organisation_id, site_id, channel, enquirer_type, "
        "age_band, postcode_district, route, time_spent_minutes, client_id ON enquiry BEGIN "
        f"{_enquiry_own('OLD', -1)} {_enquiry_own('NEW', 1)} END")
    t["tally_enquiry_move"] = (
        "AFTER UPDATE OF received_at, organisation_id, site_id ON enquiry "
        f"WHEN {moved} BEGIN {_enquiry_children('OLD', -1)} {_enquiry_children('NEW', 1)} END")
    t["tally_need_insert"] = f"AFTER INSERT ON enquiry_need BEGIN {_need('NEW', 1)} END"
    t["tally_need_delete"] = f"AFTER DELETE ON enquiry_need BEGIN {_need('OLD', -1)} END"
    t["tally_need_update"] = (f"AFTER UPDATE ON enquiry_need BEGIN {_need('OLD', -1)} "
                              f"{_need('NEW', 1)} END")
    t["tally_referral_insert"] = f"AFTER INSERT ON referral BEGIN {_referral('NEW', 1)} END"
    t["tally_referral_delete"] = f"AFTER DELETE ON referral BEGIN {_referral('OLD', -1)} END"
    t["tally_referral_update"] = (f"AFTER UPDATE ON referral BEGIN {_referral('OLD', -1)} "
                                  f"{_referral('NEW', 1)} END")
    t["tally_event_insert"] = (
        "AFTER INSERT ON referral_event BEGIN " + _event_change(
            "NEW.referral_id",
            f"({EVENT_COLUMNS} WHERE referral_id = NEW.referral_id AND id != NEW.id)",
            events_of("NEW.referral_id")) + " END")
    t["tally_event_delete"] = (
        "AFTER DELETE ON referral_event BEGIN " + _event_change(
            "OLD.referral_id",
            f"({EVENT_COLUMNS} WHERE referral_id = OLD.referral_id "
            "UNION ALL SELECT OLD.status, OLD.at, OLD.id)",
            events_of("OLD.referral_id")) + " END")
    t["tally_event_update"] = (
        "AFTER UPDATE ON referral_event BEGIN " + _event_change(
            "OLD.referral_id",
            f"({EVENT_COLUMNS} WHERE referral_id = OLD.referral_id AND id != NEW.id "
            "UNION ALL SELECT OLD.status, OLD.at, OLD.id)",
            f"({EVENT_COLUMNS} WHERE referral_id = OLD.referral_id AND id != NEW.id)")
        + _event_change(
            "NEW.referral_id",
            f"({EVENT_COLUMNS} WHERE referral_id = NEW.referral_id AND id != NEW.id)",
            events_of("NEW.referral_id")) + " END")
    return {name: f"CREATE TRIGGER {name} {body}" for name, body in t.items()}


TRIGGERS = _triggers()


def _backfill() -> list[str]:
    """Counts for the records already there, by the same rules as the triggers. Each source
    is read once into a temporary table (the key SELECTs then scan that, not the records
    again); the latest status of each referral is taken from referral_state (0003: the same
    rule as the triggers)."""
    ukm = UKM("received_at")
    sources = {
        "e": (f"SELECT *, {ukm} AS uk_month FROM enquiry",
              enquiry_keys("e"), "FROM e"),
        "n": ("SELECT n.need_code, n.outcome, n.unmet_reason, e.organisation_id, e.site_id, "
              f"{UKM('e.received_at')} AS uk_month FROM enquiry_need n "
              "JOIN enquiry e ON e.id = n.enquiry_id", need_keys("n"), "FROM n"),
    }
    out = []
    for alias, (source, keys, tail) in sources.items():
        selects = _rows((f"{alias}.organisation_id", f"{alias}.site_id", f"{alias}.uk_month"),
                        keys, tail, 1)
        out.append(_grouped(alias, source, selects))
    first = from_events(events_of("r.id"))[2]
    source = ("SELECT r.service_id, r.created_at, r.follow_up_due, e.organisation_id, "
              f"e.site_id, {UKM('e.received_at')} AS uk_month, st.status, st.status_at, "
              f"{first} AS first_at FROM referral r JOIN enquiry e ON e.id = r.enquiry_id "
              "LEFT JOIN referral_state st ON st.referral_id = r.id")
    at_enquiry, at_due = referral_keys("rs", ("rs.status", "rs.status_at", "rs.first_at"), True)
    selects = (_rows(("rs.organisation_id", "rs.site_id", "rs.uk_month"), at_enquiry, "FROM rs", 1)
               + _rows(("rs.organisation_id", "rs.site_id", "substr(rs.follow_up_due, 1, 7)"),
                       at_due, "FROM rs", 1))
    out.append(_grouped("rs", source, selects))
    out += [f"""
        INSERT INTO tally_client_month (organisation_id, month, site_id, client_id, n, is_first)
        SELECT organisation_id, m, site_id, client_id, count(*), 0 FROM (
            SELECT organisation_id, {ukm} AS m, site_id, client_id
            FROM enquiry WHERE client_id IS NOT NULL)
        GROUP BY organisation_id, m, site_id, client_id""",
            """
        UPDATE tally_client_month SET is_first = (month = (
            SELECT min(p.month) FROM tally_client_month p
            WHERE p.client_id = tally_client_month.client_id))"""]
    return out


def _grouped(alias: str, source: str, selects: list[str]) -> str:
    union = " UNION ALL ".join(selects)
    return f"""
        WITH {alias} AS MATERIALIZED ({source})
        INSERT INTO tally_month (organisation_id, site_id, month, key, n)
        SELECT o, s, m, k, sum(d) FROM ({union}) WHERE o IS NOT NULL
        GROUP BY o, m, s, k HAVING sum(d) != 0
        ON CONFLICT (organisation_id, month, site_id, key) DO UPDATE SET n = n + excluded.n"""


def upgrade() -> None:
    op.create_table(
        "tally_snapshot",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("site_id", S(), nullable=False),
        sa.Column("organisation_id", S(), nullable=False),
        sa.Column("month", S(length=7), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("figures", S(), nullable=False),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tally_snapshot_month_site", "tally_snapshot", ["month", "site_id"])
    op.create_table(
        "tally_month",
        sa.Column("organisation_id", S(length=36), nullable=False),
        sa.Column("month", S(length=7), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("key", S(length=128), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "month", "site_id", "key"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tally_client_month",
        sa.Column("organisation_id", S(length=36), nullable=False),
        sa.Column("month", S(length=7), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("client_id", S(length=36), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "month", "site_id", "client_id"),
        sqlite_with_rowid=False,
    )
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    for sql in _backfill():
        op.execute(sql)
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
    op.drop_table("tally_client_month")
    op.drop_table("tally_month")
    op.drop_index("ix_tally_snapshot_month_site", table_name="tally_snapshot")
    op.drop_table("tally_snapshot")
