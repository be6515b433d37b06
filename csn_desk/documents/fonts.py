"""Atkinson Hyperlegible, registered once with ReportLab and embedded in every PDF.

Only the regular and bold faces are registered, and the family's italic slots point at them,
so no markup can ever produce italic text (LP-05)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontpkg_atkinson_hyperlegible import ROOT
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "AtkinsonHyperlegible"
BOLD = "AtkinsonHyperlegible-Bold"
FONT_FILES = {REGULAR: "AtkinsonHyperlegible-Regular.ttf",
              BOLD: "AtkinsonHyperlegible-Bold.ttf"}
LICENCE = "SIL Open Font License 1.1, Copyright 2020 Braille Institute of America, Inc."


def font_path(name: str) -> Path:
    return Path(ROOT) / "files" / FONT_FILES[name]


@cache
def register_fonts() -> tuple[str, str]:
    """Register the two faces (idempotent) and return (regular, bold) font names."""
    for name in FONT_FILES:
        pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(REGULAR, bold, italic, BOLD if bold else REGULAR)
    return REGULAR, BOLD
