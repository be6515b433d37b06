"""Small-number suppression for figures shared outside the organisation (DP-20).

Primary: a count of 1 to 4 is shown as "<5". Secondary: more cells are hidden ("*") until
no hidden count can be worked out from the totals: for each count that still can be, the
smallest sum it is in gets its smallest shown row hidden too (or its total, or, when nothing
in it is left to hide, all its rows are withheld). Figures are linked by sums (the rows of
a table add up to its total, referrals by service add up to their organisation's row, and
several tables share the enquiries total), so the check is an attacker who knows every sum:
it narrows each hidden cell to the values the shown numbers still allow (interval bounds
propagated through every sum, repeatedly) and reports any hidden count narrowed to one
value. Suppression adds a hidden cell next to each such count and checks again.

What a reader knows about a hidden cell, and so what the attacker assumes:

- "<5" (primary): between 1 and 4.
- "*" (secondary): hidden to protect another count; it is never zero, so at least 5.
- withheld: every row of a table hidden when no other cell can protect it; any value.

*Insiders* are readers who know part of the figures exactly: an organisation reading the
network figures knows its own counts, a site reading its organisation's knows its own. For
each insider the same rules apply to what the others contributed (the network total less
the insider's own): a contribution of 1 to 4 is hidden too, and no hidden contribution of
others may be narrowed to one value. A narrowed zero is not a disclosure (it says nothing
about anyone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

PRIMARY = "primary"  # shown as "<5"
SECONDARY = "secondary"  # shown as "*"
WITHHELD = "withheld"  # shown as "*", the whole table's rows hidden
SMALL = range(1, 5)
INF = 10**12  # "no upper bound" (larger than any real count, safe to add up)
MAX_ROUNDS = 60


@dataclass(frozen=True)
class Group:
    """``total`` equals the sum of ``members`` (the rows of a table and its total row)."""

    total: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Suppression:
    hidden: Mapping[str, str] = field(default_factory=dict)  # cell -> PRIMARY/SECONDARY/...

    @property
    def applied(self) -> bool:
        return bool(self.hidden)

    def shows(self, cell: str) -> bool:
        return cell not in self.hidden

    def mark(self, cell: str) -> str | None:
        """"<5", "*" or None (shown)."""
        state = self.hidden.get(cell)
        if state is None:
            return None
        return "<5" if state == PRIMARY else "*"


NOTHING_HIDDEN = Suppression()


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
        else:
            lo[c], hi[c] = 0, INF
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
             insiders: Sequence[Mapping[str, int]] = ()) -> Suppression:
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
                return Suppression(dict(hidden))
    return Suppression(dict(hidden))


def _protect(values: Mapping[str, int], hidden: dict[str, str],
             groups: list[Group], touched: set[int], withheld: set[int]) -> bool:
    """Hide one more cell in the smallest of ``groups`` (the sums a disclosed cell is in)
    that can still take one: its
    smallest shown non-zero row, else its total, else withhold its rows. Small sums first,
    so a count is protected by its neighbours rather than by hiding a grand total."""
    if any(id(g) in touched for g in groups):
        return True  # already widened this round; check again before adding more
    for g in sorted(groups, key=lambda g: (len(g.members), g.total)):
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
