"""The hybrid logical clock never runs backwards, locally or after hearing from another site."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csn_desk.store import hlc
from csn_desk.store.hlc import advance, advance_many, format_hlc, observe, parse_hlc
from csn_desk.store.models import HlcState
from csn_desk.workspace import Workspace


@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=50))
def test_local_stamps_strictly_increase_even_when_the_wall_clock_jumps_back(
        walls: list[int]) -> None:
    state = HlcState(site_id="s", wall_ms=0, counter=0)
    stamps = [advance(state, now_ms=w) for w in walls]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(parse_hlc(s)[0] >= w for s, w in zip(stamps, walls, strict=True))


@pytest.mark.parametrize(("start", "walls"), [
    ((0, 0), [5, 5, 6, 6, 6, 9]),
    ((10, 9_998), [10, 10, 10, 10, 11]),  # the counter passes the looked-up texts
    ((50, 3), [40, 40, 41, 60, 60]),  # the wall clock behind the state, then ahead
    ((7, 1_000_000), [7, 7]),  # a counter wider than six digits
])
def test_many_stamps_are_the_ones_advance_makes_one_at_a_time(
        monkeypatch: pytest.MonkeyPatch, start: tuple[int, int], walls: list[int]) -> None:
    one = HlcState(site_id="s", wall_ms=start[0], counter=start[1])
    expected = [advance(one, now_ms=w) for w in walls]
    times = iter(w / 1000 for w in walls)
    monkeypatch.setattr(hlc.time, "time", lambda: next(times))
    many = HlcState(site_id="s", wall_ms=start[0], counter=start[1])
    assert advance_many(many, len(walls)) == expected
    assert (many.wall_ms, many.counter) == (one.wall_ms, one.counter)
    assert expected == [format_hlc(*parse_hlc(s)) for s in expected]


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
