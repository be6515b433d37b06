"""Controlled vocabularies (need categories, outcomes, roles, ...) loaded from resources/.

One source of truth for the names users see: widgets, documents and reports take labels from
here; the database stores only the stable codes."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from csn_desk.errors import InvalidInput


def resources_dir() -> Path:
    """``resources/`` in a checkout, its copy inside an installed wheel, or inside the frozen
    build (PyInstaller unpacks data under ``sys._MEIPASS``; installer/csn-desk.spec puts it at
    ``csn_desk/_resources`` there, as the wheel does)."""
    here = Path(__file__).resolve().parent
    candidates = [here / "_resources", here.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        candidates.insert(0, Path(bundle) / "csn_desk" / "_resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("csn-desk resources folder not found")


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    final: bool = False  # referral statuses: this status ends the referral


@dataclass(frozen=True)
class Vocabulary:
    name: str
    title: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def label(self, code: str) -> str:
        for t in self.terms:
            if t.code == code:
                return t.label
        return code

    def check(self, code: str, field: str | None = None) -> str:
        """Return ``code`` if it belongs here; otherwise a plain message naming the field."""
        if code not in self.codes:
            raise InvalidInput(f"'{code}' is not a valid {field or self.title.lower()}. "
                               f"Choose one of: {', '.join(self.codes)}.")
        return code


@cache
def vocab(name: str) -> Vocabulary:
    raw = json.loads((resources_dir() / "vocab" / f"{name}.json").read_text(encoding="utf-8"))
    terms = tuple(Term(i["code"], i["label"], i.get("description", ""), bool(i.get("final")))
                  for i in raw["items"])
    return Vocabulary(raw["name"], raw["title"], terms)


def all_vocabularies() -> list[Vocabulary]:
    return [vocab(p.stem) for p in sorted((resources_dir() / "vocab").glob("*.json"))]
