"""The hybrid logical clock never runs backwards, locally or after hearing from another site."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from csn_desk.store.hlc import advance, format_hlc, observe, parse_hlc
from csn_desk.store.models import HlcState
from csn_desk.workspace import Workspace


@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=50))
def test_local_stamps_strictly_increase_even_when_the_wall_clock_jumps_back(
        walls: list[int]) -> None:
    state = HlcState(site_id="s", wall_ms=0, counter=0)
    stamps = [advance(state, now_ms=w) for w in walls]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(parse_hlc(s)[0] >= w for s, w in zip(stamps, walls, strict=True))


def test_observe_moves_past_a_remote_stamp(ws: Workspace) -> None:
    remote = format_hlc(9_000_000_000_000, 5)  # another site's clock is far ahead
    with ws.db.write(ws.actor) as w:
        seen = observe(w.session, ws.site_id, remote, now_ms=1_000)
        assert seen > remote
        state = w.session.get(HlcState, ws.site_id)
        assert state is not None
        assert advance(state, now_ms=1_000) > seen
    # A remote stamp behind the local clock still advances the counter.
    with ws.db.write(ws.actor) as w:
        again = observe(w.session, ws.site_id, format_hlc(5, 0), now_ms=1_000)
        assert again > seen
