"""The order of an open-ended table's rows (services, organisations): largest first for
exact figures (what a manager looks for), alphabetical when small numbers are hidden, since
a row's place in a size order would tell a reader roughly how big a hidden count is."""

from __future__ import annotations

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


def test_exact_figures_list_services_largest_first_then_by_name() -> None:
    counts = {"s1": 3, "s2": 12, "s3": 3, "s4": 40, "s5": 3, "s6": 12}
    assert _rows(True, counts) == [
        "Zumba for seniors (Example Carers Group)",
        "Befriending (Age Friendly Example Town)", "Befriending (Example Carers Group)",
        "Advocacy (Example Carers Group)", "Benefit check (Example Carers Group)",
        "lunch club (Age Friendly Example Town)",  # by name whatever the case
    ]


def test_hidden_figures_list_services_by_name_only() -> None:
    counts = {"s1": 3, "s2": 12, "s3": 3, "s4": 40, "s5": 3, "s6": 12}
    assert _rows(False, counts) == [
        "Advocacy (Example Carers Group)",
        "Befriending (Age Friendly Example Town)", "Befriending (Example Carers Group)",
        "Benefit check (Example Carers Group)", "lunch club (Age Friendly Example Town)",
        "Zumba for seniors (Example Carers Group)",
    ]
