"""Name normalisation and the search keys kept beside each client's name.

``Client.family_key`` (indexed) is ``"<family sound>:<given sound>:<family name plain>"``, e.g.
``"SM0:JN:smith"`` for John Smith. One indexed column then serves three lookups:

- a range on ``"SM0:JN:"`` finds people whose family *and* given names sound alike;
- a range on ``"SM0:"`` finds everyone whose family name sounds alike (Smith, Smyth);
- a covering scan of the index with ``GLOB '*[: ]smi*'`` finds family names as they are typed.

``Client.given_key`` is the plain given name(s), used to narrow a name search. The sound codes
are Metaphone (``jellyfish``), which handles English spellings of British names well (Smith /
Smyth, Clark / Clarke, Philips / Phillips). Common short forms (Bill, Jon, Peggy) are mapped to
their full name first, so Bill Smith and William Smith share a key.

Changing anything here changes stored keys: a migration must then recompute ``family_key`` and
``given_key`` for every client with :func:`make_client_keys`.
"""

from __future__ import annotations

import re
import unicodedata

import jellyfish

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


def family_block(family: str) -> str:
    """The ``family_key`` prefix shared by family names that sound alike: ``"SM0:"``."""
    return f"{sound(family)}:"


def name_block(given: str, family: str) -> str:
    """The ``family_key`` prefix shared by people whose both names sound alike: ``"SM0:JN:"``."""
    first = canonical_given(given).split(" ")[0]
    return f"{sound(family)}:{sound(first)}:"


def make_client_keys(given: str, family: str) -> tuple[str, str]:
    """``(family_key, given_key)`` for a client. Public so bulk loaders fill them the same way."""
    return f"{name_block(given, family)}{plain(family)}", plain(given)


def full_name_for_matching(given: str, family: str) -> str:
    """What the fuzzy score compares: canonical given name(s) then the plain family name."""
    return f"{canonical_given(given)} {plain(family)}".strip()
