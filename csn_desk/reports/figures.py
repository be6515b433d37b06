"""The raw figures of one period and one place: a flat map of named counts.

Every number a report shows is built from these counts, and a site's anonymous monthly
snapshot is exactly this map as JSON, so network figures are the sum of sites' maps.
Keys are ``"<dimension>:<code>"`` (or a bare name for a total); codes are vocabulary codes,
postcode districts, directory service ids, or ``NONE`` when nothing was recorded. No key or
value ever holds a person's details, a note or free text.

Dimensions (what each count counts):

enquiries                 enquiries received in the period
channel:, enquirer:,      enquiries by how they came in, who asked, age band, postcode
age_band:, district:,     district and route into services (``NONE``: not recorded)
route:
time:minutes              minutes spent, summed; time:recorded: enquiries with a time recorded
clients:new               distinct clients whose first enquiry ever is in the period
clients:returning         distinct clients who had an enquiry before the period
enquiries:with_client     enquiries with a client record; enquiries:anonymous without one
needs                     needs recorded on those enquiries (an enquiry can have several)
need:                     needs by category
need_outcome:             needs by outcome (open, met, partly_met, unmet)
unmet_reason:             needs not met or partly met, by reason (``NONE``: no reason given)
referrals                 referrals made for the period's enquiries
ref_service:              referrals by directory service id (``EXTERNAL``: a service typed in)
ref_outcome:              referrals by where they stand now (see ``OUTCOME_GROUPS``)
started_days:<n>          referrals that started the service, by whole days from referral
followups_due             referrals whose follow-up date falls in the period
followup:                 those by on_time, late, not_done
"""

from __future__ import annotations

import json
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from typing import Any

from csn_desk.errors import InvalidInput

NONE = "none"
EXTERNAL = "external"
FORMAT_VERSION = 1

ENQUIRIES = "enquiries"
NEEDS = "needs"
REFERRALS = "referrals"
FOLLOWUPS_DUE = "followups_due"
WITH_CLIENT = "enquiries:with_client"
ANONYMOUS = "enquiries:anonymous"
NEW_CLIENTS = "clients:new"
RETURNING_CLIENTS = "clients:returning"
MINUTES = "time:minutes"
TIMED = "time:recorded"

# Where a referral stands now, from its latest status event (resources/vocab/
# referral_statuses.json): "open" is made or contacted with no outcome yet.
OUTCOME_GROUPS: dict[str, str] = {
    "made": "open", "contacted": "open", "started": "started",
    "waiting_list": "waiting_list", "declined": "declined", "not_eligible": "not_eligible",
    "no_response": "no_response", "closed": "closed",
}
OUTCOME_ORDER = ("started", "waiting_list", "declined", "not_eligible", "no_response",
                 "closed", "open")
FOLLOWUP_ORDER = ("on_time", "late", "not_done")

MAX_KEYS = 100_000  # a snapshot with more keys than this is damaged or hostile


def key(dimension: str, code: str | None) -> str:
    return f"{dimension}:{code if code not in (None, '') else NONE}"


def plain(figures: Mapping[str, int]) -> Mapping[str, int]:
    """The counts as a plain dict where they are one (tens of thousands of look-ups by
    name go quicker without ``Figures.get`` in between); a missing key is still zero."""
    return figures.counts if isinstance(figures, Figures) else figures


@dataclass(frozen=True)
class Figures(Mapping[str, int]):
    """Named counts (whole numbers: every maker of one gives ``int``s, and snapshots from
    elsewhere are checked by ``from_json``); a missing key is zero. Adding two gives the
    counts of both."""

    counts: Mapping[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return int(self.counts.get(name, 0))

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    # The Mapping defaults go through __getitem__ one key at a time; these are the same,
    # without the detour (a month of a large network has tens of thousands of keys).
    def items(self) -> ItemsView[str, int]:
        return self.counts.items()

    def keys(self) -> KeysView[str]:
        return self.counts.keys()

    def get(self, name: str, default: int = 0) -> int:  # type: ignore[override]
        return int(self.counts.get(name, default))

    def __add__(self, other: Figures) -> Figures:
        return total([self, other])

    def codes(self, dimension: str) -> list[str]:
        """The codes present for a dimension (with a non-zero count), sorted."""
        prefix = dimension + ":"
        return sorted(k[len(prefix):] for k, v in self.counts.items()
                      if k.startswith(prefix) and v)

    def by(self, dimension: str) -> dict[str, int]:
        return {code: self[f"{dimension}:{code}"] for code in self.codes(dimension)}

    def to_json(self) -> str:
        return json.dumps({"v": FORMAT_VERSION,
                           "counts": {k: v for k, v in sorted(self.counts.items()) if v}},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Figures:
        """Read a snapshot's figures; anything that is not a map of names to counts is
        refused whole (a snapshot may come from another site, damaged or hostile)."""
        try:
            raw: Any = json.loads(text)
        except (TypeError, ValueError):
            raise InvalidInput("A tally snapshot is damaged and was not used.") from None
        counts = raw.get("counts") if isinstance(raw, dict) else None
        if (not isinstance(raw, dict) or raw.get("v") != FORMAT_VERSION
                or not isinstance(counts, dict) or len(counts) > MAX_KEYS):
            raise InvalidInput("A tally snapshot is damaged and was not used.")
        if counts and not (_names_ok(counts) and _counts_ok(counts.values())):
            raise InvalidInput("A tally snapshot is damaged and was not used.")
        return cls(dict(counts))


# A snapshot is checked whole with a few calls that loop in C, not a Python step per key: a
# month of a large network has tens of thousands of keys, and a report reads 13 months of
# every site's snapshots. JSON object keys are always strings.
# Possessive (never gives back what it matched: a name is followed by ":" or a line break,
# which neither part can match, so nothing is lost) and a quarter quicker on a large month.
_KEYS = re.compile(r"(?:[a-z_]++(?::[A-Za-z0-9_\-]{1,64}+)?+\n)*+")


def _names_ok(counts: Mapping[str, int]) -> bool:
    """Every key is a figure's name: the keys one per line match line by line, and no key
    has a line break of its own (the lines are exactly the keys)."""
    lines = "\n".join(counts) + "\n"
    return lines.count("\n") == len(counts) and _KEYS.fullmatch(lines) is not None


def _counts_ok(values: Iterable[object]) -> bool:
    """Every count is a whole number (not true/false, not a fraction) from 0 to 10**12 - 1."""
    found: list[Any] = list(values)
    return set(map(type, found)) == {int} and min(found) >= 0 and max(found) < 10**12


def total(parts: Iterable[Mapping[str, int]]) -> Figures:
    parts = list(parts)
    if not parts:
        return Figures()
    # (a Figures holds whole numbers already; any other mapping's are made whole numbers)
    whole = [p.counts if isinstance(p, Figures) else {k: int(v) for k, v in p.items()}
             for p in parts]
    out = {name: value for name, value in whole[0].items() if value}
    for part in whole[1:]:
        get = out.get
        for name, value in part.items():
            if value:
                out[name] = get(name, 0) + value
    return Figures(out)


def days_to_start(figures: Mapping[str, int]) -> dict[int, int]:
    """The histogram of whole days from referral to starting the service."""
    out: dict[int, int] = {}
    for name, value in figures.items():
        if name.startswith("started_days:") and value:
            out[int(name.split(":", 1)[1])] = value
    return out


def median_days(histogram: Mapping[int, int]) -> float | None:
    """The median of the days histogram (the mean of the two middle values when even)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        seen = 0
        for days, count in ordered:
            seen += count
            if k < seen:
                return days
        return ordered[-1][0]

    if n % 2:
        return float(nth(n // 2))
    return (nth(n // 2 - 1) + nth(n // 2)) / 2
