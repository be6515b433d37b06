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
- withheld: every row of a table hidden when no other cell can protect it; any value. A
  row listed only because of a withheld count would say that it is not nought (five such
  rows under a total of 5 are each 1), so a report leaves such rows out
  (``tables.render``); a caller that lists them names them in ``nonzero`` (at least 1).
  Leaving them out, rather than hiding more, keeps each month's decisions its own, alike
  in every report that shows the month (which rows a report lists depends on its other
  columns).

*Insiders* are readers who know part of the figures exactly: an organisation reading the
network figures knows its own counts, a site reading its organisation's knows its own. For
each insider the same rules apply to what the others contributed (the network total less
the insider's own): a contribution of 1 to 4 is hidden too, and no hidden contribution of
others may be narrowed to one value. A narrowed zero is not a disclosure (it says nothing
about anyone). An insider's own counts add up like any figures (they are the insider's part
of every sum; totals their figures leave out are added up for them, as they could), so what
the others contributed keeps every sum too; an insider then knows
exactly what an outsider knows plus that each hidden count is at least their own part of
it, and their bounds are the outsider's narrowed from there.

Large tables (a network's month refers to tens of thousands of services, most counts 1-4)
are narrowed with arrays (NumPy): every sum of every table is applied at once, round after
round, until nothing changes, which takes a few rounds of a few milliseconds even for
tens of thousands of cells. So each round of hiding simply works every reader's bounds out
again from the start, and insiders start from the outsider's bounds. The decisions are the
same as the plain version's, one sum at a time (tests/reports/plain_suppression.py checks
that).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

PRIMARY = "primary"  # shown as "<5"
SECONDARY = "secondary"  # shown as "*"
WITHHELD = "withheld"  # shown as "*", the whole table's rows hidden
SMALL = range(1, 5)
INF = 10**12  # "no upper bound" (larger than any real count, safe to add up)
_ROUNDS = 1_000  # rounds of narrowing allowed before giving up safely (all withheld)
# Figures adding up to this or more are not counts of people (a damaged or hostile snapshot):
# everything is withheld. Below it, no bound worked out from real counts comes near INF // 2,
# so "no upper bound" and a real bound are never confused.
_ABSURD = INF // 4


class Group(NamedTuple):
    """``total`` equals the sum of ``members`` (the rows of a table and its total row). A
    tuple: a large report has thousands (one per organisation referred to)."""

    total: str
    members: tuple[str, ...]


class Decided(NamedTuple):
    """How ``suppress`` decided, as arrays over the sums' cells: the figures it was given,
    the sums, each cell's count and code (0 shown, else ``CODES``). Kept so that the tables
    can be filled from arrays instead of looking every cell up by name again in the figures
    and in ``hidden`` (a large network's month has tens of thousands)."""

    values: Mapping[str, int]
    sums: Sums
    counts: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int8]


@dataclass(frozen=True)
class Suppression:
    hidden: Mapping[str, str] = field(default_factory=dict)  # cell -> PRIMARY/SECONDARY/...
    decided: Decided | None = field(default=None, compare=False, repr=False)

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


class Sums:
    """The sums of a report's tables, by cell number: made once from the groups, then used
    for each of the report's columns and by every reader (``prepare``). Besides the lists
    ``_protect`` walks, it keeps the sums as arrays (every membership of every sum side by
    side) so that narrowing works on all of them at once."""

    def __init__(self, groups: Sequence[Group]) -> None:
        self.groups = list(groups)
        # Cells numbered in the order they first appear (each sum's total, then its
        # members), in one pass that also gives each sum's cell numbers (a large report
        # has tens of thousands of cells: one look-up each, not three).
        index: dict[str, int] = {}
        number = index.setdefault
        totals: list[int] = []
        members: list[int] = []
        sizes_of: list[int] = []
        for g in self.groups:
            totals.append(number(g.total, len(index)))
            cells = [number(m, len(index)) for m in g.members]
            if len(set(cells)) != len(cells):  # a member listed twice: one cell of the sum
                cells = list(dict.fromkeys(cells))
            members += cells
            sizes_of.append(len(cells))
        self.index = index
        self.names = list(index)
        sizes = np.array(sizes_of, dtype=np.int64)
        self.cell_total = np.array(totals, dtype=np.int64)
        self.cell_member = np.array(members, dtype=np.int64)
        self.sum_of_member = np.repeat(np.arange(len(self.groups), dtype=np.int64), sizes)
        self.starts = np.cumsum(sizes) - sizes  # where each sum's members begin
        self.empty = sizes == 0
        # The sums each cell is in, as a member and as a total: positions sorted by cell.
        self._in = _by_cell(self.cell_member, self.sum_of_member, len(self.names))
        self._total_in = _by_cell(self.cell_total, np.arange(len(self.groups), dtype=np.int64),
                                  len(self.names))

    def containing(self, cell: int) -> list[int]:
        """The sums ``cell`` is in (as a member or as their total), in the order given."""
        return sorted({*self._in(cell), *self._total_in(cell)})

    def values_of(self, values: Mapping[str, int]) -> npt.NDArray[np.int64]:
        return np.fromiter(map(values.get, self.names, repeat(0)), dtype=np.int64,
                           count=len(self.names))

    def own_part(self, own: Mapping[str, int]) -> npt.NDArray[np.int64]:
        """An insider's counts, with every total they leave out worked out from its members
        (the insider can add up their own figures: for instance a site's figures name its
        services, and so it knows its part of each organisation's row). Totals given are
        kept; sums inside sums are added up from the inside out."""
        part = self.values_of(own)
        if not len(self.cell_total):
            return part
        fill = part[self.cell_total] == 0
        totals = self.cell_total[fill]
        for _ in range(len(self.groups) + 1):
            new = part.copy()
            np.maximum.at(new, totals, self.add_up(part[self.cell_member])[fill])
            if np.array_equal(new, part):
                break
            part = new
        return part

    def add_up(self, per_member: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Each sum of ``per_member`` (one value per membership, in the sums' order)."""
        if not len(self.starts):
            return np.zeros(0, dtype=np.int64)
        # A 0 after the last member: an empty sum at the end starts there (reduceat would
        # otherwise have to be given an earlier start, cutting the sum before it short).
        out = np.add.reduceat(np.append(per_member, 0), self.starts)
        out[self.empty] = 0  # (reduceat gives an empty sum the value at its start)
        return out


def _by_cell(cells: npt.NDArray[np.int64], sums: npt.NDArray[np.int64], n: int
             ) -> Callable[[int], list[int]]:
    """For each cell, the ``sums`` beside its entries in ``cells`` (a look-up made once)."""
    order = np.argsort(cells, kind="stable")
    grouped = sums[order]
    counts = np.bincount(cells, minlength=n)
    ends = np.cumsum(counts)
    starts = ends - counts
    return lambda cell: grouped[starts[cell]:ends[cell]].tolist()


def prepare(groups: Sequence[Group]) -> Sums:
    """The groups made ready for ``suppress`` (to suppress several columns with the same
    sums without working them out again)."""
    return Sums(groups)


class _NoFixpoint(Exception):
    """The bounds did not settle within ``_ROUNDS``, or the figures do not add up (never
    seen in a real report; handled safely by withholding everything)."""


_SHOWN, _CODE = 0, {PRIMARY: 1, SECONDARY: 2, WITHHELD: 3}
CODES = {code: how for how, code in _CODE.items()}  # a ``Decided`` code -> PRIMARY/...
WITHHELD_CODE = _CODE[WITHHELD]


def _states(sums: Sums, hidden: Mapping[str, str]) -> npt.NDArray[np.int8]:
    """How each cell of the sums is shown, as a code (0 shown, else ``_CODE``)."""
    state = np.zeros(len(sums.names), dtype=np.int8)
    index, code = sums.index.get, _CODE.__getitem__
    found = [(i, code(how)) for name, how in hidden.items() if (i := index(name)) is not None]
    if found:
        at, codes = zip(*found, strict=True)
        state[list(at)] = codes
    return state


class _Column(NamedTuple):
    """One column's figures read against the sums in one pass over them (a large report's
    column has tens of thousands): each cell's count, where each cell comes in the
    figures' own order (``_in_order``), and the figures that are in no sum."""

    whole: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]
    outside: list[str]


def _read_column(sums: Sums, values: Mapping[str, int]) -> _Column:
    names = list(values)
    at = np.fromiter(map(sums.index.get, names, repeat(-1)), dtype=np.int64, count=len(names))
    counts = np.fromiter(map(values.__getitem__, names), dtype=np.int64, count=len(names))
    inside = at >= 0
    cells = at[inside]
    whole = np.zeros(len(sums.names), dtype=np.int64)
    whole[cells] = counts[inside]
    # Cells the figures do not name come after all that they do, in cell order.
    rank = np.arange(len(names), len(names) + len(sums.names), dtype=np.int64)
    rank[cells] = np.flatnonzero(inside)
    return _Column(whole, rank, [names[i] for i in np.flatnonzero(~inside).tolist()])


def _small(sums: Sums, values: Mapping[str, int], column: _Column,
           insiders: Sequence[Mapping[str, int]], parts: Sequence[npt.NDArray[np.int64]]
           ) -> tuple[dict[str, str], npt.NDArray[np.int8]]:
    """The cells hidden before any sum is looked at, and their codes: every count of 1 to
    4 (primary), then every count whose part not an insider's own is 1 to 4 (secondary; a
    cell they have no part of is all others'). Worked out on the sums' arrays, then for
    the few figures in no sum."""
    whole = column.whole
    state = np.zeros(len(whole), dtype=np.int8)
    state[(whole >= 1) & (whole <= 4)] = _CODE[PRIMARY]
    for own in parts:
        rest = whole - own
        state[(state == _SHOWN) & (own != 0) & (rest >= 1) & (rest <= 4)] = _CODE[SECONDARY]
    names = sums.names
    hidden: dict[str, str] = {}
    for how in (PRIMARY, SECONDARY):
        at = np.flatnonzero(state == _CODE[how]).tolist()
        hidden.update(dict.fromkeys([names[i] for i in at], how))
    outside = column.outside
    hidden.update((c, PRIMARY) for c in outside if values[c] in SMALL)
    for offsets in insiders:
        for c in outside:
            theirs = offsets.get(c, 0)
            if theirs and c not in hidden and values[c] - theirs in SMALL:
                hidden[c] = SECONDARY
    return hidden, state


def _settle(sums: Sums, lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]
            ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Narrow every cell's (lowest, highest) through every sum until nothing changes: a
    total lies within its members' bounds added up, and each member is the total less the
    others. Every sum is applied at once, round after round; the result is the same as one
    sum at a time in any order (each step only keeps values every sum allows, so all orders
    end at the largest bounds that every sum allows). A highest value beyond ``INF // 2``
    stays "no upper bound" (``INF``), so sums of unbounded cells settle too."""
    member, total, of = sums.cell_member, sums.cell_total, sums.sum_of_member
    for _ in range(_ROUNDS):
        m_lo, m_hi = lo[member], hi[member]
        s_lo, s_hi = sums.add_up(m_lo), sums.add_up(m_hi)
        t_lo = np.maximum(lo[total], s_lo)
        t_hi = np.minimum(hi[total], s_hi)
        new_lo, new_hi = lo.copy(), hi.copy()
        np.maximum.at(new_lo, total, t_lo)
        np.minimum.at(new_hi, total, t_hi)
        np.maximum.at(new_lo, member, t_lo[of] - (s_hi[of] - m_hi))
        np.minimum.at(new_hi, member, t_hi[of] - (s_lo[of] - m_lo))
        new_hi[new_hi >= INF // 2] = INF
        if (new_lo > new_hi).any():  # the figures do not add up (damaged): no safe answer
            raise _NoFixpoint
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            return lo, hi
        lo, hi = new_lo, new_hi
    raise _NoFixpoint


class _Readers:
    """The outsider and every insider, for one set of hidden cells: what each can work out,
    and the hidden cells any of them can narrow to one value (``found``)."""

    def __init__(self, sums: Sums, values: npt.NDArray[np.int64],
                 insiders: Sequence[npt.NDArray[np.int64]],
                 nonzero: npt.NDArray[np.int64] | None = None) -> None:
        self.s, self.values, self.insiders = sums, values, list(insiders)
        # The lowest value of a withheld cell: 1 where its row's being listed says it is
        # not zero, else 0.
        self.withheld_lo = (nonzero if nonzero is not None
                            else np.zeros(len(sums.names), dtype=np.int64))

    def found(self, state: npt.NDArray[np.int8]) -> set[int]:
        """Hidden cells some reader narrows to one value of 1 or more (for an insider:
        whose part not their own is). An insider knows every hidden cell is at least
        their own part of it and nothing else an outsider does not (their own counts keep
        every sum, so what the others contributed keeps them too): their bounds are the
        outsider's narrowed from those lowest values."""
        values = self.values
        shown = state == _SHOWN
        primary, secondary = state == _CODE[PRIMARY], state == _CODE[SECONDARY]
        # What anyone knows of a cell from how it is shown: the number itself, "<5" 1 to
        # 4, "*" at least 5 (never zero), withheld anything (at least 1 where the row
        # being listed says so).
        lo = np.where(shown, values, np.select([primary, secondary], [1, 5],
                                               self.withheld_lo)).astype(np.int64)
        hi = np.where(shown, values, np.where(primary, 4, INF)).astype(np.int64)
        # A withheld nought is taken as known: the row is listed or not by the report's
        # other columns, and left out it would be known; so the month decides alike in
        # every report (and a nought worked out discloses nothing).
        hi[(state == WITHHELD_CODE) & (values == 0)] = 0
        lo, hi = _settle(self.s, lo, hi)
        hidden = ~shown
        one = (lo == hi) & (hi < INF // 2) & hidden
        found = np.flatnonzero(one & (lo >= 1))
        out = set(found.tolist())
        for own in self.insiders:
            start = np.where(hidden & (own > lo), np.minimum(own, hi), lo)
            if np.array_equal(start, lo):
                their_lo, their_hi = lo, hi
            else:
                their_lo, their_hi = _settle(self.s, start, hi)  # (makes new arrays)
            one = (their_lo == their_hi) & (their_hi < INF // 2) & hidden
            out.update(np.flatnonzero(one & (their_lo - own >= 1)).tolist())
        return out


def _in_order(column: _Column, cells: Iterable[int]) -> list[int]:
    """The cells in the order they first appear: the figures' own order, then the sums'."""
    found = np.fromiter(cells, dtype=np.int64)
    return found[np.argsort(column.rank[found])].tolist()  # (no two cells share a rank)


def disclosed(values: Mapping[str, int], hidden: Mapping[str, str], groups: Sequence[Group],
              insiders: Sequence[Mapping[str, int]] = (), *,
              nonzero: Iterable[str] = ()) -> list[str]:
    """Hidden cells some reader can narrow to a single value of 1 or more, in the order
    the cells first appear."""
    sums = Sums(groups)
    column = _read_column(sums, values)
    readers = _Readers(sums, column.whole, [sums.own_part(o) for o in insiders],
                       _known_nonzero(sums, nonzero))
    found = readers.found(_states(sums, hidden))
    return [sums.names[c] for c in _in_order(column, found)]


def _known_nonzero(sums: Sums, cells: Iterable[str]) -> npt.NDArray[np.int64]:
    """1 for each of ``cells`` in the sums (a reader knows they are not zero), else 0."""
    known = np.zeros(len(sums.names), dtype=np.int64)
    at = [i for i in map(sums.index.get, cells) if i is not None]
    known[at] = 1
    return known


def suppress(values: Mapping[str, int], groups: Sequence[Group] | Sums,
             insiders: Sequence[Mapping[str, int]] = (), *, nonzero: Iterable[str] = (),
             fixed: Mapping[str, str | None] | None = None) -> Suppression:
    """Which cells to hide so that no count of 1-4 is shown and none hidden can be worked
    out from the others (see the module notes). ``groups`` may be ``prepare``d.

    ``nonzero``: cells a reader knows are not zero whatever is shown (a row listed only
    because this column has a count there): withheld, they are still at least 1.

    ``fixed``: how some cells are shown (PRIMARY, SECONDARY or None for shown), decided
    beforehand and kept: the twelve-month chart's figures, which every report that shows
    the month shows alike. They are never hidden to protect another cell (others are); a
    count of 1-4 (or an insider's others' part of 1-4) is hidden whatever ``fixed`` says.
    Only when nothing else can protect a cell is everything withheld, these too."""
    sums = groups if isinstance(groups, Sums) else Sums(groups)
    the_groups = sums.groups
    column = _read_column(sums, values)
    whole = column.whole
    parts = [sums.own_part(own) for own in insiders]
    hidden, state = _small(sums, values, column, insiders, parts)
    kept = fixed or {}
    for name, how in kept.items():  # (what the small counts hide stays hidden)
        if how is not None and name not in hidden:
            hidden[name] = how
            at = sums.index.get(name)
            if at is not None:
                state[at] = _CODE[how]

    def containing(c: int) -> list[Group]:
        return [the_groups[g] for g in sums.containing(c)]

    withheld: set[int] = set()
    known = _known_nonzero(sums, nonzero)
    # Each sum's rows with a count (by the sum's id): the order in which sums take a hidden
    # cell (``_protect``).
    counted = dict(zip(map(id, the_groups), sums.add_up(
        (whole[sums.cell_member] > 0).astype(np.int64)).tolist(), strict=True))

    def everything() -> Suppression:
        # The last resort: every row of every table hidden; where listed rows say some are
        # not zero, every total too (else four rows under a total of "<5" are each 1). The
        # fixed cells (the chart's, which other reports show) are kept as they are if that
        # is still safe, else hidden too.
        keep = set(kept)
        _withhold_all(the_groups, hidden, totals=bool(known.any()), keep=keep)
        if keep:
            try:
                safe = not _Readers(sums, whole, parts, known).found(_states(sums, hidden))
            except _NoFixpoint:
                safe = False
            if not safe:
                _withhold_all(the_groups, hidden, totals=bool(known.any()))
        return Suppression(dict(hidden))

    if int(whole.sum()) >= _ABSURD or any(int(p.sum()) >= _ABSURD for p in parts):
        return everything()
    try:
        # First as if the rows listed said nothing: those decisions are the month's own,
        # alike in every report that shows it. Then, if a withheld row is one the report
        # lists only for this column's count, again knowing it is not zero.
        readers = _Readers(sums, whole, parts)
        for _ in range(2 * (len(sums.names) + len(values) + len(the_groups) + 1)):
            found = readers.found(state)
            if not found:
                if readers.withheld_lo is known or not (
                        known[state == WITHHELD_CODE]).any():
                    break
                readers = _Readers(sums, whole, parts, known)
                continue
            changed: list[str] = []
            touched: set[int] = set()
            for cell in _in_order(column, found):
                if not _protect(values, hidden, containing(cell), touched, withheld,
                                changed, kept, counted):
                    # Nothing left to hide beside it: hide every row of every table.
                    return everything()
            state[[sums.index[c] for c in changed]] = [_CODE[hidden[c]] for c in changed]
        else:
            return everything()
    except _NoFixpoint:
        return everything()
    return Suppression(dict(hidden), Decided(values, sums, whole, state))


def _withhold_all(groups: Sequence[Group], hidden: dict[str, str], *,
                  totals: bool = False, keep: Collection[str] = ()) -> Suppression:
    """Every row of every sum withheld (and, with ``totals``, every total), but ``keep``."""
    for g in groups:
        for m in g.members:
            if m not in keep:
                hidden[m] = WITHHELD
        if totals and g.total not in keep:
            hidden[g.total] = WITHHELD
    return Suppression(dict(hidden))


def _protect(values: Mapping[str, int], hidden: dict[str, str], groups: list[Group],
             touched: set[int], withheld: set[int], changed: list[str],
             fixed: Mapping[str, str | None], counted: Mapping[int, int]) -> bool:
    """Hide one more cell in the smallest of ``groups`` (the sums a disclosed cell is in)
    that can still take one: its
    smallest shown non-zero row, else its total, else withhold its rows. Small sums first,
    so a count is protected by its neighbours rather than by hiding a grand total. The
    cells hidden are added to ``changed``. Cells in ``fixed`` are left as they are."""
    if any(id(g) in touched for g in groups):
        return True  # already widened this round; check again before adding more
    # (by the rows with a count: rows of nought are listed or not by the report's other
    # columns, and must not change which cell is chosen)
    for g in sorted(groups, key=lambda g: (counted[id(g)], g.total)):
        rows = [(values.get(m, 0), m) for m in g.members
                if m not in hidden and m not in fixed and values.get(m, 0) > 0]
        if rows:
            cell = min(rows)[1]
            hidden[cell] = SECONDARY
            changed.append(cell)
        elif g.total not in hidden and g.total not in fixed and values.get(g.total, 0) > 0:
            hidden[g.total] = SECONDARY
            changed.append(g.total)
        elif id(g) not in withheld:
            _withhold(g, hidden, changed, fixed)
            withheld.add(id(g))
        else:
            continue
        touched.add(id(g))
        return True
    return False


def _withhold(g: Group, hidden: dict[str, str], changed: list[str],
              fixed: Mapping[str, str | None] | None = None) -> None:
    for m in g.members:
        if hidden.get(m) != WITHHELD and (fixed is None or m not in fixed):
            hidden[m] = WITHHELD
            changed.append(m)
