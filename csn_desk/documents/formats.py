"""The print formats a client can have (resources/vocab/formats.json) and their sizes.

Large print is laid out again at its size, never scaled (LP-14): a format is a set of type
sizes the layout uses, not a zoom factor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4, A5

from csn_desk.errors import InvalidInput
from csn_desk.vocab import vocab

# Names the command line accepts for a format code (the words: clear = clear print).
ALIASES = {"clear": "standard"}
# Words that, in a client's disability or condition, mean sight loss is recorded.
SIGHT_WORDS = ("sight", "visual", "vision", "blind", "macular", "glaucoma", "cataract",
               "retinitis", "partially sighted")
PAPER = {"A4": A4, "A5": A5}


@dataclass(frozen=True)
class PrintFormat:
    code: str  # the vocabulary code stored on the client and in the documents log
    label: str
    body: float  # body text size in points
    large: bool

    @property
    def heading(self) -> float:
        return round(self.body * 1.3)

    @property
    def title(self) -> float:
        return round(self.body * 1.55)

    @property
    def leading(self) -> float:
        """Line spacing about 1.35 (LP-07)."""
        return round(self.body * 1.35, 1)


BODY_SIZES = {"standard": 14.0, "large16": 16.0, "large18": 18.0, "large24": 24.0}
PRINTABLE = tuple(BODY_SIZES)


def print_format(code: str) -> PrintFormat:
    """The format for a code or alias; an unknown code is refused in plain words."""
    code = ALIASES.get(code, code)
    if code not in BODY_SIZES:
        choices = ", ".join(["clear", *PRINTABLE[1:]])
        raise InvalidInput(f"There is no print format called {code!r}; choose one of {choices}.")
    return PrintFormat(code=code, label=vocab("formats").label(code), body=BODY_SIZES[code],
                       large=code != "standard")


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _older(age_band: str | None, born: date | None, today: date) -> bool:
    age = _age(born, today)
    if age is not None:
        return age >= 65
    band = age_band or ""
    return band[:2].isdigit() and int(band[:2]) >= 65


def format_for_client(preferred: str | None, *, age_band: str | None = None,
                      born: date | None = None, disability: str | None = None,
                      condition: str | None = None, today: date | None = None) -> PrintFormat:
    """The client's recorded format. When it is not known (not asked, easy read, other):
    large print 18 pt for someone 65 or over or with sight loss recorded, otherwise clear
    print (documents.md)."""
    if preferred in BODY_SIZES:
        return print_format(preferred)
    text = " ".join(t for t in (disability, condition) if t).lower()
    sight = any(word in text for word in SIGHT_WORDS)
    if sight or _older(age_band, born, today or date.today()):
        return print_format("large18")
    return print_format("standard")


def page_size(fmt: PrintFormat, paper: str = "A4") -> tuple[float, float]:
    """A4 always for large print (LP-13); clear print may use A5."""
    if paper not in PAPER:
        raise InvalidInput("The paper size must be A4 or A5.")
    return A4 if fmt.large else PAPER[paper]
