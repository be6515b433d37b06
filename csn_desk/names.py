"""Name normalisation, the search keys kept beside each client's name, and the pure scoring
the duplicate check applies to each candidate (no database here: easy to test and tune).

``Client.family_key`` (indexed) is ``"<initial>:<family sound>:<given sound>:<family>:<given>"``,
e.g. ``"s:SM0:JN:smith:john"`` for John Smith (initial and names plain lower-case, sounds
upper-case Metaphone codes). One indexed column then serves every name lookup as an index range:

- ``"s:SM0:JN:smith:john"``: the same names (the given name may go on: "john paul");
- ``"s:SM0:JN:"``: family and given names both sound alike;
- ``"s:SM0:J"``: family name sounds alike, given name sounds like J... (Jon, James, J.);
- ``"s:SM0:"``: family name sounds alike (Smith, Smyth, Smithe);
- ``"s:"`` plus ``GLOB '?:*:*:smi*:*'``: family names as they are typed, checked on the index
  entries of one initial only (a few per cent of the index), never on the table rows.

Starting with the initial costs the odd sound-alike pair with different initials (Knight,
Night); the date-of-birth and postcode blocks still catch those. ``Client.given_key`` is the
plain given name(s). The duplicate check reads the parts back from the key
(:func:`parts_from_key`) instead of normalising hundreds of names per keystroke.

Metaphone (``jellyfish``) suits English spellings of British names (Smith / Smyth, Clark /
Clarke, Philips / Phillips). Common short forms (Bill, Jon, Peggy) are mapped to their full
name first, so Bill Smith and William Smith share a key.

Changing anything here changes stored keys: a migration must then recompute ``family_key`` and
``given_key`` for every client with :func:`make_client_keys`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import jellyfish
from rapidfuzz.distance import JaroWinkler

# Short forms and spellings -> one canonical given name. Deliberately small: the fuzzy score
# catches near spellings anyway; this table is for forms that do not look alike (Bill/William).
_NICKNAMES: dict[str, str] = {
    **dict.fromkeys(["bill", "billy", "will", "willie", "willy", "liam"], "william"),
    **dict.fromkeys(["bob", "bobby", "rob", "robbie", "bert", "bertie"], "robert"),
    **dict.fromkeys(["jim", "jimmy", "jamie"], "james"),
    **dict.fromkeys(["jon", "johnny", "jack", "jonny"], "john"),
    **dict.fromkeys(["dick", "rick", "ricky", "richie"], "richard"),
    **dict.fromkeys(["ted", "teddy", "ed", "eddie", "ned"], "edward"),
    **dict.fromkeys(["tom", "tommy"], "thomas"),
    **dict.fromkeys(["tony"], "anthony"),
    **dict.fromkeys(["fred", "freddie", "freddy", "alf", "alfie"], "frederick"),
    **dict.fromkeys(["harry", "hal"], "henry"),
    **dict.fromkeys(["mike", "mick", "micky", "mickey"], "michael"),
    **dict.fromkeys(["dave", "davey"], "david"),
    **dict.fromkeys(["steve", "stevie", "steven"], "stephen"),
    **dict.fromkeys(["pete"], "peter"),
    **dict.fromkeys(["chris"], "christopher"),
    **dict.fromkeys(["geoff", "jeff", "jeffrey"], "geoffrey"),
    **dict.fromkeys(["ken", "kenny"], "kenneth"),
    **dict.fromkeys(["ron", "ronnie"], "ronald"),
    **dict.fromkeys(["don", "donnie"], "donald"),
    **dict.fromkeys(["shaun", "shawn"], "sean"),
    **dict.fromkeys(["peggy", "maggie", "meg", "madge"], "margaret"),
    **dict.fromkeys(["betty", "beth", "liz", "lizzie", "bess", "elisabeth"], "elizabeth"),
    **dict.fromkeys(["kate", "katie", "kath", "kathy", "cathy", "katherine", "kathryn"],
                    "catherine"),
    **dict.fromkeys(["sue", "susie", "suzanne"], "susan"),
    **dict.fromkeys(["jenny", "jen"], "jennifer"),
    **dict.fromkeys(["pat", "patty", "trish"], "patricia"),
    **dict.fromkeys(["molly", "polly"], "mary"),
    **dict.fromkeys(["annie", "ann"], "anne"),
    **dict.fromkeys(["dot", "dottie", "dolly"], "dorothy"),
    **dict.fromkeys(["chrissie", "tina"], "christine"),
    **dict.fromkeys(["val"], "valerie"),
    **dict.fromkeys(["babs"], "barbara"),
    **dict.fromkeys(["jo", "joanne"], "joan"),
}




def plain(text: str) -> str:
    """Lower-case ASCII letters and single spaces: ``"O'Brien-Núñez"`` -> ``"obrien nunez"``."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = re.sub(r"['\u2019`.]", "", folded)  # O'Brien, St. John
    return " ".join(re.sub(r"[^a-z]+", " ", folded).split())


def _sound_of_plain(compact: str) -> str:
    return jellyfish.metaphone(compact).upper() if compact else ""


def sound(text: str) -> str:
    """Metaphone code of a name with its spaces removed ("" for no letters)."""
    return _sound_of_plain(plain(text).replace(" ", ""))


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name ready for matching: plain words, the canonical first given name, sound codes."""

    given: str  # plain given name(s): "bill"
    family: str  # plain family name: "smith"
    first: str  # first given name with short forms expanded: "william"
    given_sound: str  # Metaphone of ``first``
    family_sound: str  # Metaphone of ``family`` without spaces

    @property
    def block(self) -> str:
        """``family_key`` prefix for the same-sounding family and given name: ``"s:SM0:JN:"``."""
        return f"{self.family_block}{self.given_sound}:"

    @property
    def family_block(self) -> str:
        """``family_key`` prefix for the same-sounding family name: ``"s:SM0:"``."""
        return f"{self.family[:1]}:{self.family_sound}:"


def _first_of(plain_given: str) -> str:
    first = plain_given.split(" ", 1)[0]
    return _NICKNAMES.get(first, first)


def name_parts(given: str, family: str) -> NameParts:
    g, f = plain(given), plain(family)
    first = _first_of(g)
    return NameParts(g, f, first, _sound_of_plain(first), _sound_of_plain(f.replace(" ", "")))


def parts_from_key(family_key: str) -> NameParts | None:
    """Read the parts back from a stored ``family_key`` (no re-normalising: this is the fast
    path of the duplicate check); None for a key not in the current format."""
    bits = family_key.split(":")
    if len(bits) != 5:
        return None
    _, family_sound, given_sound, family, given = bits
    return NameParts(given, family, _first_of(given), given_sound, family_sound)


def make_client_keys(given: str, family: str) -> tuple[str, str]:
    """``(family_key, given_key)`` for a client. Public so bulk loaders fill them the same way."""
    p = name_parts(given, family)
    return f"{p.block}{p.family}:{p.given}", p.given


def _given_similarity(a: NameParts, b: NameParts) -> float | None:
    """0..1 for two first names after short forms are expanded; None if either is blank.
    An initial matching the other name's first letter counts as fairly similar (0.8)."""
    fa, fb = a.first, b.first
    if not fa or not fb:
        return None
    if fa == fb:
        return 1.0
    if (len(fa) == 1 or len(fb) == 1) and fa[0] == fb[0]:
        return 0.8
    sim = JaroWinkler.normalized_similarity(fa, fb)
    return max(sim, 0.9) if a.given_sound == b.given_sound else sim


def _family_similarity(a: NameParts, b: NameParts) -> float:
    """0..1 for two family names; names that sound alike (Smith, Smyth) score at least 0.9."""
    if a.family == b.family:
        return 1.0
    sim = JaroWinkler.normalized_similarity(a.family, b.family)
    return max(sim, 0.9) if a.family_sound == b.family_sound else sim


class NameSimilarity(NamedTuple):  # a tuple: made hundreds of times per duplicate check
    overall: float
    given: float | None
    family: float
    swapped: bool = False


def _compare(a: NameParts, b: NameParts, swapped: bool) -> NameSimilarity:
    g = _given_similarity(a, b)
    f = _family_similarity(a, b)
    overall = 0.6 * f + 0.4 * (0.5 if g is None else g)
    return NameSimilarity(overall * (0.95 if swapped else 1.0), g, f, swapped)


@lru_cache(maxsize=64)
def _swapped(p: NameParts) -> NameParts:
    return name_parts(p.family, p.given)


def name_similarity(a: NameParts, b: NameParts) -> NameSimilarity:
    """How alike two people's names are. The family name weighs more (0.6) than the given
    name (0.4); an unknown given name counts as half alike. Names typed the wrong way round
    (given in the family box) are also tried, at a small discount."""
    straight = _compare(a, b, False)
    if not a.given or not b.given or straight.overall == 1.0:
        return straight
    crossed = _compare(_swapped(a), b, True)
    return crossed if crossed.overall > straight.overall else straight


def birth_date_variants(born: date | None) -> list[date]:
    """The date itself and, if it is a real date, its day and month swapped (3/4 vs 4/3)."""
    if born is None:
        return []
    try:
        swapped = date(born.year, born.day, born.month)
    except ValueError:
        return [born]
    return [born] if swapped == born else [born, swapped]


def similar_birth_dates(a: date, b: date) -> bool:
    """A likely typing slip: day and month swapped, or one digit wrong or two swapped."""
    if (a.day, a.month, a.year) == (b.month, b.day, b.year):
        return True
    da, db = f"{a.day:02}{a.month:02}{a.year:04}", f"{b.day:02}{b.month:02}{b.year:04}"
    diffs = [i for i in range(len(da)) if da[i] != db[i]]
    return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                               and da[diffs[0]] == db[diffs[1]] and da[diffs[1]] == db[diffs[0]])


MIN_SCORE = 0.35


def score_person(query: NameParts, other: NameParts, *, born: date | None,
                 other_born: date | None, postcode: str | None,
                 other_postcode: str | None) -> tuple[float, tuple[str, ...]] | None:
    """How likely ``other`` is the same person as ``query`` (0..1), with plain reasons; None
    when not worth suggesting. Name counts half; the same date of birth adds 0.35 and a
    different one takes 0.15 off (a likely typing slip adds 0.1); the same postcode adds 0.15.
    A shared birthday or street alone is chance: some name in common is always needed."""
    names = name_similarity(query, other)
    same_born = born is not None and other_born == born
    if names.overall < 0.8 and not same_born:
        return None
    reasons: list[str] = []
    score = 0.5 * names.overall
    if same_born:
        score += 0.35
        reasons.append("same date of birth")
    elif born is not None and other_born is not None:
        if similar_birth_dates(born, other_born):
            score += 0.1
            reasons.append("similar date of birth")
        else:
            score -= 0.15
    if postcode is not None and other_postcode == postcode:
        score += 0.15
        reasons.append("same postcode")
    if names.overall >= 0.8:
        same = (query.given, query.family) == (other.given, other.family)
        reasons.insert(0, "same name" if same else "similar name")
        if names.swapped:
            reasons.insert(1, "first and family names the other way round")
    elif same_born and (names.given or 0) >= 0.9:
        reasons.insert(0, "same first name")
    elif same_born and names.family >= 0.9:
        reasons.insert(0, "same family name" if names.family == 1.0 else "similar family name")
    else:
        return None
    if score < MIN_SCORE:
        return None
    return round(min(score, 1.0), 3), tuple(reasons)
