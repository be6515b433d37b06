"""UK postcodes: normalise what staff type, check the shape, take the district (``DL1``)."""

from __future__ import annotations

import re

from csn_desk.errors import InvalidInput

# Outward code: A9, A99, AA9, AA99, A9A, AA9A; inward code: 9AA. (GIR 0AA is the odd one.)
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise(text: str) -> str:
    """``"dl11aa"`` -> ``"DL1 1AA"``; raises InvalidInput for something that is not a postcode."""
    compact = re.sub(r"\s+", "", text.upper())
    if compact == "GIR0AA":
        return "GIR 0AA"
    m = _FULL.match(compact)
    if not m:
        # The typed text is not repeated: a postcode is personal data.
        raise InvalidInput("That is not a UK postcode. A postcode looks like 'DL1 1AA'.")
    return f"{m.group(1)} {m.group(2)}"


def district(text: str) -> str:
    """The outward code of a full postcode, or a district typed on its own (``"dl1"``)."""
    compact = re.sub(r"\s+", "", text.upper())
    if _DISTRICT.match(compact):
        return compact
    return normalise(text).split(" ")[0]


def is_postcode(text: str) -> bool:
    try:
        normalise(text)
    except InvalidInput:
        return False
    return True
