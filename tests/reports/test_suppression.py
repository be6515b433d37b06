"""Small-number suppression: no count of 1 to 4 is ever shown, and no hidden count can be
worked out from the totals. Random tables (hypothesis) are suppressed, then attacked two ways
that do not use the suppression code: by subtraction (a sum with one unknown left), and by an
exact search over every assignment of the hidden cells that agrees with what is shown (the
bounds a reader knows: "<5" is 1-4, "*" at least 5, a withheld row anything, or at least 1
where the row is listed only because of its count). A hidden count that only one value fits
has been disclosed. The same attacks run for an insider who knows their own part of each
count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csn_desk.demo.generate import create_demo
from csn_desk.reports.periods import month
from csn_desk.reports.suppression import (
    PRIMARY,
    SECONDARY,
    Group,
    disclosed,
    suppress,
)
from csn_desk.reports.tallies import compute_tallies

CAP = 80  # an upper limit for "at least 5" in the search: above any count here (6 rows of 12)


def _domain(cell: str, value: int, hidden: Mapping[str, str], own: int,
            nonzero: frozenset[str] = frozenset()) -> range:
    """What a reader can say of the part of ``cell`` that is not their own (``nonzero``:
    cells whose row is listed only because of their count, so at least 1)."""
    state = hidden.get(cell)
    if state is None:
        return range(value - own, value - own + 1)
    if state == PRIMARY:
        return range(max(0, 1 - own), 4 - own + 1)
    if state == SECONDARY:
        return range(max(0, 5 - own), CAP + 1)
    return range(max(0, (1 if cell in nonzero else 0) - own), CAP + 1)


def feasible(values: Mapping[str, int], hidden: Mapping[str, str], groups: Sequence[Group],
             own: Mapping[str, int] | None = None,
             nonzero: frozenset[str] = frozenset()) -> dict[str, set[int]]:
    """For each hidden cell, every value some full assignment consistent with the shown
    numbers and all the sums gives it (a plain backtracking search: a sum with one cell
    left fixes that cell, a sum whose open cells cannot make up what is left fails;
    otherwise try each value of the open cell with the fewest)."""
    own = own or {}
    cells = sorted({c for g in groups for c in (g.total, *g.members)} | set(values))
    domains = {c: _domain(c, values.get(c, 0), hidden, own.get(c, 0), nonzero)
               for c in cells}
    for g in groups:  # a row is never more than a total shown above it
        if g.total not in hidden:
            top = values[g.total] - own.get(g.total, 0)
            for m in g.members:
                d = domains[m]
                domains[m] = range(d.start, max(d.start, min(d.stop, top + 1)))
    fixed = {c: domains[c].start for c in cells if len(domains[c]) == 1}
    unknown = [c for c in cells if c not in fixed]

    def solve(assign: dict[str, int]) -> bool:
        assign = dict(assign)
        changed = True
        while changed:
            changed = False
            for g in groups:
                missing = [p for p in (g.total, *g.members) if p not in assign]
                known = sum(assign[m] for m in g.members if m in assign)
                if not missing:
                    if assign[g.total] != known:
                        return False
                elif len(missing) == 1:
                    cell = missing[0]
                    value = known if cell == g.total else assign[g.total] - known
                    if value not in domains[cell]:
                        return False
                    assign[cell], changed = value, True
                elif g.total in assign:  # what is left must fit the cells still open
                    left = assign[g.total] - known
                    if not (sum(domains[m].start for m in missing)
                            <= left <= sum(domains[m].stop - 1 for m in missing)):
                        return False
                elif known + sum(domains[m].start for m in missing if m != g.total) \
                        > domains[g.total].stop - 1:
                    return False
        rest = [c for c in unknown if c not in assign]
        if not rest:
            return True
        cell = min(rest, key=lambda c: len(domains[c]))  # fewest values first
        return any(solve({**assign, cell: v}) for v in domains[cell])

    return {c: {v for v in domains[c] if solve({**fixed, c: v})} for c in unknown}


def subtraction_attack(values: Mapping[str, int], hidden: Mapping[str, str],
                       groups: Sequence[Group]) -> set[str]:
    """Repeatedly fill in any sum with exactly one unknown cell left."""
    known = {c: v for c, v in values.items() if c not in hidden}
    recovered: set[str] = set()
    changed = True
    while changed:
        changed = False
        for g in groups:
            parts = [g.total, *g.members]
            missing = [p for p in parts if p not in known]
            if len(missing) != 1:
                continue
            cell = missing[0]
            rest = sum(known[m] for m in g.members if m != cell)
            known[cell] = rest if cell == g.total else known[g.total] - rest
            recovered.add(cell)
            changed = True
    return recovered


# -- random tables ------------------------------------------------------------------------------
@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[str, int], list[Group]]:
    """A table of rows and its total; sometimes the rows are split into sub-groups with
    their own subtotals (organisations and their services), sometimes a second table shares
    the same total (every enquiry has one channel and one age band)."""
    values: dict[str, int] = {}
    groups: list[Group] = []
    n = draw(st.integers(2, 6))
    rows = [f"r{i}" for i in range(n)]
    for r in rows:
        values[r] = draw(st.sampled_from([0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 12]))
    values["T"] = sum(values[r] for r in rows)
    shape = draw(st.sampled_from(["flat", "nested", "shared"]))
    if shape == "nested" and n >= 3:
        cut = draw(st.integers(1, n - 1))
        subgroups = [rows[:cut], rows[cut:]]
        subtotals = []
        for j, members in enumerate(subgroups):
            name = f"S{j}"
            values[name] = sum(values[m] for m in members)
            groups.append(Group(name, tuple(members)))
            subtotals.append(name)
        groups.append(Group("T", tuple(subtotals)))
        groups.append(Group("T", tuple(rows)))
    elif shape == "shared":
        groups.append(Group("T", tuple(rows)))
        k = draw(st.integers(2, 4))
        split = draw(st.lists(st.integers(0, values["T"]), min_size=k - 1, max_size=k - 1))
        cuts = sorted(split)
        others = [b - a for a, b in zip([0, *cuts], [*cuts, values["T"]], strict=True)]
        names = [f"c{i}" for i in range(k)]
        values.update(dict(zip(names, others, strict=True)))
        groups.append(Group("T", tuple(names)))
    else:
        groups.append(Group("T", tuple(rows)))
    return values, groups


def _assert_safe(values: dict[str, int], groups: list[Group], hidden: Mapping[str, str],
                 insiders: Sequence[Mapping[str, int]] = (),
                 nonzero: frozenset[str] = frozenset()) -> None:
    shown = {c: v for c, v in values.items() if c not in hidden}
    assert not [c for c, v in shown.items() if 1 <= v <= 4], "a count of 1-4 is shown"
    # A hidden count worked out exactly is a disclosure when it is 1 or more; a zero worked
    # out says nothing about anyone (the module's rule, and the search's below).
    worked_out = subtraction_attack(values, hidden, groups) & set(hidden)
    assert not {c for c in worked_out if values[c] >= 1}
    for own in [{}, *insiders]:
        found = feasible(values, hidden, groups, own, nonzero)
        for cell, options in found.items():
            true_part = values[cell] - own.get(cell, 0)
            assert true_part in options  # the search is sound
            if true_part >= 1:
                assert len(options) > 1, (cell, values[cell], dict(hidden), own)


def check_outsider(table: tuple[dict[str, int], list[Group]]) -> None:
    values, groups = table
    result = suppress(values, groups)
    _assert_safe(values, groups, result.hidden)
    assert not disclosed(values, result.hidden, groups)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(tables())
def test_random_tables_hide_small_counts_and_cannot_be_worked_out(
        table: tuple[dict[str, int], list[Group]]) -> None:
    check_outsider(table)


@pytest.mark.slow
@SLOW
@given(tables())
def test_random_tables_many(table: tuple[dict[str, int], list[Group]]) -> None:
    check_outsider(table)


def check_insider(table: tuple[dict[str, int], list[Group]], data: st.DataObject) -> None:
    """One organisation of the network knows its own counts exactly."""
    values, groups = table
    rows = sorted({m for g in groups for m in g.members if not m.startswith("S")})
    own = {r: data.draw(st.integers(0, values[r]), label=f"own {r}") for r in rows}
    for g in groups:  # the insider's counts add up like anyone's
        if all(m in own for m in g.members):
            own[g.total] = sum(own[m] for m in g.members)
    for g in groups:
        if g.total not in own and all(m in own for m in g.members):
            own[g.total] = sum(own[m] for m in g.members)
    if any(own.get(g.total) != sum(own.get(m, 0) for m in g.members) for g in groups):
        return  # a shared table split differently: not a consistent insider; skip
    result = suppress(values, groups, [own])
    _assert_safe(values, groups, result.hidden, [own])


@FAST
@given(tables(), st.data())
def test_an_insider_cannot_work_out_the_others_part(
        table: tuple[dict[str, int], list[Group]], data: st.DataObject) -> None:
    check_insider(table, data)


@pytest.mark.slow
@SLOW
@given(tables(), st.data())
def test_insiders_many(table: tuple[dict[str, int], list[Group]], data: st.DataObject) -> None:
    check_insider(table, data)


@FAST
@given(tables(), st.data())
def test_an_insider_is_known_to_add_up_their_own_counts(
        table: tuple[dict[str, int], list[Group]], data: st.DataObject) -> None:
    """An insider's figures may name only the rows (a site's figures name services, not
    each organisation's row): the totals they can add up are theirs as well, so the cells
    hidden are the same as when the totals are given."""
    values, groups = table
    rows = sorted({m for g in groups for m in g.members if m.startswith("r")})
    own = {r: data.draw(st.integers(0, values[r]), label=f"own {r}") for r in rows}
    full = dict(own)
    for g in groups * 2:  # subtotals first, then the totals made of them
        if g.total not in full and all(m in full for m in g.members):
            full[g.total] = sum(full[m] for m in g.members)
    if any(full.get(g.total) != sum(full.get(m, 0) for m in g.members) for g in groups):
        return  # a shared table split differently: not a consistent insider
    assert suppress(values, groups, [own]).hidden == suppress(values, groups, [full]).hidden


def test_the_attacks_catch_a_lone_hidden_cell() -> None:
    """The checks can fail: one small cell hidden alone next to a shown total."""
    values = {"T": 10, "a": 2, "b": 8}
    groups = [Group("T", ("a", "b"))]
    hidden = {"a": PRIMARY}
    assert subtraction_attack(values, hidden, groups) == {"a"}
    assert feasible(values, hidden, groups)["a"] == {2}
    assert disclosed(values, hidden, groups) == ["a"]
    # Hiding a 5 beside a 1 is not enough either: 1 + 5 = 6 leaves only (1, 5).
    values = {"T": 6, "a": 1, "b": 5, "c": 0}
    hidden = {"a": PRIMARY, "b": SECONDARY}
    assert feasible(values, hidden, [Group("T", ("a", "b", "c"))])["a"] == {1}
    safe = suppress(values, [Group("T", ("a", "b", "c"))])
    assert "T" in safe.hidden


def test_a_zero_worked_out_is_not_a_disclosure() -> None:
    """Found by the slow fuzz: every row withheld under a subtotal of an empty row. The
    subtotal's "*" can be worked out as 0 (its one row shows 0), which tells nothing about
    anyone; every count of 1 or more stays safe."""
    values = {"r0": 0, "r1": 1, "r2": 1, "r3": 1, "r4": 1, "T": 4, "S0": 0, "S1": 4}
    groups = [Group("S0", ("r0",)), Group("S1", ("r1", "r2", "r3", "r4")),
              Group("T", ("S0", "S1")), Group("T", ("r0", "r1", "r2", "r3", "r4"))]
    hidden = suppress(values, groups).hidden
    assert subtraction_attack(values, hidden, groups) & set(hidden) == {"S0"}
    _assert_safe(values, groups, hidden)
    assert not disclosed(values, hidden, groups)
    # (a count of 1 or more worked out still fails: test_the_attacks_catch_a_lone_hidden_cell)


def test_four_ones_under_a_small_total_are_withheld() -> None:
    values = {"T": 4, "a": 1, "b": 1, "c": 1, "d": 1}
    groups = [Group("T", ("a", "b", "c", "d"))]
    result = suppress(values, groups)
    _assert_safe(values, groups, result.hidden)
    assert {result.hidden[c] for c in "abcd"} == {"withheld"}


def test_rows_listed_for_one_column_are_known_not_to_be_zero() -> None:
    """Found by an audit: a table's rows withheld ("*", any value), but a row listed only
    because this column has a count (its other columns show 0) is at least 1 to a reader.
    Four such rows under a total of "<5" are each 1; every total is withheld as well."""
    values = {"T": 4, "a": 1, "b": 1, "c": 1, "d": 1}
    groups = [Group("T", ("a", "b", "c", "d"))]
    listed = frozenset("abcd")
    assert {1} in feasible(values, suppress(values, groups).hidden, groups,
                           nonzero=listed).values()  # without telling it: worked out
    hidden = suppress(values, groups, nonzero=listed).hidden
    _assert_safe(values, groups, hidden, nonzero=listed)
    assert not disclosed(values, hidden, groups, nonzero=listed)
    assert hidden["T"] == "withheld"


@st.composite
def tables_with_listed_rows(draw: st.DrawFn) -> tuple[dict[str, int], list[Group],
                                                      frozenset[str]]:
    """A random table and some of its rows with a count listed for that count alone."""
    values, groups = draw(tables())
    rows = sorted({m for g in groups for m in g.members if values[m] > 0})
    return values, groups, frozenset(draw(st.sets(st.sampled_from(rows))) if rows else ())


@FAST
@given(tables_with_listed_rows(), st.data())
def test_random_tables_with_listed_rows_cannot_be_worked_out(
        table: tuple[dict[str, int], list[Group], frozenset[str]],
        data: st.DataObject) -> None:
    values, groups, listed = table
    insiders: list[dict[str, int]] = []
    if data.draw(st.booleans(), label="an insider"):  # as in check_insider
        rows = sorted({m for g in groups for m in g.members if not m.startswith("S")})
        own = {r: data.draw(st.integers(0, values[r]), label=f"own {r}") for r in rows}
        for _ in range(2):
            for g in groups:
                if g.total not in own and all(m in own for m in g.members):
                    own[g.total] = sum(own[m] for m in g.members)
        if all(own.get(g.total) == sum(own.get(m, 0) for m in g.members) for g in groups):
            insiders.append(own)
    result = suppress(values, groups, insiders, nonzero=listed)
    _assert_safe(values, groups, result.hidden, insiders, nonzero=listed)
    assert not disclosed(values, result.hidden, groups, insiders, nonzero=listed)


def test_fixed_cells_keep_their_state_and_others_protect() -> None:
    """The chart's figures are decided beforehand (every report shows a month's alike): a
    count beside them is protected by another row, never by changing them."""
    values = {"T": 32, "a": 2, "b": 10, "c": 20}
    groups = [Group("T", ("a", "b", "c"))]
    assert suppress(values, groups).hidden == {"a": PRIMARY, "b": SECONDARY}
    hidden = suppress(values, groups, fixed={"b": None, "T": None}).hidden
    assert hidden == {"a": PRIMARY, "c": SECONDARY}
    _assert_safe(values, groups, hidden)
    # A fixed decision to hide is kept; one to show a count of 1-4 is not followed.
    hidden = suppress(values, groups, fixed={"a": None, "c": SECONDARY}).hidden
    assert hidden == {"a": PRIMARY, "c": SECONDARY}


@pytest.mark.parametrize(("enquiries", "seed", "anchor"), [
    (400, 11, date(2026, 11, 26)),
    # (a third audit: April's outcomes 0 in April's report, withheld whole in May's)
    (120, 5, date(2026, 11, 15))])
def test_a_month_is_hidden_alike_in_every_report_that_shows_it(
        tmp_path: Path, enquiries: int, seed: int, anchor: date) -> None:
    """Found by an audit: August's enquiries hidden ("*") in August's report were shown in
    October's twelve-month chart. A month's figures now read the same in its own report
    (columns and chart) and in every later report (its charts and comparison columns)."""
    ws, _summary = create_demo(tmp_path / "demo", enquiries=enquiries, seed=seed,
                               anchor=anchor)
    months = [month(f"{y}-{m:02d}") for y, m in
              [(2025, 11), (2025, 12), *((2026, m) for m in range(1, 11))]]
    try:
        for scope in ("site", "organisation", "network"):
            seen: dict[tuple[str, str], set[str]] = {}
            for report_month in months:
                t = compute_tallies(ws, report_month, scope, suppress_small=True)
                for m in t.trend:
                    for name, cell in (("enquiries", m.enquiries), ("needs", m.needs),
                                       *m.by_need.items()):
                        seen.setdefault((m.period.month_key, name), set()).add(cell.text)
                summary = {row.key: row.cells[0].text for row in t.summary.rows}
                key = report_month.month_key
                seen[(key, "enquiries")].add(summary["enquiries"])
                seen[(key, "needs")].add(summary["needs"])
                # Every table's cells too: a month as a report's own column and as another
                # report's month before or year before (a second audit found "referrals
                # made" hidden in June's report and shown as 12 in July's).
                for table in t.all_tables:
                    for row in table.rows:
                        for period, cell in zip(t.comparisons, row.cells, strict=True):
                            seen.setdefault((period.month_key, f"{table.key}/{row.key}"),
                                            set()).add(cell.text)
            differ = {k: v for k, v in seen.items() if len(v) > 1}
            assert not differ, (scope, differ)
            assert any("*" in v or "<5" in v for v in seen.values())  # something is hidden
    finally:
        ws.close()


def test_no_small_count_shown_anywhere_in_a_real_report(tmp_path: Path) -> None:
    ws, _summary = create_demo(tmp_path / "demo", enquiries=300, seed=8,
                               anchor=date(2026, 11, 25))
    try:
        for scope in ("site", "organisation", "network"):
            tallies = compute_tallies(ws, month("2026-10"), scope, suppress_small=True)
            assert tallies.suppressed and tallies.suppression_applied
            shown = [c for t in tallies.all_tables for r in t.rows if r.kind == "count"
                     for c in r.cells]
            shown += [c for m in tallies.trend
                      for c in (m.enquiries, m.needs, *m.by_need.values())]
            assert shown
            small = [c for c in shown if c.mark is None and c.value in (1, 2, 3, 4)]
            assert not small, scope
            marks = {c.mark for c in shown}
            assert "<5" in marks
    finally:
        ws.close()


def test_a_row_listed_only_for_withheld_counts_is_left_out() -> None:
    """A row listed only because a withheld count ("*", any value) is not nought would say
    so (found by an audit: five such rows under a total of 5 were each 1). Left out, it says
    nothing; a row with a number, "<5" or a secondary "*" elsewhere stays."""
    from csn_desk.reports import tables as T
    from csn_desk.reports.suppression import NOTHING_HIDDEN, WITHHELD, Suppression

    a, b, c, total = "ref_service:a", "ref_service:b", "ref_service:c", "referrals"
    spec = T.Spec("referral_services", "Referrals by service", "referrals", "Referrals.",
                  ((a, "A", False), (b, "B", False), (c, "C", False), (total, "All", True)),
                  (Group(total, (a, b, c)),), by_count=frozenset({a, b, c}))
    columns = [{a: 1, b: 3, c: 6, total: 10}, {b: 2, total: 2}, {}]
    masks = [Suppression({a: WITHHELD, b: WITHHELD, c: WITHHELD}),
             Suppression({b: PRIMARY}), NOTHING_HIDDEN]
    (table,) = T.render([spec], columns, masks)
    assert [r.key for r in table.rows] == [b, total]
    assert "left out" in table.note
    (exact,) = T.render([spec], columns)  # exact figures (inside the organisation): all rows
    assert [r.key for r in exact.rows] == [a, b, c, total] and "left out" not in exact.note


def test_a_network_of_one_organisation_hides_as_its_organisation_report(
        tmp_path: Path) -> None:
    """Found by a second audit: with one organisation in the network, its network and
    organisation reports (both shared) decided apart (the snapshots count a client seen at
    two sites at each), and together gave hidden counts away."""
    ws, _summary = create_demo(tmp_path / "demo", enquiries=400, seed=11,
                               anchor=date(2026, 11, 26))
    try:
        for m in ("2025-06", "2026-05", "2026-09"):
            org = compute_tallies(ws, month(m), "organisation", suppress_small=True)
            net = compute_tallies(ws, month(m), "network")
            cells = [{(t.key, r.key): tuple(c.text for c in r.cells)
                      for t in x.all_tables for r in t.rows} for x in (org, net)]
            assert cells[0] == cells[1], m
            assert any("*" in texts or "<5" in texts for texts in cells[0].values())
    finally:
        ws.close()
