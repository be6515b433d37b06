"""The order of an open-ended table's rows (services, organisations): largest first for
exact figures (what a manager looks for), alphabetical when small numbers are hidden, since
a row's place in a size order would tell a reader roughly how big a hidden count is."""

from __future__ import annotations

import pytest

from csn_desk.reports import tables as T

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
