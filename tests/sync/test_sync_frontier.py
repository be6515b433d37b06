"""The frontier (per site, the highest seq with every seq before it recorded) is counted in
SQL; it must agree with the plain definition for any set of recorded seqs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from csn_desk.sync.acks import frontier
from csn_desk.workspace import Workspace


def by_definition(seqs: dict[str, set[int]]) -> dict[str, int]:
    out = {}
    for site, got in seqs.items():
        top = 0
        while top + 1 in got:
            top += 1
        if top and min(got) >= 1:
            out[site] = top
    return out


SITES = st.sampled_from(["site-a", "site-b", "site-c"])
SEQS = st.dictionaries(SITES, st.sets(st.integers(min_value=-2, max_value=12), min_size=1),
                       max_size=3)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seqs=SEQS)
def test_frontier_matches_its_definition(ws: Workspace, seqs: dict[str, set[int]]) -> None:
    with ws.db.write(ws.actor) as w:
        w.session.execute(text("DELETE FROM sync_segment"))
        for site, got in seqs.items():
            for seq in got:
                w.session.execute(text(
                    "INSERT INTO sync_segment (site_id, seq, hash, prev_hash, scope, epoch, "
                    "size, ops, state, install, recorded_at) VALUES (:site, :seq, '', '', "
                    "'network', 1, 0, 0, 'applied', '', '2026-11-26 00:00:00')"),
                    {"site": site, "seq": seq})
    with ws.db.read() as s:
        assert frontier(s) == by_definition(seqs)
