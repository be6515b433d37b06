"""Taking typed values out of an untrusted JSON object, one field at a time, and reporting
every field that is missing, of the wrong type, out of range or not an allowed value (the
checks of the ORUK validator's level 1) with the record and the field it was in."""

from __future__ import annotations

import functools
import math
import re
from datetime import date, time
from typing import Any

from csn_desk.directory.import_report import Problems, quote
from csn_desk.directory.inputs import MAX_TEXT

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*"
                   r"(?:Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_ID_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _day_of(text: str) -> date | None:
    """The date ``text`` writes (YYYY-MM-DD, perhaps with a time after), else None."""
    return _day_seen(text) if len(text) <= _SHORT else _read_day(text)


def _read_day(text: str) -> date | None:
    m = _DATE.match(text)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def _clock_of(text: str) -> time | None:
    """The time of day ``text`` writes (HH:MM, perhaps with seconds and a zone), else
    None."""
    return _clock_seen(text) if len(text) <= _SHORT else _read_clock(text)


def _read_clock(text: str) -> time | None:
    m = _TIME.match(text.strip())
    try:
        return (time(int(m[1]), int(m[2]), int(m[3] or 0), int((m[4] or "0").ljust(6, "0")))
                if m else None)
    except ValueError:
        return None


# A directory repeats a few dates and opening times thousands of times: each short text is
# read once (the values are immutable, so sharing them is safe).
_SHORT = 40
_day_seen = functools.lru_cache(maxsize=4096)(_read_day)
_clock_seen = functools.lru_cache(maxsize=1024)(_read_clock)


class Fields:
    """One record (or a part of one) being read; problems go to ``problems`` under ``key``."""

    def __init__(self, data: dict[str, Any], problems: Problems, key: str, record: str,
                 path: str = "") -> None:
        self.data, self.problems, self.key, self.record, self.path = (
            data, problems, key, record, path)

    def child(self, data: dict[str, Any], path: str) -> Fields:
        return Fields(data, self.problems, self.key, self.record, path)

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, message: str) -> None:
        self.problems.error(self.key, self.record, self.where(name), message)

    def warning(self, name: str, message: str) -> None:
        self.problems.warning(self.key, self.record, self.where(name), message)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    # -- typed values ---------------------------------------------------------------------
    def text(self, name: str, *, required: bool = False, limit: int = MAX_TEXT,
             numbers_ok: bool = False) -> str | None:
        """Trimmed text or None; numbers are accepted where people write them unquoted
        (phone numbers, charity numbers)."""
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.error(name, "This is required; fill it in and import again.")
            return None
        if numbers_ok and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(name, f"This must be text, not {_kind(value)}.")
            return None
        if len(value) > limit:
            self.error(name, f"This is {len(value):,} characters long; the most csn-desk "
                             f"keeps is {limit:,}. Shorten it.")
            return None
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                self.error(name, "This holds characters that are not valid text; fix it at "
                                 "the source and export again.")
                return None
        cleaned = value
        # (a printable string holds no control character: most text is checked in one call)
        if not value.isprintable() and _CONTROL.search(value) is not None:
            cleaned = _CONTROL.sub("", value)
            self.warning(name, "Invisible control characters were removed.")
        cleaned = cleaned.strip()
        if not cleaned and required:
            self.error(name, "This is required; fill it in and import again.")
        return cleaned or None

    def ident(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None or value == "":
            if required:
                self.error(name, "Every record needs an id; give this one an id and import "
                                 "again.")
            return None
        if not isinstance(value, str):
            self.error(name, f"An id must be text, not {_kind(value)}.")
            return None
        value = value.strip()
        if len(value) > _ID_CHARS or not value.isprintable():
            self.error(name, "This id is too long or holds odd characters; ids are short "
                             "codes such as UUIDs.")
            return None
        return value or None

    def integer(self, name: str, *, low: int, high: int, what: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        number = _number(value)
        if number is None:
            self.error(name, f"The {what} must be a whole number, not {quote(value)}.")
            return None
        if not number.is_integer():
            self.error(name, f"The {what} must be a whole number, not {number:g}.")
            return None
        if not low <= number <= high:
            self.error(name, f"The {what} must be between {low} and {high}, not {number:g}.")
            return None
        return int(number)

    def number(self, name: str, *, what: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        number = _number(value, money=True)
        if number is None or not math.isfinite(number):
            self.error(name, f"The {what} must be a number, not {quote(value)}.")
            return None
        return number

    def day(self, name: str) -> date | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        found = _day_of(value) if isinstance(value, str) else None
        if found is None:
            self.error(name, f"This must be a date written YYYY-MM-DD, not {quote(value)}.")
        return found

    def clock(self, name: str) -> time | None:
        """A time of day. A time-zone suffix ('Z', '+01:00') is ignored: directories give
        local opening hours, whatever the suffix says."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        found = _clock_of(value) if isinstance(value, str) else None
        if found is None:
            self.error(name, f"This must be a time written HH:MM, not {quote(value)}.")
        return found

    def flag(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "y"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "n"):
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.error(name, f"This must be true or false, not {quote(value)}.")
        return None

    def choice(self, name: str, allowed: tuple[str, ...], *, what: str) -> str | None:
        """One of ``allowed``, matched without regard to case, spaces or underscores."""
        value = self.text(name, limit=100)
        if value is None:
            return None
        folded = _folded(allowed).get(_fold(value))
        if folded is None:
            self.error(name, f"{quote(value)} is not a {what} csn-desk knows. Use one of: "
                             f"{', '.join(allowed)}.")
        return folded

    def items(self, name: str) -> list[dict[str, Any]]:
        """A list of objects; anything else in the list is reported and skipped."""
        return [item for _i, item in self.indexed(name)]

    def indexed(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """``items`` with each object's place in the file's list, so that a problem found
        in one names the right entry (the ones skipped still count)."""
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.error(name, f"This must be a list, not {_kind(value)}.")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.error(f"{name}[{i}]", f"Each entry must be an object, not {_kind(item)}.")
        return out

    def obj(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(name, f"This must be an object, not {_kind(value)}.")
            return None
        return value


@functools.lru_cache(maxsize=64)
def _folded(allowed: tuple[str, ...]) -> dict[str, str]:
    return {_fold(a): a for a in allowed}


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def _number(value: Any, money: bool = False) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        text = value.strip()
        if money:
            text = text.removeprefix("£").replace(",", "")
        try:
            return float(text)
        except (ValueError, OverflowError):
            return None
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    return "empty"
