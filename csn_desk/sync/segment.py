"""The segment file: one site's changes for one scope, written once, never changed.

Layout (all lengths big-endian)::

    "CSNSEG" | format major u8 | format minor u8 | header length u32 | header (canonical JSON)
    | chunks: (length u32 | AES-256-GCM ciphertext) * n | Ed25519 signature (64 bytes)

- The header says who wrote it (network, site, seq, the hash of that site's previous
  segment), for which scope and key epoch, the HLC range, how many changes, a random salt,
  the number of chunks and the exact file size. It holds ids and numbers only.
- The payload (the changes as JSON) is compressed with zlib, then encrypted in 64 KiB chunks
  under a per-file key ``HKDF(scope key, salt)``; each chunk's nonce is its index and a
  last-chunk flag, and the header's hash is the associated data, so chunks cannot be
  reordered, dropped, spliced from another file or moved under another header.
- The signature covers every byte before it and is checked before anything is decrypted.

Reading sorts a file into the rows of the bad-file table: shorter than its header says (or
an unreadable header) is *not arrived yet*; a bad signature, bad ciphertext or impossible
content is *quarantined*; a newer major format is *held*."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csn_desk.sync.crypto import Identity, canonical_json, hkdf, public_sign_key

MAGIC = b"CSNSEG"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
PREFIX = struct.Struct(">6sBBI")
CHUNK_LEN = struct.Struct(">I")
CHUNK = 64 * 1024
TAG = 16
SIGNATURE = 64
MAX_HEADER = 16 * 1024
MAX_PLAIN = 64 * 1024 * 1024  # decompressed payload: a hard cap (no decompression bombs)
MAX_FILE = 80 * 1024 * 1024
MAX_OPS = 20_000

HLC_RE = re.compile(r"^[0-9]{13}-[0-9]{6}$")
HEX64_RE = re.compile(r"^(|[0-9a-f]{64})$")
ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SCOPE_RE = re.compile(r"^(network|organisation:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                      r"[0-9a-f]{4}-[0-9a-f]{12})$")

# Problem kinds (the bad-file table).
NOT_ARRIVED = "not_arrived"
QUARANTINED = "quarantined"
HELD = "held"


class SegmentProblem(Exception):
    """Why a file cannot be applied: ``kind`` is one of the constants above; ``reason`` is a
    plain sentence with no personal data."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Header:
    network_id: str
    site_id: str
    seq: int
    prev_hash: str
    scope: str
    epoch: int
    schema: str
    hlc_min: str
    hlc_max: str
    ops: int
    salt: str  # hex, 32 bytes
    chunks: int
    size: int
    plain_len: int
    created_ms: int
    install: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Any) -> Header:
        if not isinstance(data, dict):
            raise ValueError("header is not an object")
        fields = cls.__dataclass_fields__
        if set(data) != set(fields):
            raise ValueError("header fields")
        ints = ("seq", "epoch", "ops", "chunks", "size", "plain_len", "created_ms")
        for name in fields:
            value = data[name]
            want = int if name in ints else str
            if not isinstance(value, want) or isinstance(value, bool):
                raise ValueError(f"header field {name}")
        header = cls(**data)
        header.check()
        return header

    def check(self) -> None:
        ok = (ID_RE.match(self.site_id) and SCOPE_RE.match(self.scope)
              and HEX64_RE.match(self.prev_hash) and re.fullmatch(r"[0-9a-f]{64}", self.salt)
              and HLC_RE.match(self.hlc_min) and HLC_RE.match(self.hlc_max)
              and self.hlc_min <= self.hlc_max and 1 <= self.seq < 10**12
              and 1 <= self.epoch < 10**6 and 1 <= self.ops <= MAX_OPS
              and self.chunks >= 1 and 0 < self.plain_len <= MAX_PLAIN
              and 0 < self.size <= MAX_FILE and len(self.network_id) <= 64
              and len(self.schema) <= 32 and len(self.install) <= 32)
        if not ok:
            raise ValueError("header values out of range")


@dataclass(frozen=True)
class Segment:
    """A verified, decrypted segment."""

    header: Header
    hash: str
    ops: list[Any]


def file_key(kind: str, scope_key: bytes, salt: str, scope: str, epoch: int) -> bytes:
    """A file's AES key from the scope key, bound to the kind of file ("seg" or "ckpt"), its
    scope and key epoch (shared with checkpoints, which use the same layout)."""
    info = f"csn-desk/{kind}/v1|{scope}|{epoch}".encode()
    return hkdf(scope_key, bytes.fromhex(salt), info)


def chunk_nonce(index: int, last: bool) -> bytes:
    """Chunk ``index``'s nonce; the last chunk is marked so a cut-short file never decrypts."""
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def signed_digest(kind: str, prefix_and_body: bytes) -> bytes:
    """What the author signs: the kind of file and the hash of everything before the
    signature."""
    return f"csn-desk/{kind}/v1/sig|".encode() + hashlib.sha256(prefix_and_body).digest()


def _file_key(scope_key: bytes, header: Header) -> bytes:
    return file_key("seg", scope_key, header.salt, header.scope, header.epoch)


def build(*, network_id: str, identity: Identity, seq: int, prev_hash: str, scope: str,
          epoch: int, schema: str, ops: list[list[Any]], scope_key: bytes, install: str,
          created_ms: int, salt: bytes) -> bytes:
    """The bytes of a new segment (``ops`` are the payload rows, HLC in position 4)."""
    plain = json.dumps({"ops": ops}, separators=(",", ":"), ensure_ascii=False).encode()
    packed = zlib.compress(plain, 6)
    pieces = [packed[i:i + CHUNK] for i in range(0, len(packed), CHUNK)] or [b""]
    hlcs = [op[4] for op in ops]
    header_fields = dict(
        network_id=network_id, site_id=identity.site_id, seq=seq, prev_hash=prev_hash,
        scope=scope, epoch=epoch, schema=schema, hlc_min=min(hlcs), hlc_max=max(hlcs),
        ops=len(ops), salt=salt.hex(), chunks=len(pieces), size=0, plain_len=len(plain),
        created_ms=created_ms, install=install)
    # The size is part of the header, so it is worked out before anything is encrypted.
    body_len = sum(CHUNK_LEN.size + len(p) + TAG for p in pieces)
    for _ in range(3):  # the size's own digits can change the header's length
        header_bytes = canonical_json(header_fields)
        size = PREFIX.size + len(header_bytes) + body_len + SIGNATURE
        if header_fields["size"] == size:
            break
        header_fields["size"] = size
    header = Header(**header_fields)
    header.check()
    header_bytes = canonical_json(header.to_json())
    prefix = PREFIX.pack(MAGIC, FORMAT_MAJOR, FORMAT_MINOR, len(header_bytes)) + header_bytes
    aad = hashlib.sha256(prefix).digest()
    aead = AESGCM(_file_key(scope_key, header))
    out = [prefix]
    for i, piece in enumerate(pieces):
        sealed = aead.encrypt(chunk_nonce(i, i == len(pieces) - 1), piece, aad)
        out.append(CHUNK_LEN.pack(len(sealed)) + sealed)
    body = b"".join(out)
    data = body + identity.sign.sign(signed_digest("seg", body))
    assert len(data) == header.size
    return data


def header_end(data: bytes, magic: bytes, format_major: int, max_header: int, noun: str,
               kind: str) -> int:
    """Where the JSON header of a file laid out as a segment (a segment or a checkpoint)
    ends, from its fixed prefix; SegmentProblem when it cannot yet or ever be read: too
    short is *not arrived yet* (a half-copied file; all zeros too), a newer major format is
    *held*, anything impossible is *quarantined*. ``noun`` names the file in messages ("the
    file", "the checkpoint"), ``kind`` what it should have been."""
    if len(data) < PREFIX.size:
        raise SegmentProblem(NOT_ARRIVED, f"The {noun} has not finished arriving.")
    found, major, _minor, header_len = PREFIX.unpack_from(data)
    if found != magic:
        if not any(data[:PREFIX.size]):
            raise SegmentProblem(NOT_ARRIVED, f"The {noun} has not finished arriving.")
        raise SegmentProblem(QUARANTINED, f"The file is not a csn-desk {kind}.")
    if major > format_major:
        raise SegmentProblem(HELD, f"The {noun} was written by a newer version of csn-desk; "
                                   "update this app to read it.")
    if header_len > max_header:
        raise SegmentProblem(QUARANTINED, f"The {noun}'s header is impossibly large.")
    end = PREFIX.size + header_len
    if len(data) < end:
        raise SegmentProblem(NOT_ARRIVED, f"The {noun} has not finished arriving.")
    return end


def read_header(data: bytes) -> tuple[Header, int]:
    """The header and its end offset; raises SegmentProblem (not arrived / held /
    quarantined) when the file cannot yet or ever be read."""
    if len(data) < PREFIX.size and data and not MAGIC.startswith(data[:len(MAGIC)]) \
            and any(data):
        raise SegmentProblem(QUARANTINED, "The file is not a csn-desk segment.")
    end = header_end(data, MAGIC, FORMAT_MAJOR, MAX_HEADER, "file", "segment")
    try:
        header = Header.from_json(json.loads(data[PREFIX.size:end]))
    except (ValueError, UnicodeDecodeError):
        # A half-written header looks the same as a damaged one; the size check and the
        # signature catch everything else, so this is treated as not arrived yet.
        raise SegmentProblem(NOT_ARRIVED, "The file's header cannot be read yet.") from None
    if len(data) < header.size:
        raise SegmentProblem(NOT_ARRIVED, "The file has not finished arriving.")
    if len(data) > header.size:
        raise SegmentProblem(QUARANTINED, "The file is longer than its header says.")
    return header, end


def verify(data: bytes, header: Header, sign_public: str) -> None:
    """Check the author's signature over the whole file (before any decryption)."""
    body, sig = data[:-SIGNATURE], data[-SIGNATURE:]
    try:
        public_sign_key(sign_public).verify(sig, signed_digest("seg", body))
    except (InvalidSignature, ValueError):
        raise SegmentProblem(QUARANTINED, "The file's signature does not match the site "
                                          "that it says wrote it.") from None
    del header


def decrypt(data: bytes, header: Header, header_end: int, scope_key: bytes) -> list[Any]:
    """The payload's change rows (after ``verify``)."""
    aad = hashlib.sha256(data[:header_end]).digest()
    aead = AESGCM(_file_key(scope_key, header))
    limit = len(data) - SIGNATURE
    offset, pieces = header_end, []
    try:
        for i in range(header.chunks):
            if offset + CHUNK_LEN.size > limit:
                raise ValueError("chunk missing")
            (length,) = CHUNK_LEN.unpack_from(data, offset)
            offset += CHUNK_LEN.size
            if length < TAG or length > CHUNK + TAG or offset + length > limit:
                raise ValueError("chunk length")
            pieces.append(aead.decrypt(chunk_nonce(i, i == header.chunks - 1),
                                       data[offset:offset + length], aad))
            offset += length
        if offset != limit:
            raise ValueError("bytes after the last chunk")
        inflater = zlib.decompressobj()
        plain = inflater.decompress(b"".join(pieces), MAX_PLAIN + 1)
        if len(plain) != header.plain_len or not inflater.eof or inflater.unconsumed_tail:
            raise ValueError("payload length")
        payload = json.loads(plain)
    except (InvalidTag, ValueError, zlib.error, UnicodeDecodeError):
        raise SegmentProblem(QUARANTINED, "The file is signed but does not decrypt to "
                                          "changes; it was damaged when written.") from None
    ops = payload.get("ops") if isinstance(payload, dict) else None
    if not isinstance(ops, list) or len(ops) != header.ops:
        raise SegmentProblem(QUARANTINED, "The file's contents do not match its header.")
    return ops


def open_segment(data: bytes, sign_public: str, scope_key: bytes) -> Segment:
    """Read, verify and decrypt in one go (tests and tools; the importer does it in steps)."""
    header, end = read_header(data)
    verify(data, header, sign_public)
    return Segment(header, hashlib.sha256(data).hexdigest(), decrypt(data, header, end,
                                                                     scope_key))
