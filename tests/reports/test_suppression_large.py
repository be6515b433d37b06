"""Small-number suppression on a report's largest table: referrals by service, thousands of
services under their organisations, with the organisations' rows, the referral outcomes and
the all-referrals total, seen from outside and by each site (which knows its own counts).

Suppression must finish quickly at that size (it once took hours: every change re-checked
everything) and still be safe. It decides exactly as the plain version it replaced did
(kept in plain_suppression.py), on random tables and on referral tables of a few hundred
services. Safety is checked without the suppression code, by an exact attack: the figures
here form a tree of sums (services add up to their organisation, organisations and outcomes
each add up to the total; services adding up to the total follows from those), and on a tree
of sums the values each hidden count can take are worked out exactly, in one pass up and one
pass down, from what each cell shows. That attack is checked against the brute-force search
of test_suppression.py on small trees first.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csn_desk.reports import suppression
from csn_desk.reports.suppression import PRIMARY, SECONDARY, WITHHELD, Group, suppress
from tests.reports import plain_suppression as plain
from tests.reports.test_suppression import CAP, feasible, subtraction_attack, tables

Interval = tuple[float, float]  # whole numbers; math.inf for no upper bound


@dataclass
class Node:
    """A cell of the tree and, for a total, the ways its parts add up to it."""

    name: str
    splits: list[list[str]] = field(default_factory=list)


def _add(parts: Sequence[Interval]) -> Interval:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _meet(a: Interval, b: Interval) -> Interval:
    return max(a[0], b[0]), min(a[1], b[1])


def domain(value: int, state: str | None, own: int, cap: float = math.inf) -> Interval:
    """What a reader knows of the part of a cell that is not their own."""
    if state is None:
        return value - own, value - own
    if state == PRIMARY:
        return max(0, 1 - own), 4 - own
    if state == SECONDARY:
        return max(0, 5 - own), cap
    return 0, cap


def tree_attack(nodes: Mapping[str, Node], root: str, values: Mapping[str, int],
                hidden: Mapping[str, str], own: Mapping[str, int] | None = None,
                cap: float = math.inf) -> dict[str, Interval]:
    """Every value each cell's part (not the reader's own) can take, given what is shown and
    every sum: exact on a tree of sums, where these sets are ranges. Up: the values each
    subtree allows its top. Down: what the rest of the tree allows each cell."""
    own = own or {}
    dom = {c: domain(values.get(c, 0), hidden.get(c), own.get(c, 0), cap) for c in nodes}
    up: dict[str, Interval] = {}

    def climb(name: str) -> Interval:
        here = dom[name]
        for split in nodes[name].splits:
            here = _meet(here, _add([climb(c) for c in split]))
        up[name] = here
        return here

    climb(root)
    exact: dict[str, Interval] = {}

    def descend(name: str, outside: Interval) -> None:
        # ``outside``: the values the rest of the tree and the cell's own display allow.
        node = nodes[name]
        sums = [_add([up[c] for c in split]) for split in node.splits]
        here = outside
        for s in sums:
            here = _meet(here, s)
        exact[name] = here
        for i, split in enumerate(node.splits):
            allowed = outside
            for j, s in enumerate(sums):
                if j != i:
                    allowed = _meet(allowed, s)
            # The other parts' sum, for each part: the whole sum less the part (the finite
            # upper bounds added up apart from the unbounded ones).
            low = sum(up[c][0] for c in split)
            high = sum(up[c][1] for c in split if up[c][1] != math.inf)
            unbounded = sum(1 for c in split if up[c][1] == math.inf)
            for child in split:
                c_lo, c_hi = up[child]
                others = unbounded - (c_hi == math.inf)
                rest = (low - c_lo, math.inf if others else high - (c_hi if c_hi != math.inf
                                                                      else 0))
                descend(child, _meet(dom[child], (allowed[0] - rest[1], allowed[1] - rest[0])))

    descend(root, dom[root])
    return exact


def pinned(exact: Mapping[str, Interval], hidden: Mapping[str, str]) -> list[str]:
    """Hidden cells whose part only one value of 1 or more fits."""
    return [c for c, (lo, hi) in exact.items() if c in hidden and lo == hi and lo >= 1]


def groups_of(nodes: Mapping[str, Node]) -> list[Group]:
    return [Group(n.name, tuple(split)) for n in nodes.values() for split in n.splits]


# -- the exact attack against the brute-force search, on small trees ------------------------------
@st.composite
def small_trees(draw: st.DrawFn) -> tuple[dict[str, Node], dict[str, int]]:
    n_orgs = draw(st.integers(1, 3))
    nodes: dict[str, Node] = {"T": Node("T")}
    values: dict[str, int] = {}
    orgs = []
    for o in range(n_orgs):
        services = [f"s{o}_{i}" for i in range(draw(st.integers(1, 2)))]
        for s in services:
            nodes[s] = Node(s)
            values[s] = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9]))
        nodes[f"o{o}"] = Node(f"o{o}", [services])
        values[f"o{o}"] = sum(values[s] for s in services)
        orgs.append(f"o{o}")
    nodes["T"].splits.append(orgs)
    values["T"] = sum(values[o] for o in orgs)
    if draw(st.booleans()):  # a second table with the same total
        cut = draw(st.integers(0, values["T"]))
        nodes["x0"], nodes["x1"] = Node("x0"), Node("x1")
        values["x0"], values["x1"] = cut, values["T"] - cut
        nodes["T"].splits.append(["x0", "x1"])
    return nodes, values


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_trees(), st.data())
def test_the_tree_attack_is_exact(tree: tuple[dict[str, Node], dict[str, int]],
                                  data: st.DataObject) -> None:
    nodes, values = tree
    states = st.sampled_from([None, None, PRIMARY, SECONDARY, "withheld"])
    hidden = {}
    for c in nodes:
        state = data.draw(states, label=c)
        # Only what could be shown: "<5" for 1-4, "*" for 5 or more.
        if (state == PRIMARY and values[c] in range(1, 5)) or (
                state == SECONDARY and values[c] >= 5) or state == "withheld":
            hidden[c] = state
    groups = groups_of(nodes)
    searched = feasible(values, hidden, groups)
    exact = tree_attack(nodes, "T", values, hidden, cap=CAP)
    for cell, options in searched.items():
        assert exact[cell] == (min(options), max(options)), cell
        assert len(options) == exact[cell][1] - exact[cell][0] + 1  # a range, no gaps


def test_the_tree_attack_finds_what_subtraction_finds() -> None:
    """The attack can fail a table: a lone "<5" under a shown total, and two "<5" of an
    organisation whose own row is shown and small enough to fix both (1 + 1 = 2)."""
    nodes = {"T": Node("T", [["o1", "o2"]]), "o1": Node("o1", [["a", "b"]]),
             "o2": Node("o2", [["c", "d"]]), **{c: Node(c) for c in "abcd"}}
    values = {"T": 17, "o1": 2, "o2": 15, "a": 1, "b": 1, "c": 3, "d": 12}
    hidden = {"o1": PRIMARY, "a": PRIMARY, "b": PRIMARY, "c": PRIMARY}
    assert pinned(tree_attack(nodes, "T", values, hidden), hidden) == ["o1", "a", "b", "c"]
    hidden["d"] = SECONDARY
    assert pinned(tree_attack(nodes, "T", values, hidden), hidden) == ["o1", "a", "b"]


# -- a report-sized table ----------------------------------------------------------------------
OUTCOMES = ("started", "waiting_list", "declined", "not_eligible", "no_response", "closed",
            "open")


def referrals_table(rng: random.Random, services: int, sites: int
                    ) -> tuple[dict[str, Node], dict[str, int], list[dict[str, int]]]:
    """Referrals by service as a busy month makes them: about 2.75 referrals per service
    (most counts 1-4), 2.5 services per organisation, three sites; each referral counted
    by its service, its organisation, its outcome and the total, for the whole and for the
    site that made it."""
    n_orgs = max(1, services * 2 // 5)
    org_of = {f"ref_service:s{i}": f"ref_org:o{rng.randrange(n_orgs)}" for i in range(services)}
    values: dict[str, int] = {}
    own: list[dict[str, int]] = [{} for _ in range(sites)]
    names = list(org_of)
    for _ in range(int(services * 2.75)):
        service = rng.choice(names)
        outcome = "ref_outcome:" + rng.choices(OUTCOMES, [6, 2, 1, 1, 2, 2, 4])[0]
        site = own[rng.randrange(sites)]
        for cell in (service, org_of[service], outcome, "referrals"):
            values[cell] = values.get(cell, 0) + 1
            site[cell] = site.get(cell, 0) + 1
    nodes: dict[str, Node] = {"referrals": Node("referrals")}
    by_org: dict[str, list[str]] = {}
    for service in names:
        if values.get(service):
            by_org.setdefault(org_of[service], []).append(service)
            nodes[service] = Node(service)
    for org, members in sorted(by_org.items()):
        nodes[org] = Node(org, [members])
    outcomes = [f"ref_outcome:{o}" for o in OUTCOMES]
    for o in outcomes:
        nodes[o] = Node(o)
    nodes["referrals"].splits = [sorted(by_org), outcomes]
    return nodes, values, own


@pytest.mark.parametrize("services", [3000])
def test_a_table_of_thousands_of_services_is_safe_and_quick(services: int) -> None:
    rng = random.Random(20261)
    nodes, values, sites = referrals_table(rng, services, sites=3)
    # The report's sums: these plus services adding up to the total directly.
    groups = [*groups_of(nodes), Group("referrals", tuple(
        c for c in nodes if c.startswith("ref_service:")))]
    rows = sum(1 for c in nodes if c.startswith("ref_service:"))
    assert rows > 2500 and sum(1 for v in values.values() if v in range(1, 5)) > 1500

    started = time.perf_counter()
    result = suppress(values, groups, sites)
    took = time.perf_counter() - started
    hidden = result.hidden
    assert took < 20, f"suppression took {took:.1f} s"  # about 0.2 s on a counter PC

    # No count of 1-4 shown, nor anyone else's part of 1-4 to a site.
    shown = {c: v for c, v in values.items() if c not in hidden}
    assert not [c for c, v in shown.items() if v in range(1, 5)]
    for own in sites:
        assert not [c for c, v in shown.items() if v - own.get(c, 0) in range(1, 5)]
    # Nothing recovered by subtraction, nor by the exact attack, from outside or by a site.
    assert not subtraction_attack(values, hidden, groups) & set(hidden)
    for own in [{}, *sites]:
        exact = tree_attack(nodes, "referrals", values, hidden, own)
        for cell, (lo, hi) in exact.items():
            assert lo <= values.get(cell, 0) - own.get(cell, 0) <= hi  # the attack is sound
        assert not pinned(exact, hidden), own == {}
    # Not safe by hiding everything: the total and some services are shown, and only a few
    # organisations' rows are withheld (the last resort), not the whole table.
    assert "referrals" not in hidden
    assert any(c.startswith("ref_service:") and v >= 5 for c, v in shown.items())
    assert sum(state == WITHHELD for state in hidden.values()) < rows // 20


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_larger_tables_too(seed: int) -> None:
    """A year's busiest month of a large network: 20,000 services."""
    rng = random.Random(seed)
    nodes, values, sites = referrals_table(rng, 20_000, sites=3)
    groups = [*groups_of(nodes), Group("referrals", tuple(
        c for c in nodes if c.startswith("ref_service:")))]
    hidden = suppress(values, groups, sites).hidden
    assert not [c for c, v in values.items() if c not in hidden and v in range(1, 5)]
    for own in [{}, *sites]:
        assert not pinned(tree_attack(nodes, "referrals", values, hidden, own), hidden)


# -- the same decisions as the plain version ------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_the_same_cells_hidden_as_the_plain_version(
        table: tuple[dict[str, int], list[Group]], data: st.DataObject) -> None:
    values, groups = table
    rows = sorted({m for g in groups for m in g.members})
    insiders = []
    for i in range(data.draw(st.integers(0, 2), label="insiders")):
        own = {r: data.draw(st.integers(0, values[r]), label=f"own {i} {r}") for r in rows}
        for _ in range(2):  # totals of totals
            for g in groups:
                if all(m in own for m in g.members):
                    own[g.total] = sum(own[m] for m in g.members)
        # An insider's own counts add up like anyone's (a table shared with another split
        # differently is not a part anyone could have).
        if all(own.get(g.total, 0) == sum(own.get(m, 0) for m in g.members) for g in groups):
            insiders.append(own)
    fast = suppress(values, groups, insiders).hidden
    assert fast == plain.suppress(values, groups, insiders)
    assert suppression.disclosed(values, fast, groups, insiders) == plain.disclosed(
        values, fast, groups, insiders) == []


@pytest.mark.parametrize("seed", range(12))
def test_the_same_cells_hidden_as_the_plain_version_in_referral_tables(seed: int) -> None:
    rng = random.Random(seed)
    nodes, values, sites = referrals_table(rng, rng.choice([30, 120, 300]), sites=3)
    sites = sites[:seed % 4]
    groups = [*groups_of(nodes), Group("referrals", tuple(
        c for c in nodes if c.startswith("ref_service:")))]
    assert suppress(values, groups, sites).hidden == plain.suppress(values, groups, sites)
    # The same sums made ready once give the same answer.
    assert suppress(values, suppression.prepare(groups), sites).hidden == plain.suppress(
        values, groups, sites)


# -- sums with no members, absurd and inconsistent figures -----------------------------------
def test_an_empty_sum_last_does_not_cut_short_the_sum_before_it() -> None:
    """Array sums once read the members of the sum before a trailing empty one one short,
    and missed that B = T - A."""
    groups = [Group("T", ("A", "B")), Group("U", ())]
    values = {"T": 20, "A": 7, "B": 13}
    assert suppression.disclosed(values, {"B": SECONDARY}, groups) == plain.disclosed(
        values, {"B": SECONDARY}, groups) == ["B"]
    groups = [Group("U", ()), Group("T", ("A", "B", "C")), Group("V", ())]
    values = {"T": 23, "A": 7, "B": 13, "C": 3}
    assert suppress(values, groups).hidden == plain.suppress(values, groups) == {
        "C": PRIMARY, "A": SECONDARY}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_empty_sums_anywhere_change_nothing(table: tuple[dict[str, int], list[Group]],
                                            data: st.DataObject) -> None:
    values, groups = table
    with_empty = list(groups)
    for i in range(data.draw(st.integers(1, 3), label="empty sums")):
        at = data.draw(st.integers(0, len(with_empty)), label=f"where {i}")
        with_empty.insert(at, Group(f"empty_{i}", ()))
    assert suppress(values, with_empty).hidden == plain.suppress(values, with_empty)


def test_absurd_or_inconsistent_figures_are_all_withheld() -> None:
    """Counts no place could have (a damaged or hostile snapshot) and figures that do not
    add up have no safe answer: every row is hidden."""
    groups = [Group("T", ("A", "X"))]
    absurd = suppress({"T": 6 * 10**11 + 10, "A": 6 * 10**11, "X": 10}, groups).hidden
    assert absurd == {"A": WITHHELD, "X": WITHHELD}
    broken = suppress({"T": 30, "A": 3, "X": 12}, groups).hidden  # 3 + 12 is not 30
    assert broken == {"A": WITHHELD, "X": WITHHELD}
