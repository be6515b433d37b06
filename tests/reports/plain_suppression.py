"""The plain small-number suppression, as it was before it was made fast for large tables
(csn_desk/reports/suppression.py as of commit 975f8e1): every check works the
bounds out again from the start, over every sum. Kept as the reference the fast one must
match decision for decision (test_suppression_large.py); far too slow for a real report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from csn_desk.reports.suppression import INF, PRIMARY, SECONDARY, SMALL, WITHHELD, Group

MAX_ROUNDS = 60


def _cells(values: Mapping[str, int], groups: Sequence[Group]) -> list[str]:
    cells = dict.fromkeys(values)
    for g in groups:
        cells[g.total] = None
        cells.update(dict.fromkeys(g.members))
    return list(cells)


def bounds(values: Mapping[str, int], hidden: Mapping[str, str], cells: Iterable[str],
           offsets: Mapping[str, int] | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """What a reader knows of each cell before using the sums: (lowest, highest) of the
    part not their own (the whole value for an outsider)."""
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    own = offsets or {}
    for c in cells:
        a = own.get(c, 0)
        state = hidden.get(c)
        if state is None:
            lo[c] = hi[c] = values.get(c, 0) - a
        elif state == PRIMARY:
            lo[c], hi[c] = max(0, 1 - a), 4 - a
        elif state == SECONDARY:
            lo[c], hi[c] = max(0, 5 - a), INF
        else:  # withheld: anything, but a nought is taken as known (see the module notes)
            lo[c], hi[c] = 0, (INF if values.get(c, 0) else 0)
    return lo, hi


def propagate(groups: Sequence[Group], lo: dict[str, int], hi: dict[str, int]) -> None:
    """Narrow the bounds through every sum until nothing changes (in place). A sum is looked
    at again only when one of its cells was narrowed."""
    containing: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        for c in (g.total, *g.members):
            containing.setdefault(c, []).append(i)
    queue = list(range(len(groups)))
    queued = set(queue)
    budget = MAX_ROUNDS * max(1, len(groups))
    while queue and budget > 0:
        budget -= 1
        i = queue.pop()
        queued.discard(i)
        g = groups[i]
        changed: list[str] = []
        sum_lo = sum(lo[m] for m in g.members)
        sum_hi = sum(min(hi[m], INF) for m in g.members)
        t = g.total
        new_lo, new_hi = max(lo[t], sum_lo), min(hi[t], sum_hi)
        if (new_lo, new_hi) != (lo[t], hi[t]):
            lo[t], hi[t] = new_lo, new_hi
            changed.append(t)
        t_lo, t_hi = lo[t], hi[t]
        for m in g.members:
            m_lo = max(lo[m], t_lo - (sum_hi - min(hi[m], INF)))
            m_hi = min(hi[m], t_hi - (sum_lo - lo[m]))
            if (m_lo, m_hi) != (lo[m], hi[m]):
                sum_lo += m_lo - lo[m]
                sum_hi += min(m_hi, INF) - min(hi[m], INF)
                lo[m], hi[m] = m_lo, m_hi
                changed.append(m)
        for c in changed:
            for j in containing[c]:
                if j not in queued:
                    queued.add(j)
                    queue.append(j)


def disclosed(values: Mapping[str, int], hidden: Mapping[str, str], groups: Sequence[Group],
              insiders: Sequence[Mapping[str, int]] = ()) -> list[str]:
    """Hidden cells some reader can narrow to a single value of 1 or more, in the order
    the cells first appear."""
    cells = _cells(values, groups)
    found: dict[str, None] = {}
    for offsets in [{}, *insiders]:
        lo, hi = bounds(values, hidden, cells, offsets)
        propagate(groups, lo, hi)
        for c in cells:
            if c in hidden and lo[c] == hi[c] and lo[c] >= 1 and hi[c] < INF // 2:
                found[c] = None
    return [c for c in cells if c in found]


def suppress(values: Mapping[str, int], groups: Sequence[Group],
             insiders: Sequence[Mapping[str, int]] = ()) -> dict[str, str]:
    """Which cells to hide so that no count of 1-4 is shown and none hidden can be worked
    out from the others (see the module notes)."""
    cells = _cells(values, groups)
    hidden: dict[str, str] = {c: PRIMARY for c in cells if values.get(c, 0) in SMALL}
    for offsets in insiders:
        for c in cells:
            if c not in hidden and values.get(c, 0) - offsets.get(c, 0) in SMALL:
                hidden[c] = SECONDARY
    containing: dict[str, list[Group]] = {}
    for g in groups:
        for c in (g.total, *g.members):
            containing.setdefault(c, []).append(g)
    withheld: set[int] = set()
    for _ in range(len(cells) + len(groups) + 1):
        pinned = disclosed(values, hidden, groups, insiders)
        if not pinned:
            break
        touched: set[int] = set()
        for cell in pinned:
            if not _protect(values, hidden, containing.get(cell, []), touched, withheld):
                # Nothing left to hide beside it: hide every row of every table.
                for g in groups:
                    _withhold(g, hidden)
                return dict(hidden)
    return dict(hidden)


def _protect(values: Mapping[str, int], hidden: dict[str, str],
             groups: list[Group], touched: set[int], withheld: set[int]) -> bool:
    """Hide one more cell in the smallest of ``groups`` (the sums a disclosed cell is in)
    that can still take one: its
    smallest shown non-zero row, else its total, else withhold its rows. Small sums first,
    so a count is protected by its neighbours rather than by hiding a grand total."""
    if any(id(g) in touched for g in groups):
        return True  # already widened this round; check again before adding more
    for g in sorted(groups, key=lambda g: (sum(1 for m in g.members if values.get(m, 0)),
                                           g.total)):
        rows = sorted((values.get(m, 0), m) for m in g.members
                      if m not in hidden and values.get(m, 0) > 0)
        if rows:
            hidden[rows[0][1]] = SECONDARY
        elif g.total not in hidden and values.get(g.total, 0) > 0:
            hidden[g.total] = SECONDARY
        elif id(g) not in withheld:
            _withhold(g, hidden)
            withheld.add(id(g))
        else:
            continue
        touched.add(id(g))
        return True
    return False


def _withhold(g: Group, hidden: dict[str, str]) -> None:
    for m in g.members:
        hidden[m] = WITHHELD
