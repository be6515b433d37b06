"""From raw figures to the tables a report shows: labelled rows, a total row, the three
columns (the period, the period before, a year earlier), and which sums link the cells (for
suppression). Labels come from the vocabularies in resources/ and from the directory.

Rows of open-ended tables (postcode districts, organisations, services) are listed
alphabetically whenever small numbers are hidden: ordering them by size would tell a reader
roughly how big a hidden count is from where its row sits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple, cast

import numpy as np

from csn_desk.reports import figures as F
from csn_desk.reports.suppression import (
    CODES,
    NOTHING_HIDDEN,
    PRIMARY,
    SECONDARY,
    WITHHELD,
    WITHHELD_CODE,
    Group,
    Sums,
    Suppression,
)
from csn_desk.vocab import vocab

NOT_RECORDED = "Not recorded"
CLIENTS = "clients"
NOT_MET = "needs_not_met"
REF_ORG = "ref_org"

OUTCOME_LABELS = {
    "started": vocab("referral_statuses").label("started"),
    "waiting_list": vocab("referral_statuses").label("waiting_list"),
    "declined": vocab("referral_statuses").label("declined"),
    "not_eligible": vocab("referral_statuses").label("not_eligible"),
    "no_response": vocab("referral_statuses").label("no_response"),
    "closed": vocab("referral_statuses").label("closed"),
    "open": "Still open (no outcome yet)",
}
FOLLOWUP_LABELS = {"on_time": "Followed up on time", "late": "Followed up late",
                   "not_done": "Not followed up yet"}
EXTERNAL_LABEL = "Services not in the directory (typed in)"
UNKNOWN_SERVICE = "A service not in this copy of the directory"
_SERVICE = "ref_service:"
_first, _second = itemgetter(0), itemgetter(1)


class Cell(NamedTuple):
    """One number of a table (a tuple: a large network's report has tens of thousands)."""

    value: float | None  # None when hidden or not applicable
    mark: str | None = None  # "<5" or "*" when hidden; "-" when there is nothing to show
    # Decimal places always shown (hours, averages: "24.0" beside "29.7", not "24"); None:
    # a whole number without, anything else with one.
    places: int | None = None

    @property
    def text(self) -> str:
        if self.mark is not None:
            return self.mark
        if self.value is None:
            return "-"
        if self.places is not None:
            return f"{self.value:,.{self.places}f}"
        if float(self.value).is_integer():
            return f"{int(self.value):,}"
        return f"{self.value:,.1f}"


class Row(NamedTuple):
    key: str
    label: str
    cells: tuple[Cell, ...]
    total: bool = False
    kind: str = "count"  # count, days, hours or minutes


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    counts: str  # what one is counted: "enquiries", "needs", "referrals", ...
    definition: str
    rows: tuple[Row, ...]
    note: str = ""
    chart: bool = False  # drawn as a chart in the app and the PDF

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)


@dataclass(frozen=True)
class Labels:
    """Directory names for the services and organisations referred to."""

    services: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    organisations: Mapping[str, str] = field(default_factory=dict)
    # "ref_service:<id>" -> "ref_org:<its organisation>" (the directory's services now,
    # others as they are met)
    _org_keys: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        prefix = REF_ORG + ":"
        for sid, (_name, org) in self.services.items():
            self._org_keys[_SERVICE + sid] = prefix + (org or F.NONE)

    def service(self, service_id: str) -> str:
        if service_id == F.EXTERNAL:
            return EXTERNAL_LABEL
        found = self.services.get(service_id)
        if found is None:
            return UNKNOWN_SERVICE
        name, org = found
        org_name = self.organisations.get(org or "")
        return f"{name} ({org_name})" if org_name else name

    def service_labels(self, service_ids: Iterable[str]) -> dict[str, str]:
        """``service`` of each (the same labels, without a call each)."""
        services, organisations = self.services, self.organisations
        out = {}
        for sid in service_ids:
            found = services.get(sid)
            if found is None or sid == F.EXTERNAL:
                out[sid] = self.service(sid)
                continue
            name, org = found
            org_name = organisations.get(org or "")
            out[sid] = f"{name} ({org_name})" if org_name else name
        return out

    def organisation_of(self, service_id: str) -> str:
        if service_id == F.EXTERNAL:
            return F.EXTERNAL
        found = self.services.get(service_id)
        return (found[1] if found else None) or F.NONE

    def organisation(self, org_id: str) -> str:
        if org_id == F.EXTERNAL:
            return EXTERNAL_LABEL
        return self.organisations.get(org_id, UNKNOWN_SERVICE)

    def org_key(self, service_key: str) -> str:
        """The organisation's cell ("ref_org:...") of a service's ("ref_service:...")."""
        found = self._org_keys.get(service_key)
        if found is None:
            found = self._org_keys[service_key] = F.key(
                REF_ORG, self.organisation_of(service_key[len(_SERVICE):]))
        return found


def extend(figures: Mapping[str, int], labels: Labels) -> dict[str, int]:
    """The figures plus the cells worked out from them: referrals by organisation, all
    clients, and needs not met or partly met."""
    out = dict(figures.items())  # (a Figures would be read key by key otherwise)
    known = labels._org_keys.get
    for name, value in figures.items():
        org = known(name)
        if org is None:
            if not name.startswith(_SERVICE):
                continue
            org = labels.org_key(name)
        out[org] = out.get(org, 0) + value
    out[CLIENTS] = figures.get(F.NEW_CLIENTS, 0) + figures.get(F.RETURNING_CLIENTS, 0)
    out[NOT_MET] = (figures.get("need_outcome:unmet", 0)
                    + figures.get("need_outcome:partly_met", 0))
    return out


@dataclass(frozen=True)
class Spec:
    """A table before its numbers: rows as (cell, label, is total), and its sums."""

    key: str
    title: str
    counts: str
    definition: str
    rows: tuple[tuple[str, str, bool], ...]
    groups: tuple[Group, ...]
    chart: bool = False
    # Rows listed only because they have a count (services, districts...), unlike a
    # vocabulary's rows, which are always listed: see ``render``.
    by_count: frozenset[str] = frozenset()


Present = dict[str, list[str]]  # dimension -> the codes with a count in any column, unsorted


def present_codes(columns: Sequence[Mapping[str, int]]) -> Present:
    """Every dimension's codes with a count in any column, found in one pass (a month of a
    large network has tens of thousands of keys)."""
    index: dict[str, list[str]] = {}
    present: set[str] = set()
    for fig in columns:  # the keys with a count (filtered without a Python loop)
        present.update(map(_first, filter(_second, fig.items())))
    for k in present:
        dim, colon, code = k.partition(":")
        if colon:
            found = index.get(dim)
            if found is None:
                index[dim] = [code]
            else:
                found.append(code)
    return index


def with_organisations(present: Present, labels: Labels) -> Present:
    """``present_codes`` of the columns once ``extend``ed, from those of the columns before
    (without walking the extended columns again): an organisation's referrals row
    ("ref_org:") has a count exactly when one of its services does, counts never being
    below zero."""
    services = present.get("ref_service")
    if not services:
        return present
    org_key, start = labels.org_key, len(REF_ORG) + 1
    orgs = [*present.get(REF_ORG, ()), *(org_key(_SERVICE + c)[start:] for c in services)]
    return {**present, REF_ORG: list(dict.fromkeys(orgs))}


def _vocab_table(present: Present, key: str, title: str, dimension: str,
                 vocabulary: str, total: str, counts: str, definition: str,
                 chart: bool = False) -> Spec:
    terms = vocab(vocabulary).terms
    codes = [t.code for t in terms]
    labels = {t.code: t.label for t in terms}
    extra = sorted(c for c in present.get(dimension, []) if c not in labels)
    rows = [(F.key(dimension, c), labels[c], False) for c in codes]
    rows += [(F.key(dimension, c), NOT_RECORDED if c == F.NONE else c, False) for c in extra]
    members = tuple(r[0] for r in rows)
    return Spec(key, title, counts, definition,
                (*rows, (total, f"All {counts}", True)), (Group(total, members),), chart,
                frozenset(F.key(dimension, c) for c in extra))


def _ordered(columns: Sequence[Mapping[str, int]], present: Present, dimension: str,
             label: dict[str, str], by_size: bool) -> list[str]:
    """Codes by label, ties by code; with ``by_size``, largest first (in the first column),
    ties by label. Sorted in stable passes with plain keys (quicker than comparing tuples
    of tens of thousands of services, most of them tied on a small count)."""
    codes = present.get(dimension, [])
    first = columns[0] if columns else {}
    prefix = dimension + ":"
    lower = {c: label[c].lower() for c in codes}
    out = sorted(codes)
    out.sort(key=lower.__getitem__)
    if by_size:
        count = {c: first.get(prefix + c, 0) for c in codes}
        out.sort(key=count.__getitem__, reverse=True)  # (reverse keeps ties in order)
    return out


def specs(columns: Sequence[Mapping[str, int]], labels: Labels, *,
          by_size: bool = True, service_sums: bool = True,
          present: Present | None = None) -> list[Spec]:
    """Every table of the report, for the extended figures of its columns. Without
    ``service_sums`` the services table leaves out that each organisation's services add up
    to its row (one sum per organisation, for suppression only). ``present``: the
    columns' ``present_codes`` if already known."""
    out: list[Spec] = []
    E, N, R = F.ENQUIRIES, F.NEEDS, F.REFERRALS
    if present is None:
        present = present_codes(columns)
    out.append(_vocab_table(present, "needs", "Needs", "need", "needs", N, "needs",
                            "Needs recorded on the enquiries received in the period, by "
                            "category. One enquiry can record several needs.", chart=True))
    out.append(_vocab_table(present, "need_outcomes", "Were the needs met?", "need_outcome",
                            "need_outcomes", N, "needs",
                            "Each need by whether it was met, as recorded now.", chart=True))
    unmet = _vocab_table(present, "unmet", "Needs not met, by reason", "unmet_reason",
                         "unmet_reasons", NOT_MET, "needs not met or partly met",
                         "Needs recorded as not met or partly met, by the reason given.",
                         chart=True)
    unmet = Spec(unmet.key, unmet.title, unmet.counts, unmet.definition,
                 tuple((c, "No reason recorded" if c == "unmet_reason:none" else lab, t)
                       for c, lab, t in unmet.rows),
                 (*unmet.groups,
                  Group(NOT_MET, ("need_outcome:unmet", "need_outcome:partly_met"))),
                 chart=True, by_count=unmet.by_count)
    out.append(unmet)
    for key, title, dimension, vocabulary, definition in (
            ("age_bands", "Age band", "age_band", "age_bands",
             "Enquiries by the age band of the person the enquiry is about."),
            ("channels", "How the enquiry came in", "channel", "channels",
             "Enquiries by how they reached the access point."),
            ("enquirer_types", "Who asked", "enquirer", "enquirer_types",
             "Enquiries by who made them."),
            ("routes", "Route into services", "route", "routes",
             "Enquiries by the route into services (the feasibility study's three routes).")):
        out.append(_vocab_table(present, key, title, dimension, vocabulary, E, "enquiries",
                                definition))
    districts = present.get("district", [])
    named = sorted(c for c in districts if c != F.NONE)
    rows = [(F.key("district", c), c, False) for c in named]
    if F.NONE in districts:
        rows.append((F.key("district", F.NONE), NOT_RECORDED, False))
    out.append(Spec("districts", "Postcode district", "enquiries",
                    "Enquiries by the postcode district of the person (the first half of "
                    "the postcode only).", (*rows, (E, "All enquiries", True)),
                    (Group(E, tuple(r[0] for r in rows)),),
                    by_count=frozenset(r[0] for r in rows)))
    out.append(Spec(
        "clients", "New and returning clients", "clients and enquiries",
        "Clients: people with a client record who made an enquiry in the period; new if "
        "their first enquiry ever was in the period. Anonymous enquiries have no record.",
        ((F.NEW_CLIENTS, "New clients", False),
         (F.RETURNING_CLIENTS, "Returning clients", False),
         (CLIENTS, "All clients with a record", True),
         (F.WITH_CLIENT, "Enquiries with a client record", False),
         (F.ANONYMOUS, "Anonymous enquiries (no client record)", False),
         (E, "All enquiries", True)),
        (Group(CLIENTS, (F.NEW_CLIENTS, F.RETURNING_CLIENTS)),
         Group(E, (F.WITH_CLIENT, F.ANONYMOUS)))))
    service_codes = present.get("ref_service", [])
    service_label = labels.service_labels(service_codes)
    org_codes = present.get(REF_ORG, [])
    org_label = {c: labels.organisation(c) for c in org_codes}
    orgs = _ordered(columns, present, REF_ORG, org_label, by_size)
    out.append(Spec(
        "referral_orgs", "Referrals by organisation", "referrals",
        "Referrals and signposting made for the enquiries received in the period, by the "
        "organisation that runs the service.",
        (*((F.key(REF_ORG, c), org_label[c], False) for c in orgs),
         (R, "All referrals", True)),
        (Group(R, tuple(F.key(REF_ORG, c) for c in orgs)),),
        by_count=frozenset(F.key(REF_ORG, c) for c in orgs)))
    services = _ordered(columns, present, "ref_service", service_label, by_size)
    service_keys = [_SERVICE + c for c in services]
    by_org: dict[str, list[str]] = {}
    org_key = labels.org_key
    for k in service_keys if service_sums else ():
        org = org_key(k)
        found = by_org.get(org)
        if found is None:
            by_org[org] = [k]
        else:
            found.append(k)
    out.append(Spec(
        "referral_services", "Referrals by service", "referrals",
        "Referrals and signposting made for the enquiries received in the period, by "
        "service (organisation in brackets).",
        (*((k, service_label[c], False) for k, c in zip(service_keys, services, strict=True)),
         (R, "All referrals", True)),
        (Group(R, tuple(service_keys)),
         *(Group(org, tuple(cells)) for org, cells in sorted(by_org.items()))),
        by_count=frozenset(service_keys)))
    out.append(Spec(
        "referral_outcomes", "Referral outcomes", "referrals",
        "Where the referrals made for the period's enquiries stand now (their latest "
        "status). Still open: made or contacted, no outcome yet.",
        (*((F.key("ref_outcome", c), OUTCOME_LABELS[c], False) for c in F.OUTCOME_ORDER),
         (R, "All referrals", True)),
        (Group(R, tuple(F.key("ref_outcome", c) for c in F.OUTCOME_ORDER)),), chart=True))
    out.append(Spec(
        "followups", "Follow-ups", "follow-ups",
        "Referrals whose follow-up date fell in the period. On time: the first outcome "
        "after the referral was recorded on or before that date.",
        (*((F.key("followup", c), FOLLOWUP_LABELS[c], False) for c in F.FOLLOWUP_ORDER),
         (F.FOLLOWUPS_DUE, "All follow-ups due", True)),
        (Group(F.FOLLOWUPS_DUE, tuple(F.key("followup", c) for c in F.FOLLOWUP_ORDER)),)))
    return out


def groups(all_specs: Sequence[Spec]) -> list[Group]:
    seen: dict[tuple[str, tuple[str, ...]], Group] = {}
    for spec in all_specs:
        for g in spec.groups:
            seen.setdefault((g.total, g.members), g)
    return with_differences(list(seen.values()))


# Sums of more rows than this are not looked at for sums inside them (a network's
# referrals by service: thousands of rows, whose sums inside them are a tree of
# organisations, which the bounds follow on their own).
_DIFFERENCE_ROWS = 64


def with_differences(sums: list[Group]) -> list[Group]:
    """The sums, and for each sum whose rows are some of another's rows, the difference as
    a sum of its own: all needs = (not met or partly met) + met + not decided yet, besides
    all needs = not met + partly met + met + not decided. A reader subtracts one sum from
    the other; the suppression's bounds, worked out one sum at a time, would not (found by
    an audit: "not decided yet" = 30 - 16 - 10 with both sums shown)."""
    small = [g for g in sums if 1 < len(g.members) <= _DIFFERENCE_ROWS]
    having: dict[str, list[Group]] = {}
    for g in small:
        for m in g.members:
            having.setdefault(m, []).append(g)
    known = {(g.total, frozenset(g.members)) for g in sums}
    out = list(sums)
    for part in small:
        inside = set(part.members)
        for whole in having.get(part.members[0], []):
            if whole is part or whole.total == part.total or not inside < set(whole.members):
                continue
            rest = tuple(m for m in whole.members if m not in inside)
            key = (whole.total, frozenset((part.total, *rest)))
            if key not in known:
                known.add(key)
                out.append(Group(whole.total, (part.total, *rest)))
    return out


def cell_for(value: float | int, cell_key: str, hidden: Suppression) -> Cell:
    mark = hidden.mark(cell_key)
    if mark is not None:
        return Cell(None, mark)
    return Cell(value)


class _Cells(dict[float, Cell]):
    """One Cell per number, shared by every cell showing it (a large report has tens of
    thousands of cells, mostly small numbers)."""

    def __missing__(self, value: float) -> Cell:
        found = self[value] = Cell(value)
        return found


def _decided(columns: Sequence[Mapping[str, int]], masks: Sequence[Suppression]
             ) -> Sums | None:
    """The sums every column was hidden with, when each mask kept its arrays for that very
    column (``Suppression.decided``): the tables can then be filled from them."""
    found = [d for m, fig in zip(masks, columns, strict=True)
             if (d := m.decided) is not None and d.values is fig]
    if not found or len(found) != len(columns):
        return None
    sums = found[0].sums
    return sums if all(d.sums is sums for d in found) else None


def render(all_specs: Sequence[Spec], columns: Sequence[Mapping[str, int]],
           hidden: Sequence[Suppression] | None = None) -> list[Table]:
    """The tables with their numbers; hidden cells carry their mark instead."""
    masks = list(hidden) if hidden is not None else [NOTHING_HIDDEN] * len(columns)
    shown = _Cells()
    sums = _decided(columns, masks)
    tables = []
    for spec in all_specs:
        keys = [r[0] for r in spec.rows]
        at = None if sums is None else _positions(sums, keys)
        if at is not None:
            by_column, withheld = _cells_decided(masks, at, shown)
        else:
            by_column, withheld = _cells_by_name(columns, masks, keys, shown)
        per_row = zip(*by_column, strict=True) if by_column else repeat((), len(keys))
        rows = tuple([tuple.__new__(Row, (key, label, cells, is_total, "count"))
                      for (key, label, is_total), cells in zip(spec.rows, per_row,
                                                               strict=True)])
        note = ("Rows of this table marked * are all hidden, because its numbers are too "
                "small to share safely." if withheld else "")
        if withheld and spec.by_count:
            rows, left_out = _without_unseen(rows, spec.by_count, columns, masks)
            if left_out:
                note += (" Rows with nothing to show (each count hidden so, or none) are "
                         "left out: a row listed only for a hidden count would say that it "
                         "is not nought.")
        tables.append(Table(spec.key, spec.title, spec.counts, spec.definition, rows,
                            note, spec.chart))
    return tables


def _without_unseen(rows: tuple[Row, ...], by_count: frozenset[str],
                    columns: Sequence[Mapping[str, int]], masks: Sequence[Suppression]
                    ) -> tuple[tuple[Row, ...], int]:
    """The rows but those listed only for their counts whose every count is withheld or
    nought. Such a row would be listed only because a withheld count is not nought, which
    a reader could use (five such rows under a total of 5 are each 1); left out, it says
    nothing, and suppression need not assume it does (each month's decisions stay its own,
    alike in every report that shows the month)."""
    kept = []
    for row in rows:
        if row.key in by_count and all(
                fig.get(row.key, 0) == 0 or mask.hidden.get(row.key) == WITHHELD
                for fig, mask in zip(columns, masks, strict=True)):
            continue
        kept.append(row)
    return tuple(kept), len(rows) - len(kept)


def _positions(sums: Sums, keys: Sequence[str]) -> list[int] | None:
    """Where each key is among the sums' cells (None if one is not: then by name)."""
    found = list(map(sums.index.get, keys))
    return None if None in found else cast(list[int], found)


_MARKED = {PRIMARY: Cell(None, "<5"), SECONDARY: Cell(None, "*"), WITHHELD: Cell(None, "*")}


def _cells_by_name(columns: Sequence[Mapping[str, int]], masks: Sequence[Suppression],
                   keys: Sequence[str], shown: _Cells) -> tuple[list[list[Cell]], bool]:
    """Column by column: each column's numbers, then its cells (shared, or marked)."""
    by_column = []
    withheld = False
    for fig, mask in zip(columns, masks, strict=True):
        cells = list(map(shown.__getitem__, map(fig.get, keys, repeat(0))))
        state_of = mask.hidden
        if state_of:
            for i, key in enumerate(keys):
                state = state_of.get(key)
                if state is not None:
                    cells[i] = _MARKED.get(state) or Cell(None, "*")
                    withheld = withheld or state == WITHHELD
        by_column.append(cells)
    return by_column, withheld


def _cells_decided(masks: Sequence[Suppression], at: list[int], shown: _Cells
                   ) -> tuple[list[list[Cell]], bool]:
    """The same, from the arrays suppression kept (each row's cell found once for every
    column, not looked up by name in each column's figures and hidden cells)."""
    by_column = []
    withheld = False
    for mask in masks:
        decided = mask.decided
        assert decided is not None  # (``_decided`` checked)
        codes = decided.codes[at]
        cells = list(map(shown.__getitem__, decided.counts[at].tolist()))
        hidden_at = np.flatnonzero(codes)
        for i, code in zip(hidden_at.tolist(), codes[hidden_at].tolist(), strict=True):
            cells[i] = _MARKED[CODES[code]]
        withheld = withheld or bool((codes == WITHHELD_CODE).any())
        by_column.append(cells)
    return by_column, withheld


def summary_table(columns: Sequence[Mapping[str, int]],
                  hidden: Sequence[Suppression] | None = None) -> Table:
    """The headline figures: counts from the other tables (hidden alike) plus the median
    days to start and the time spent, shown only when the counts behind them are."""
    masks = list(hidden) if hidden is not None else [NOTHING_HIDDEN] * len(columns)
    counts = ((F.ENQUIRIES, "Enquiries"), (F.NEW_CLIENTS, "New clients"),
              (F.RETURNING_CLIENTS, "Returning clients"), (F.NEEDS, "Needs recorded"),
              (NOT_MET, "Needs not met or partly met"), (F.REFERRALS, "Referrals made"),
              ("ref_outcome:started", "Referrals that started the service"),
              (F.FOLLOWUPS_DUE, "Follow-ups due"), ("followup:on_time", "Followed up on time"))
    rows = [Row(k, label, tuple(cell_for(fig.get(k, 0), k, m)
                                for fig, m in zip(columns, masks, strict=True)))
            for k, label in counts]
    median, hours, average, timed = [], [], [], []
    for fig, mask in zip(columns, masks, strict=True):
        suppressing = hidden is not None
        started = fig.get("ref_outcome:started", 0)
        started_shown = mask.shows("ref_outcome:started") and (started >= 5 or not suppressing)
        days = F.median_days(F.days_to_start(fig))
        median.append(Cell(days) if started_shown and days is not None else Cell(None, "-"))
        n = fig.get(F.TIMED, 0)
        small = suppressing and n in range(1, 5)
        timed.append(Cell(None, "<5") if small else Cell(n))
        if n and not small:
            hours.append(Cell(round(fig.get(F.MINUTES, 0) / 60, 1), places=1))
            average.append(Cell(round(fig.get(F.MINUTES, 0) / n, 1), places=1))
        else:
            hours.append(Cell(None, "-"))
            average.append(Cell(None, "-"))
    rows += [Row("median_days_to_start", "Median days from referral to starting the service",
                 tuple(median), kind="days"),
             Row(F.TIMED, "Enquiries with the time spent recorded", tuple(timed)),
             Row("time:hours", "Time spent (hours)", tuple(hours), kind="hours"),
             Row("time:average", "Average minutes per enquiry", tuple(average), kind="minutes")]
    return Table("summary", "Summary", "mixed",
                 "The main figures at a glance; each count is explained with its own table.",
                 tuple(rows))
