"""Name normalisation and the search keys kept beside each client's name.

``Client.family_key`` (indexed) is ``"<initial>:<family sound>:<given sound>:<family>:<given>"``,
e.g. ``"s:SM0:JN:smith:john"`` for John Smith (initial and names plain lower-case, sounds
upper-case Metaphone codes). One indexed column then serves every name lookup as an index range:

- ``"s:SM0:JN:"``: family and given names both sound alike (the tightest duplicate block);
- ``"s:SM0:J"``: family name sounds alike, given name sounds like J... (Jon, James, J.);
- ``"s:SM0:"``: family name sounds alike (Smith, Smyth, Smithe);
- ``"s:"`` plus ``GLOB '?:*:*:smi*:*'``: family names as they are typed, checked on the index
  entries of one initial only (a few per cent of the index), never on the table rows.

Starting with the initial costs the odd sound-alike pair with different initials (Knight,
Night); the date-of-birth and postcode blocks still catch those. ``Client.given_key`` is the
plain given name(s). Metaphone (``jellyfish``) suits English spellings of British names
(Smith / Smyth, Clark / Clarke, Philips / Phillips). Common short forms (Bill, Jon, Peggy) are
mapped to their full name first, so Bill Smith and William Smith share a key.

Changing anything here changes stored keys: a migration must then recompute ``family_key`` and
``given_key`` for every client with :func:`make_client_keys`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


def canonical_given(given: str) -> str:
    """Plain given name(s) with the first one expanded from a short form (Bill -> william)."""
    words = plain(given).split()
    if not words:
        return ""
    words[0] = _NICKNAMES.get(words[0], words[0])
    return " ".join(words)


def sound(text: str) -> str:
    """Metaphone code of a plain name with its spaces removed ("" for no letters)."""
    compact = plain(text).replace(" ", "")
    return jellyfish.metaphone(compact).upper() if compact else ""


def initial(family: str) -> str:
    """First letter of the plain family name ("" if it has none)."""
    return plain(family)[:1]


def family_block(family: str) -> str:
    """The ``family_key`` prefix shared by family names that sound alike: ``"s:SM0:"``."""
    return f"{initial(family)}:{sound(family)}:"


def name_block(given: str, family: str) -> str:
    """The ``family_key`` prefix of people whose names both sound alike: ``"s:SM0:JN:"``."""
    first = canonical_given(given).split(" ")[0]
    return f"{family_block(family)}{sound(first)}:"


def make_client_keys(given: str, family: str) -> tuple[str, str]:
    """``(family_key, given_key)`` for a client. Public so bulk loaders fill them the same way."""
    return f"{name_block(given, family)}{plain(family)}:{plain(given)}", plain(given)


def full_name_for_matching(given: str, family: str) -> str:
    """What the fuzzy score compares: canonical given name(s) then the plain family name."""
    return f"{canonical_given(given)} {plain(family)}".strip()


def _first(given: str) -> str:
    return canonical_given(given).split(" ")[0]


def given_similarity(a: str, b: str) -> float | None:
    """0..1 for two first names after short forms are expanded; None if either is blank.
    An initial matching the other name's first letter counts as fairly similar (0.8)."""
    fa, fb = _first(a), _first(b)
    if not fa or not fb:
        return None
    if fa == fb:
        return 1.0
    if (len(fa) == 1 or len(fb) == 1) and fa[0] == fb[0]:
        return 0.8
    sim = JaroWinkler.normalized_similarity(fa, fb)
    return max(sim, 0.9) if sound(fa) == sound(fb) else sim


def family_similarity(a: str, b: str) -> float:
    """0..1 for two family names; names that sound alike (Smith, Smyth) score at least 0.9."""
    pa, pb = plain(a), plain(b)
    if pa == pb:
        return 1.0
    sim = JaroWinkler.normalized_similarity(pa, pb)
    return max(sim, 0.9) if sound(pa) == sound(pb) else sim


@dataclass(frozen=True)
class NameSimilarity:
    overall: float
    given: float | None
    family: float
    swapped: bool = False


def name_similarity(given_a: str, family_a: str, given_b: str, family_b: str) -> NameSimilarity:
    """How alike two people's names are. The family name weighs more (0.6) than the given
    name (0.4); an unknown given name counts as half alike. Names typed the wrong way round
    (given in the family box) are also tried, at a small discount."""
    def score(ga: str, fa: str, gb: str, fb: str, swapped: bool) -> NameSimilarity:
        g = given_similarity(ga, gb)
        f = family_similarity(fa, fb)
        overall = 0.6 * f + 0.4 * (0.5 if g is None else g)
        return NameSimilarity(overall * (0.95 if swapped else 1.0), g, f, swapped)

    straight = score(given_a, family_a, given_b, family_b, False)
    if not given_a.strip() or not given_b.strip():
        return straight
    crossed = score(family_a, given_a, given_b, family_b, True)
    return crossed if crossed.overall > straight.overall else straight
