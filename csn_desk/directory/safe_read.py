"""Reading a directory file someone was sent, without trusting it: the size is checked before
anything is read, JSON nesting is measured before it is parsed, and text is decoded as
UTF-8 (with or without a byte-order mark) or, for spreadsheets saved by Excel on Windows,
as Windows-1252. Every refusal is a ``FileRefused`` with a sentence that says what to do."""

from __future__ import annotations

import codecs
import json
import re
from array import array
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

from csn_desk.errors import CsnError

MAX_FILE_BYTES = 40 * 1024 * 1024  # the 20,000-service benchmark file is about 31 MB
MAX_DEPTH = 24  # the deepest ORUK shape (service > location > address > attribute > term) is ~10
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_SYNTAX = bytes(b for b in range(256) if b not in b'[]{}"\\')
# Opening brackets to 1 and closing ones to 255 (-1 as a signed byte).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class FileRefused(CsnError):
    """The whole file was turned away; nothing was imported."""


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing one over ``limit`` before reading it (and again while
    reading, in case it grows)."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise FileRefused(
                f"The file is {megabytes(size)}; csn-desk imports directory files up to "
                f"{megabytes(limit)}. Split it into smaller files and import each one.")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except FileRefused:
        raise
    except IsADirectoryError:
        raise FileRefused("That is a folder, not a file. Choose the file itself.") from None
    except OSError:
        raise FileRefused("The file could not be read. Check that it exists and that you "
                          "may open it, then try again.") from None
    if len(data) > limit:
        raise FileRefused(f"The file is over {megabytes(limit)}; split it into smaller files "
                          "and import each one.")
    if not data.strip():
        raise FileRefused("The file is empty. Choose the file that holds the directory.")
    return data


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-16 when it starts with its byte-order mark (Excel's
    "Unicode Text"), else UTF-8 (a byte-order mark is dropped), then Windows-1252, which is
    what Excel on a UK computer writes when it saves a CSV."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileRefused("The file says it is UTF-16 text but is damaged. Save it again "
                              "as 'CSV UTF-8' and import that.") from None
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileRefused("The file is not text that csn-desk can read. Save it again as "
                          "'CSV UTF-8' (or as JSON) and import that.") from None


def json_depth(data: bytes) -> int:
    """How deeply the JSON in ``data`` nests, found without parsing it: strings are blanked
    out, then the brackets are counted (all in C, so a 30 MB file takes a fraction of a
    second)."""
    # Most strings hold no bracket, quote or backslash: with everything else taken out
    # they are bare pairs of quotes, removed in one pass. If any quote is left, some string
    # holds one of those, and the strings are blanked out properly instead.
    outside = data.translate(None, _NOT_SYNTAX).replace(b'""', b"")
    if b'"' in outside:
        outside = _STRING.sub(b'""', data)
    steps = array("b", outside.translate(_STEPS, _NOT_BRACKETS))  # +1 or -1 each
    return max(chain((0,), accumulate(steps)))


def parse_json(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON file's bytes after checking its nesting depth and encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if json_depth(data) > max_depth:
        raise FileRefused(
            f"The file nests data more than {max_depth} levels deep, which no Open Referral "
            "UK file does. Check that it is the right file.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("The file is not UTF-8 text, which JSON must be. Save or export "
                          "it again as UTF-8 and import that.") from None
    try:
        return json.loads(text)
    except RecursionError:  # the depth check should have caught it; never crash
        raise FileRefused("The file nests data too deeply to read. Check that it is the "
                          "right file.") from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        where = f" near line {line}" if line else ""
        raise FileRefused(f"The file is not valid JSON{where}: it may be cut short or "
                          "edited by hand. Export it again from the system it came "
                          "from.") from None
