"""Hybrid logical clock: wall-clock milliseconds plus a counter, persisted per site.

Timestamps are text ``"<ms:013d>-<counter:06d>"`` so they sort correctly as strings; ties
between sites are broken by site id in the merge rule."""

from __future__ import annotations

import time

from sqlmodel import Session

from csn_desk.store.models import HlcState


def format_hlc(wall_ms: int, counter: int) -> str:
    return f"{wall_ms:013d}-{counter:06d}"


def parse_hlc(text: str) -> tuple[int, int]:
    wall, _, counter = text.partition("-")
    return int(wall), int(counter)


def state_for(session: Session, site_id: str) -> HlcState:
    """This site's clock row, created on first use (one read per unit of work).

    Read without flushing the session first (every write asks for it, and a flush of the
    rows just made costs more than the read): the only pending change that could matter
    is this row itself, made earlier in the same unit of work, and that is looked for."""
    for pending in session.new:
        if isinstance(pending, HlcState) and pending.site_id == site_id:
            return pending
    with session.no_autoflush:
        state = session.get(HlcState, site_id)
    if state is None:
        state = HlcState(site_id=site_id, wall_ms=0, counter=0)
        session.add(state)
    return state


def advance(state: HlcState, now_ms: int | None = None) -> str:
    """The next timestamp for a local write; never goes backwards, even if the clock does."""
    wall = int(time.time() * 1000) if now_ms is None else now_ms
    if wall > state.wall_ms:
        state.wall_ms, state.counter = wall, 0
    else:
        state.counter += 1
    return format_hlc(state.wall_ms, state.counter)


def advance_many(state: HlcState, count: int) -> list[str]:
    """``count`` successive ``advance`` stamps (the clock read for each), setting the state
    once at the end. The same text as ``format_hlc``, made without formatting both numbers
    for each stamp (a bulk load takes ~160,000 at a time): the wall part is formatted once
    per millisecond and the counter looked up."""
    wall_ms, counter = state.wall_ms, state.counter
    out: list[str] = []
    append, clock, counters = out.append, time.time, _COUNTERS
    prefix = f"{wall_ms:013d}-"
    for _ in range(count):
        wall = int(clock() * 1000)
        if wall > wall_ms:
            wall_ms, counter = wall, 0
            prefix = f"{wall:013d}-"
        else:
            counter += 1
        append(prefix + counters[counter] if counter < _COUNTED else
               format_hlc(wall_ms, counter))
    if count:
        state.wall_ms, state.counter = wall_ms, counter
    return out


# The counter's text for the counts one millisecond usually holds (``advance_many``).
_COUNTED = 10_000
_COUNTERS = tuple(f"{i:06d}" for i in range(_COUNTED))


def observe(session: Session, site_id: str, remote: str, now_ms: int | None = None) -> str:
    """Advance the local clock past a timestamp received from another site."""
    wall = int(time.time() * 1000) if now_ms is None else now_ms
    r_wall, r_counter = parse_hlc(remote)
    state = state_for(session, site_id)
    new_wall = max(wall, state.wall_ms, r_wall)
    if new_wall == state.wall_ms == r_wall:
        state.counter = max(state.counter, r_counter) + 1
    elif new_wall == state.wall_ms:
        state.counter += 1
    elif new_wall == r_wall:
        state.counter = r_counter + 1
    else:
        state.counter = 0
    state.wall_ms = new_wall
    return format_hlc(state.wall_ms, state.counter)
