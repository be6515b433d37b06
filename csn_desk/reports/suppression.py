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
about anyone). An insider's own counts add up like any figures (they are the insider's part
of every sum), so what the others contributed keeps every sum too; an insider then knows
exactly what an outsider knows plus that each hidden count is at least their own part of
it, and their bounds are the outsider's narrowed from there.

Large tables (a network's month refers to tens of thousands of services, most counts 1-4)
are handled without re-checking everything after each change: each sum keeps the totals of
its members' bounds and a heap of its widest members, so looking at it again costs almost
nothing unless it narrows something; small sums are looked at before large ones; insiders
start from the outsider's bounds; and after the first round, only the cells found before
and those just hidden are looked at again (hiding more only widens what can be worked out,
so no other cell can become narrowed to one value), first with bounds never wider than the
true ones, to rule cells out, then with only the sums near a cell, to confirm it. The
decisions are the same as working every bound out again from the start each time
(tests/reports/plain_suppression.py, the version this one replaced, checks that).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

PRIMARY = "primary"  # shown as "<5"
SECONDARY = "secondary"  # shown as "*"
WITHHELD = "withheld"  # shown as "*", the whole table's rows hidden
SMALL = range(1, 5)
INF = 10**12  # "no upper bound" (larger than any real count, safe to add up)
_BUDGET = 60  # narrowing steps allowed per cell and membership before giving up safely
_NEAR = 200  # the largest sum looked at when checking one cell (``_confirmed``)


class Group(NamedTuple):
    """``total`` equals the sum of ``members`` (the rows of a table and its total row). A
    tuple: a large report has thousands (one per organisation referred to)."""

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


def _known(value: int, state: str | None) -> tuple[int, int]:
    """What anyone knows of a cell from how it is shown: (lowest, highest)."""
    if state is None:
        return value, value
    if state == PRIMARY:
        return 1, 4
    if state == SECONDARY:
        return 5, INF
    return 0, INF


class Sums:
    """The sums of a report's tables, by cell number: made once from the groups, then used
    for each of the report's columns and by every reader (``prepare``)."""

    def __init__(self, groups: Sequence[Group]) -> None:
        self.groups = list(groups)
        self.names = list(dict.fromkeys(
            c for g in self.groups for c in (g.total, *g.members)))
        index = {c: i for i, c in enumerate(self.names)}
        self.index = index
        self.totals = [index[g.total] for g in self.groups]
        self.members = [tuple(dict.fromkeys([index[m] for m in g.members]))
                        for g in self.groups]
        self.member_of: list[list[int]] = [[] for _ in self.names]
        self.total_of: list[list[int]] = [[] for _ in self.names]
        for gi, (t, ms) in enumerate(zip(self.totals, self.members, strict=True)):
            self.total_of[t].append(gi)
            for m in ms:
                self.member_of[m].append(gi)
        self.size_of = [len(ms) for ms in self.members]
        self.size = len(self.names) + sum(self.size_of) + 1

    def values_of(self, values: Mapping[str, int]) -> list[int]:
        return list(map(values.get, self.names, repeat(0)))


def prepare(groups: Sequence[Group]) -> Sums:
    """The groups made ready for ``suppress`` (to suppress several columns with the same
    sums without working them out again)."""
    return Sums(groups)


class _NoFixpoint(Exception):
    """The bounds did not settle within the budget (never seen; handled safely)."""


class _Bounds:
    """What one reader can work out about every cell: (lowest, highest), narrowed through
    every sum until nothing changes (the largest bounds every sum allows, whatever order
    the sums are looked at in).

    Kept cheap on large tables: each sum keeps the totals of its members' bounds, so it is
    looked at in constant time, and only a member wider than the sum's slack can be
    narrowed by it (a heap per sum gives its widest members)."""

    def __init__(self, sums: Sums, values: list[int]) -> None:
        self.s = sums
        self.values = values  # the whole of each cell
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.sum_lo: list[int] = []
        self.sum_hi: list[int] = []
        # A heap per sum of (-width, member); an entry may be older and wider than its
        # member now (renewed when it comes to the top).
        self.heaps: list[list[tuple[int, int]]] = []
        self.owned = bytearray()  # 1 where the heap is this reader's own (not shared)
        self.narrowed: set[int] = set()  # cells narrowed by a sum since the last start
        self.budget = 0
        self.queue: list[tuple[int, int]] = []  # sums to look at, smallest first
        self.queued: set[int] = set()

    @classmethod
    def outsider(cls, sums: Sums, values: list[int], hidden: Mapping[str, str]) -> _Bounds:
        b = cls(sums, values)
        lo = values[:]
        hi = values[:]
        index = sums.index
        if len(hidden) <= len(index):
            for name, state in hidden.items():
                i = index.get(name)
                if i is not None:
                    lo[i], hi[i] = _known(values[i], state)
        else:  # a few sums near one cell (``_confirmed``) of a report hiding thousands
            for name, i in index.items():
                found = hidden.get(name)
                if found is not None:
                    lo[i], hi[i] = _known(values[i], found)
        b.lo, b.hi = lo, hi
        b.sum_lo = [sum([lo[m] for m in ms]) for ms in sums.members]
        b.sum_hi = [sum([hi[m] for m in ms]) for ms in sums.members]
        for ms in sums.members:
            heap = [(lo[m] - hi[m], m) for m in ms if hi[m] > lo[m]]
            heapq.heapify(heap)
            b.heaps.append(heap)
        b.owned = bytearray(b"\x01") * len(b.heaps)
        b.settle(range(len(sums.totals)))
        return b

    def insider(self, own: Mapping[str, int], hidden: Mapping[str, str]) -> _Bounds:
        """An insider's bounds, from this outsider's: an insider knows every hidden cell
        is at least their own part of it, and nothing else an outsider does not (their
        own counts keep every sum, so what the others contributed keeps them too). So
        their bounds are the outsider's narrowed from those lowest values."""
        s = self.s
        b = _Bounds(s, self.values)
        b.lo, b.hi = self.lo[:], self.hi[:]
        b.sum_lo, b.sum_hi = self.sum_lo[:], self.sum_hi[:]
        b.heaps = self.heaps[:]
        b.owned = bytearray(len(b.heaps))
        index, member_of, total_of = s.index, s.member_of, s.total_of
        lo, hi, sum_lo, narrowed = b.lo, b.hi, b.sum_lo, b.narrowed
        start: set[int] = set()
        for name, a in own.items():
            c = index.get(name)
            if c is None or a <= lo[c] or name not in hidden:
                continue
            new = min(a, hi[c])  # (never more: their own part is never more than the whole)
            delta = new - lo[c]
            lo[c] = new
            narrowed.add(c)
            for g in member_of[c]:
                sum_lo[g] += delta
                start.add(g)
            start.update(total_of[c])
        b.settle(start)
        return b

    def relax(self, hidden: Mapping[str, str], cells: Iterable[int],
              own: Mapping[str, int] | None = None) -> set[int]:
        """Start ``cells`` again from what this reader knows of them (now that more may be
        hidden) and settle; the others keep their bounds. Returns the hidden cells then
        narrowed to one value (of 1 or more, for an insider: of the others' part)."""
        s = self.s
        names, values = s.names, self.values
        lo, hi, sum_lo, sum_hi, heaps = self.lo, self.hi, self.sum_lo, self.sum_hi, self.heaps
        owned, queue, queued, size = self.owned, self.queue, self.queued, s.size_of
        self.narrowed = set()
        cells = sorted(cells)
        for c in cells:
            name = names[c]
            new_lo, new_hi = _known(values[c], hidden.get(name))
            if own and name in hidden and own.get(name, 0) > new_lo:
                new_lo = min(own[name], new_hi)
            d_lo, d_hi = new_lo - lo[c], new_hi - hi[c]
            lo[c], hi[c] = new_lo, new_hi
            width = new_hi - new_lo
            for g in s.member_of[c]:
                sum_lo[g] += d_lo
                sum_hi[g] += d_hi
                if width > 0:
                    if not owned[g]:
                        heaps[g] = heaps[g][:]
                        owned[g] = 1
                    heapq.heappush(heaps[g], (-width, c))
                if g not in queued:
                    queued.add(g)
                    queue.append((size[g], g))
            for g in s.total_of[c]:
                if g not in queued:
                    queued.add(g)
                    queue.append((size[g], g))
        self.settle(())
        self.narrowed.update(cells)
        return self.pinned(hidden, own)

    def settle(self, start: Iterable[int]) -> None:
        """Narrow through the sums in ``start``, those queued, and every sum a narrowed cell
        is in, until none narrows anything. Smaller sums first: a large sum (every service
        of a report) then narrows its members once for many changes in the small ones,
        instead of a little after each."""
        s = self.s
        totals, size, member_of, total_of = s.totals, s.size_of, s.member_of, s.total_of
        lo, hi = self.lo, self.hi
        sum_lo, sum_hi, heaps, owned = self.sum_lo, self.sum_hi, self.heaps, self.owned
        queue, queued, narrowed = self.queue, self.queued, self.narrowed
        heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace
        budget = _BUDGET * s.size

        def narrow(c: int, new_lo: int, new_hi: int) -> None:
            nonlocal budget
            budget -= 1
            if budget < 0:
                raise _NoFixpoint
            d_lo, d_hi = new_lo - lo[c], new_hi - hi[c]
            lo[c], hi[c] = new_lo, new_hi
            narrowed.add(c)
            for g in member_of[c]:
                sum_lo[g] += d_lo
                sum_hi[g] += d_hi
                if g not in queued:
                    queued.add(g)
                    heappush(queue, (size[g], g))
            for g in total_of[c]:
                if g not in queued:
                    queued.add(g)
                    heappush(queue, (size[g], g))

        for g in start:
            if g not in queued:
                queued.add(g)
                queue.append((size[g], g))
        heapq.heapify(queue)
        while queue:
            g = heappop(queue)[1]
            queued.discard(g)
            t = totals[g]
            # The total is within the members' sum.
            t_lo, t_hi = lo[t], hi[t]
            if sum_lo[g] > t_lo or sum_hi[g] < t_hi:
                narrow(t, max(t_lo, sum_lo[g]), min(t_hi, sum_hi[g]))
                t_lo, t_hi = lo[t], hi[t]
            # Each member is the total less the others: that narrows only a member wider
            # than the sum's slack.
            heap = heaps[g]
            while heap:
                neg, m = heap[0]
                width = hi[m] - lo[m]
                if -neg == width and width <= sum_hi[g] - t_lo and width <= t_hi - sum_lo[g]:
                    break  # no member is wider than the slack
                if not owned[g]:  # about to change a heap shared with the outsider
                    heap = heaps[g] = heap[:]
                    owned[g] = 1
                if -neg != width:  # an older entry: renewed if the member has narrowed
                    if 0 < width < -neg:
                        heapreplace(heap, (-width, m))
                    else:  # no longer wider than nothing, or a newer entry is there
                        heappop(heap)
                    continue
                m_lo = max(lo[m], t_lo - (sum_hi[g] - hi[m]))
                m_hi = min(hi[m], t_hi - (sum_lo[g] - lo[m]))
                if m_hi > m_lo:
                    heapreplace(heap, (m_lo - m_hi, m))
                else:
                    heappop(heap)
                if m_lo != lo[m] or m_hi != hi[m]:  # always, for a member wider than the slack
                    narrow(m, m_lo, m_hi)

    def pinned(self, hidden: Mapping[str, str], own: Mapping[str, int] | None = None
               ) -> set[int]:
        """Hidden cells narrowed to one value of 1 or more (for an insider: whose part
        not their own is). A cell no sum narrowed is as wide as "<5", "*" or withheld
        says: only narrowed cells need looking at."""
        s = self.s
        out = set()
        for c in self.narrowed:
            lo, hi = self.lo[c], self.hi[c]
            name = s.names[c]
            if (lo == hi and hi < INF // 2 and name in hidden
                    and lo - (own.get(name, 0) if own else 0) >= 1):
                out.add(c)
        return out


class _Readers:
    """The outsider and every insider, for one set of hidden cells: what each can work out,
    and the hidden cells any of them can narrow to one value (``found``)."""

    def __init__(self, sums: Sums, values: list[int], hidden: Mapping[str, str],
                 insiders: Sequence[Mapping[str, int]]) -> None:
        self.s, self.values = sums, values
        self.insiders = list(insiders)
        self._exact(hidden)

    def _exact(self, hidden: Mapping[str, str]) -> None:
        self.outsider = _Bounds.outsider(self.s, self.values, hidden)
        self.inside = [self.outsider.insider(own, hidden) for own in self.insiders]
        self.found = self.outsider.pinned(hidden)
        for own, bounds in zip(self.insiders, self.inside, strict=True):
            self.found |= bounds.pinned(hidden, own)

    def update(self, hidden: Mapping[str, str], changed: Iterable[int]) -> None:
        """After the cells ``changed`` were hidden. Only a cell found before, or one just
        hidden, can be narrowed to one value now (hiding more only widens what can be
        worked out), so only those are looked at again: in each reader's bounds, they
        start again from what is known of them and settle from there, the other cells
        keeping their bounds. Those bounds are never wider than the reader's true ones:
        a cell not narrowed to one value there is not narrowed to one value at all. A cell
        that is, is checked the other way round, with bounds never narrower than the true
        ones: just the small sums near it, from what is known (``_confirmed``). When every
        such cell is confirmed, ``found`` is exactly what working everything out again
        would find; otherwise everything is worked out again."""
        again = self.found | set(changed)
        readers = [*zip(self.inside, self.insiders, strict=True), (self.outsider, None)]
        found: set[int] = set()
        for bounds, own in readers:  # the outsider last: insiders share its heaps
            for c in bounds.relax(hidden, again, own):
                if c in found:
                    continue
                if not _confirmed(self.s, self.values, hidden, own, c):
                    self._exact(hidden)
                    return
                found.add(c)
        self.found = found


def _confirmed(sums: Sums, values: list[int], hidden: Mapping[str, str],
               own: Mapping[str, int] | None, cell: int) -> bool:
    """Whether the reader narrows ``cell`` to one value (of 1 or more) with only the sums
    near it (those it is in, and those their cells are in, leaving out any sum of more than
    ``_NEAR`` cells), from what is known. Fewer sums never narrow more than all of them,
    so a cell narrowed to one value here is narrowed to one value by the reader."""
    near = [g for g in sorted({*sums.total_of[cell], *sums.member_of[cell]})
            if sums.size_of[g] <= _NEAR]
    cells = {c for g in near for c in (sums.totals[g], *sums.members[g])}
    near = sorted({g for c in cells for g in (*sums.total_of[c], *sums.member_of[c])
                   if sums.size_of[g] <= _NEAR})
    if not near:
        return False
    part = Sums([sums.groups[g] for g in near])
    bounds = _Bounds.outsider(part, [values[sums.index[c]] for c in part.names], hidden)
    if own:
        bounds = bounds.insider({n: own[n] for n in part.names if n in own}, hidden)
    c = part.index[sums.names[cell]]
    bounds.narrowed.add(c)
    return c in bounds.pinned(hidden, own)


def _in_order(values: Mapping[str, int], sums: Sums, cells: Iterable[int]) -> list[int]:
    """Cells in the order they first appear: the figures' own order, then the sums'."""
    rank = dict(zip(values, range(len(values)), strict=True))
    names = sums.names
    return sorted(cells, key=lambda c: (0, rank[names[c]]) if names[c] in rank else (1, c))


def disclosed(values: Mapping[str, int], hidden: Mapping[str, str], groups: Sequence[Group],
              insiders: Sequence[Mapping[str, int]] = ()) -> list[str]:
    """Hidden cells some reader can narrow to a single value of 1 or more, in the order
    the cells first appear."""
    sums = Sums(groups)
    found = _Readers(sums, sums.values_of(values), hidden, insiders).found
    return [sums.names[c] for c in _in_order(values, sums, found)]


def suppress(values: Mapping[str, int], groups: Sequence[Group] | Sums,
             insiders: Sequence[Mapping[str, int]] = ()) -> Suppression:
    """Which cells to hide so that no count of 1-4 is shown and none hidden can be worked
    out from the others (see the module notes). ``groups`` may be ``prepare``d."""
    sums = groups if isinstance(groups, Sums) else Sums(groups)
    the_groups = sums.groups
    hidden: dict[str, str] = {c: PRIMARY for c, v in values.items() if v in SMALL}
    for offsets in insiders:
        for c, own in offsets.items():  # (a cell they have no part of is all others')
            if (own and c not in hidden and (c in values or c in sums.index)
                    and values.get(c, 0) - own in SMALL):
                hidden[c] = SECONDARY

    def containing(c: int) -> list[Group]:
        """The sums a cell is in, in the order given."""
        return [the_groups[g] for g in sorted({*sums.total_of[c], *sums.member_of[c]})]

    withheld: set[int] = set()
    try:
        readers = _Readers(sums, sums.values_of(values), hidden, insiders)
        for _ in range(len(sums.names) + len(values) + len(the_groups) + 1):
            found = readers.found
            if not found:
                break
            changed: list[str] = []
            touched: set[int] = set()
            for cell in _in_order(values, sums, found):
                if not _protect(values, hidden, containing(cell), touched, withheld,
                                changed):
                    # Nothing left to hide beside it: hide every row of every table.
                    return _withhold_all(the_groups, hidden)
            readers.update(hidden, [sums.index[c] for c in changed])
        else:
            return _withhold_all(the_groups, hidden)
    except _NoFixpoint:
        return _withhold_all(the_groups, hidden)
    return Suppression(dict(hidden))


def _withhold_all(groups: Sequence[Group], hidden: dict[str, str]) -> Suppression:
    for g in groups:
        _withhold(g, hidden, [])
    return Suppression(dict(hidden))


def _protect(values: Mapping[str, int], hidden: dict[str, str], groups: list[Group],
             touched: set[int], withheld: set[int], changed: list[str]) -> bool:
    """Hide one more cell in the smallest of ``groups`` (the sums a disclosed cell is in)
    that can still take one: its
    smallest shown non-zero row, else its total, else withhold its rows. Small sums first,
    so a count is protected by its neighbours rather than by hiding a grand total. The
    cells hidden are added to ``changed``."""
    if any(id(g) in touched for g in groups):
        return True  # already widened this round; check again before adding more
    for g in sorted(groups, key=lambda g: (len(g.members), g.total)):
        rows = [(values.get(m, 0), m) for m in g.members
                if m not in hidden and values.get(m, 0) > 0]
        if rows:
            cell = min(rows)[1]
            hidden[cell] = SECONDARY
            changed.append(cell)
        elif g.total not in hidden and values.get(g.total, 0) > 0:
            hidden[g.total] = SECONDARY
            changed.append(g.total)
        elif id(g) not in withheld:
            _withhold(g, hidden, changed)
            withheld.add(id(g))
        else:
            continue
        touched.add(id(g))
        return True
    return False


def _withhold(g: Group, hidden: dict[str, str], changed: list[str]) -> None:
    for m in g.members:
        if hidden.get(m) != WITHHELD:
            hidden[m] = WITHHELD
            changed.append(m)
