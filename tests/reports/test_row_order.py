"""The order of an open-ended table's rows (services, organisations): largest first for
exact figures (what a manager looks for), alphabetical when small numbers are hidden, since
a row's place in a size order would tell a reader roughly how big a hidden count is."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csn_desk.reports import tables as T
from csn_desk.reports.suppression import prepare, suppress

SERVICES = {  # id -> (name, organisation)
    "s1": ("lunch club", "o1"), "s2": ("Befriending", "o1"), "s3": ("Advocacy", "o2"),
    "s4": ("Zumba for seniors", "o2"), "s5": ("Benefit check", "o2"),
    "s6": ("Befriending", "o2"),  # the same name at another organisation
}
ORGS = {"o1": "Age Friendly Example Town", "o2": "Example Carers Group"}


def _rows(by_size: bool, counts: dict[str, int]) -> list[str]:
    labels = T.Labels(SERVICES, ORGS)
    figures = T.extend({f"ref_service:{sid}": n for sid, n in counts.items()}, labels)
    spec = next(s for s in T.specs([figures], labels, by_size=by_size)
                if s.key == "referral_services")
    return [label for _key, label, total in spec.rows if not total]


COUNTS = {"s1": 3, "s2": 12, "s3": 3, "s4": 40, "s5": 3, "s6": 12}
LARGEST_FIRST = ["Zumba for seniors (Example Carers Group)",
                 "Befriending (Age Friendly Example Town)", "Befriending (Example Carers Group)",
                 "Advocacy (Example Carers Group)", "Benefit check (Example Carers Group)",
                 "lunch club (Age Friendly Example Town)"]  # by name whatever the case
BY_NAME = ["Advocacy (Example Carers Group)", "Befriending (Age Friendly Example Town)",
           "Befriending (Example Carers Group)", "Benefit check (Example Carers Group)",
           "lunch club (Age Friendly Example Town)", "Zumba for seniors (Example Carers Group)"]


@pytest.mark.parametrize(("by_size", "expected"), [(True, LARGEST_FIRST), (False, BY_NAME)],
                         ids=["exact: largest first, then by name", "hidden: by name only"])
def test_service_rows_order(by_size: bool, expected: list[str]) -> None:
    assert _rows(by_size, COUNTS) == expected


_SERVICE_IDS = st.sampled_from([*SERVICES, "gone", "external"])  # "gone": not in the directory
_OTHER_KEYS = st.sampled_from(["enquiries", "need:carers", "ref_org:o2", "ref_org:stray",
                               "district:DL1"])


@given(st.lists(st.tuples(st.dictionaries(_SERVICE_IDS, st.integers(0, 6), max_size=8),
                          st.dictionaries(_OTHER_KEYS, st.integers(0, 6), max_size=4)),
                min_size=1, max_size=3))
@settings(max_examples=200, deadline=None)
def test_organisations_present_are_worked_out_from_the_services(
        columns: list[tuple[dict[str, int], dict[str, int]]]) -> None:
    """The report finds which organisations' rows have a count from the services present,
    without walking the extended columns: the same codes (a code's order does not matter,
    every table sorts them)."""
    labels = T.Labels(SERVICES, ORGS)
    figures = [{**{f"ref_service:{sid}": n for sid, n in services.items()}, **others}
               for services, others in columns]
    quick = T.with_organisations(T.present_codes(figures), labels)
    walked = T.present_codes([T.extend(f, labels) for f in figures])
    assert {k: sorted(v) for k, v in quick.items()} == {k: sorted(v) for k, v in walked.items()}


@pytest.mark.parametrize("counts", [
    COUNTS,
    {"s1": 2, "s3": 1},  # everything small: rows withheld
    {"s1": 7, "s2": 3, "s3": 9, "s4": 1, "s5": 12, "gone": 4, "external": 6},
])
def test_tables_filled_from_suppression_arrays_equal_those_by_name(
        counts: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Hidden tables are filled from the arrays suppression kept; the same tables as looking
    every cell up by name (marks, numbers and the "all hidden" note)."""
    labels = T.Labels(SERVICES, ORGS)
    # (figures that add up: every referral has started; nothing else counted)
    columns = [T.extend({**{f"ref_service:{sid}": n for sid, n in counts.items()},
                         "referrals": sum(counts.values()),
                         "ref_outcome:started": sum(counts.values())}, labels),
               T.extend({"ref_service:s1": 5, "ref_service:s2": 2, "referrals": 7,
                         "ref_outcome:started": 7}, labels)]
    all_specs = T.specs(columns, labels, by_size=False, service_sums=True)
    sums = prepare(T.groups(all_specs))
    masks = [suppress(c, sums) for c in columns]
    assert all(m.decided is not None for m in masks)
    used: list[int] = []
    real = T._cells_decided

    def spy(*args: object) -> object:
        used.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(T, "_cells_decided", spy)
    quick = T.render(all_specs, columns, masks)
    assert len(used) == len(all_specs)
    by_name = T.render(all_specs, columns, [replace(m, decided=None) for m in masks])
    assert len(used) == len(all_specs)
    assert quick == by_name
    assert any(c.mark for t in quick for r in t.rows for c in r.cells)
