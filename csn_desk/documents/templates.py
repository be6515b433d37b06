"""Letter templates: the defaults are data in ``resources/templates/``; an administrator's edit
is a ``letter_template`` row (organisation scope, so every site of the organisation prints the
same letter). No row means the default; "restore default" deletes the row.

Placeholders are names in braces, ``{site_phone}`` (``string.Formatter`` syntax; ``{{`` and
``}}`` print a brace). ``{service_phone?}`` marks a placeholder optional: when the letter has
no value for it, the paragraph holding it is left out. Any other missing value, an unknown
name or an unbalanced brace stops the letter before anything is printed, with a sentence that
says what to fix (documents.md: never a blank in the letter)."""

from __future__ import annotations

import difflib
import json
import re
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from csn_desk.errors import InvalidInput
from csn_desk.ids import utcnow
from csn_desk.protection.roles import require
from csn_desk.store.models import LetterTemplate
from csn_desk.vocab import resources_dir, vocab
from csn_desk.workspace import Workspace

OPTIONAL = "?"
MAX_SUBJECT = 200
MAX_BODY = 20_000
# Fixed namespace: every site derives the same row id for (organisation, kind), so two sites
# editing the same template merge field by field instead of making two rows.
_NAMESPACE = uuid.UUID("5b0f7a52-2d8e-4c53-9a53-6f4a1c3d7e21")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str  # what it prints, for the admin editor
    example: str  # a fictional value, for previews
    missing: str  # what to fix when a letter needs it and it is not recorded


@dataclass(frozen=True)
class TemplateView:
    kind: str  # a document_kinds code: followup_letter, referral_letter
    label: str
    subject: str
    body: str
    is_default: bool
    placeholders: tuple[Placeholder, ...]
    about: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class DefaultTemplate:
    kind: str
    about: str
    subject: str
    body: str
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class FilledLetter:
    subject: str  # "" when the template has none (or its optional value is missing)
    paragraphs: tuple[str, ...]  # plain text; a single newline is a line break


class MissingValues(InvalidInput):
    """A letter needs values that are not recorded; ``names`` are the placeholders."""

    def __init__(self, message: str, names: tuple[str, ...]) -> None:
        super().__init__(message)
        self.names = names


# -- the defaults (data) ---------------------------------------------------------------------
def _templates_dir() -> Any:
    return resources_dir() / "templates"


@cache
def all_placeholders() -> dict[str, Placeholder]:
    raw = json.loads((_templates_dir() / "placeholders.json").read_text(encoding="utf-8"))
    return {name: Placeholder(name, p["description"], p["example"], p["missing"])
            for name, p in raw["placeholders"].items()}


@cache
def template_kinds() -> tuple[str, ...]:
    """Every kind with a default template (a document_kinds code each)."""
    kinds = tuple(sorted(p.stem for p in _templates_dir().glob("*_letter.json")))
    for kind in kinds:
        vocab("document_kinds").check(kind, "document kind")
    return kinds


@cache
def default_template(kind: str) -> DefaultTemplate:
    if kind not in template_kinds():
        raise InvalidInput(f"There is no letter template called {kind!r}; choose one of "
                           f"{', '.join(template_kinds())}.")
    raw = json.loads((_templates_dir() / f"{kind}.json").read_text(encoding="utf-8"))
    known = all_placeholders()
    allowed = tuple(raw["placeholders"])
    unknown = [n for n in allowed if n not in known]
    if unknown:  # a packaging mistake, caught by the tests
        raise ValueError(f"{kind}: placeholders without a description: {unknown}")
    return DefaultTemplate(kind, raw.get("about", ""), raw["subject"], raw["body"], allowed)


def placeholders_for(kind: str) -> tuple[Placeholder, ...]:
    known = all_placeholders()
    return tuple(known[n] for n in default_template(kind).allowed)


def example_values(kind: str) -> dict[str, str]:
    """Fictional values for every placeholder of ``kind`` (template previews)."""
    return {p.name: p.example for p in placeholders_for(kind)}


def template_id(organisation_id: str, kind: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"letter_template/{organisation_id}/{kind}"))


# -- parsing and checking --------------------------------------------------------------------
@dataclass(frozen=True)
class _Piece:
    literal: str
    name: str | None  # the placeholder after the literal, if any
    optional: bool = False


def _parse(text: str, part: str) -> list[_Piece]:
    """``text`` as literal pieces and placeholders; a malformed one is refused by name."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(f"The {part} has a {{ or }} without its pair. A placeholder is a "
                           "name in braces, like {site_phone}; to print a brace itself, type "
                           "it twice: {{ or }}.") from None
    pieces = []
    for literal, field, spec, conversion in parsed:
        if field is None:
            pieces.append(_Piece(literal, None))
            continue
        name = field.strip()
        if not name:
            raise InvalidInput(f"The {part} has empty braces {{}}; put a placeholder name in "
                               "them, like {site_phone}, or remove them.")
        if spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec
                                                                       else "")
            raise InvalidInput(f"The placeholder {{{shown}}} in the {part} has extra "
                               f"characters; write it as {{{name.rstrip(OPTIONAL)}}}.")
        optional = name.endswith(OPTIONAL)
        pieces.append(_Piece(literal, name.removesuffix(OPTIONAL).strip(), optional))
    return pieces


def _check_names(kind: str, pieces: list[_Piece], part: str) -> None:
    allowed = default_template(kind).allowed
    for piece in pieces:
        if piece.name is not None and piece.name not in allowed:
            close = difflib.get_close_matches(piece.name, allowed, n=1)
            hint = (f" Did you mean {{{close[0]}}}?" if close
                    else " Choose one from the list of placeholders for this letter.")
            raise InvalidInput(f"The {part} uses {{{piece.name}}}, which is not a placeholder "
                               f"for this letter.{hint}")


def tidy_subject(subject: str) -> str:
    return " ".join(subject.split())


def tidy_body(body: str) -> str:
    """Unix line ends, no trailing spaces, no blank lines at either end."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def check_template(kind: str, subject: str, body: str) -> None:
    """Refuse a template that could not print: empty body, unbalanced braces, an unknown
    placeholder (named in the message). For the editor's live check and before saving."""
    subject, body = tidy_subject(subject), tidy_body(body)
    if not body.strip():
        raise InvalidInput("The letter is empty; write the letter, or restore the default.")
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"The subject is too long; keep it under {MAX_SUBJECT} characters.")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"The letter is too long; keep it under {MAX_BODY:,} characters.")
    _check_names(kind, _parse(subject, "subject"), "subject")
    _check_names(kind, _parse(body, "letter"), "letter")


# -- filling ---------------------------------------------------------------------------------
def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _fill_text(pieces: list[_Piece], values: Mapping[str, str | None],
               missing: list[str]) -> str | None:
    """The text with values in; None when an optional value is missing (leave it out)."""
    out: list[str] = []
    for piece in pieces:
        out.append(piece.literal)
        if piece.name is None:
            continue
        value = _clean(values.get(piece.name))
        if value is None:
            if piece.optional:
                return None
            if piece.name not in missing:
                missing.append(piece.name)
            continue
        out.append(value)
    return "".join(out)


def fill(kind: str, subject: str, body: str, values: Mapping[str, str | None]
         ) -> FilledLetter:
    """The letter's subject and paragraphs with the values in. A required value that is
    missing stops here (``MissingValues``), before anything is laid out or printed."""
    check_template(kind, subject, body)
    missing: list[str] = []
    filled_subject = _fill_text(_parse(tidy_subject(subject), "subject"), values, missing)
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(tidy_body(body)):
        text = _fill_text(_parse(block, "letter"), values, missing)
        if text is not None and text.strip():
            paragraphs.append(text.strip("\n"))
    if missing:
        first = all_placeholders()[missing[0]]
        names = " and ".join(f"{{{n}}}" for n in missing[:3])
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        raise MissingValues(f"This letter cannot be printed yet: nothing is recorded for "
                            f"{names}{more}. {first.missing}", tuple(missing))
    return FilledLetter(filled_subject or "", tuple(paragraphs))


# -- stored templates ------------------------------------------------------------------------
def _view(kind: str, row: LetterTemplate | None) -> TemplateView:
    default = default_template(kind)
    return TemplateView(kind=kind, label=vocab("document_kinds").label(kind),
                        subject=row.subject if row else default.subject,
                        body=row.body if row else default.body, is_default=row is None,
                        placeholders=placeholders_for(kind), about=default.about,
                        updated_at=row.updated_at if row else None)


def get_template(ws: Workspace, kind: str) -> TemplateView:
    """The template this organisation prints for ``kind``: its edit, or the default."""
    default_template(kind)
    with ws.db.read() as s:
        return _view(kind, s.get(LetterTemplate, template_id(ws.organisation_id, kind)))


def list_templates(ws: Workspace) -> list[TemplateView]:
    return [get_template(ws, kind) for kind in template_kinds()]


def _require_admin(ws: Workspace) -> None:
    require(ws, "settings.edit", "Only an administrator can change letter templates.")


def save_template(ws: Workspace, kind: str, subject: str, body: str) -> TemplateView:
    """Keep an administrator's edit (checked first; nothing is saved if it is refused)."""
    _require_admin(ws)
    default_template(kind)
    subject, body = tidy_subject(subject), tidy_body(body)
    check_template(kind, subject, body)
    row_id = template_id(ws.organisation_id, kind)
    with ws.db.write(ws.actor) as w:
        row = w.session.get(LetterTemplate, row_id)
        if row is None:
            w.create(LetterTemplate(id=row_id, organisation_id=ws.organisation_id, kind=kind,
                                    subject=subject, body=body, updated_at=utcnow(),
                                    updated_by=ws.user.id))
        elif (row.subject, row.body) != (subject, body):
            w.update(row, subject=subject, body=body, updated_at=utcnow(),
                     updated_by=ws.user.id)
    return get_template(ws, kind)


def restore_default(ws: Workspace, kind: str) -> TemplateView:
    """Forget the edit: the organisation prints the default again."""
    _require_admin(ws)
    default_template(kind)
    with ws.db.write(ws.actor) as w:
        row = w.session.get(LetterTemplate, template_id(ws.organisation_id, kind))
        if row is not None:
            w.delete(row)
    return get_template(ws, kind)
