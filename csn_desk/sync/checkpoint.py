"""The checkpoint file: one site's full replicated state of one scope, so a new site (or one
away longer than the drop keeps segments) can start from it instead of every segment.

It is the segment format (:mod:`csn_desk.sync.segment`) with another magic and header, so
the same rules hold: a prefix and a canonical-JSON header of ids and numbers only; the
payload compressed, then AES-256-GCM in 64 KiB chunks under ``HKDF(scope key, salt)`` with
the chunk index and a last-chunk flag as nonce and the header's hash as associated data; an
Ed25519 signature over every byte before it, checked before anything is decrypted::

    "CSNCKP" | major u8 | minor u8 | header length u32 | header
    | chunks: (length u32 | ciphertext) * n | signature (64 bytes)

The header carries the *frontier* the checkpoint covers: for each origin site, the highest
seq whose segments (of this scope) are all in it, with that segment's hash and previous
hash, so a reader can continue the origin's chain after it. It is readable without the key,
which is what compaction needs to know what may be deleted.

The payload is JSON lines (a checkpoint can be far larger than a segment and is read as a
stream): ``["v", table, row, field, hlc, site]`` a write some later write was based on;
``["c", table, row, field, value, hlc, site]`` a cell and its winning clock;
``["x", table, row, field, hlc, site, value]`` a conflict-log entry; ``["p", table, row,
field, value, hlc, site, base_hlc, base_site, op]`` a change kept for a newer version.
Merging these into any state gives the state of all the writes of both (see ``catchup``)."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csn_desk.sync import segment as seg
from csn_desk.sync.crypto import Identity, canonical_json, public_sign_key

MAGIC = b"CSNCKP"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
MAX_FILE = 1 << 30  # 1 GiB: far above a large network's state, compressed
MAX_PLAIN = 8 << 30
MAX_RECORDS = 100_000_000
MAX_FRONTIER = 1000  # origins
MAX_HEADER = 256 * 1024
MAX_LINE = 4 * 1024 * 1024
KINDS = {"v": 6, "c": 7, "x": 7, "p": 10}  # record kind -> length

SegmentProblem = seg.SegmentProblem
NOT_ARRIVED, QUARANTINED, HELD = seg.NOT_ARRIVED, seg.QUARANTINED, seg.HELD
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Header:
    network_id: str
    site_id: str
    n: int
    scope: str
    epoch: int
    schema: str
    frontier: dict[str, tuple[int, str, str]]  # origin -> (seq, hash, prev_hash)
    hlc_max: str  # "" when the scope holds nothing
    records: int
    salt: str
    chunks: int
    size: int
    plain_len: int
    created_ms: int

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["frontier"] = {k: list(v) for k, v in sorted(self.frontier.items())}
        return out

    @classmethod
    def from_json(cls, data: Any) -> Header:
        if not isinstance(data, dict) or set(data) != set(cls.__dataclass_fields__):
            raise ValueError("header fields")
        ints = ("n", "epoch", "records", "chunks", "size", "plain_len", "created_ms")
        for name in cls.__dataclass_fields__:
            if name == "frontier":
                continue
            value = data[name]
            want = int if name in ints else str
            if not isinstance(value, want) or isinstance(value, bool):
                raise ValueError(f"header field {name}")
        raw = data["frontier"]
        if not isinstance(raw, dict) or len(raw) > MAX_FRONTIER:
            raise ValueError("frontier")
        frontier: dict[str, tuple[int, str, str]] = {}
        for origin, entry in raw.items():
            if not (isinstance(origin, str) and seg.ID_RE.match(origin)
                    and isinstance(entry, list) and len(entry) == 3):
                raise ValueError("frontier entry")
            seq, digest, prev = entry
            if (not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 10**12
                    or not isinstance(digest, str) or not HEX64.match(digest)
                    or not isinstance(prev, str) or not seg.HEX64_RE.match(prev)):
                raise ValueError("frontier entry")
            frontier[origin] = (seq, digest, prev)
        header = cls(**{**data, "frontier": frontier})
        header.check()
        return header

    def check(self) -> None:
        ok = (seg.ID_RE.match(self.site_id) and seg.SCOPE_RE.match(self.scope)
              and re.fullmatch(r"[0-9a-f]{64}", self.salt)
              and (self.hlc_max == "" or seg.HLC_RE.match(self.hlc_max))
              and 1 <= self.n < 10**12 and 1 <= self.epoch < 10**6
              and 0 <= self.records <= MAX_RECORDS and self.chunks >= 1
              and 0 <= self.plain_len <= MAX_PLAIN and 0 < self.size <= MAX_FILE
              and len(self.network_id) <= 64 and len(self.schema) <= 32)
        if not ok:
            raise ValueError("header values out of range")


def _file_key(scope_key: bytes, header: Header) -> bytes:
    return seg.file_key("ckpt", scope_key, header.salt, header.scope, header.epoch)


def record_stamp(rec: list[Any]) -> str:
    """The HLC a record carries (its position depends on the kind)."""
    return str(rec[4] if rec[0] == "v" else rec[5] if rec[0] in ("c", "p") else rec[4])


def build(*, network_id: str, identity: Identity, n: int, scope: str, epoch: int,
          schema: str, frontier: dict[str, tuple[int, str, str]],
          records: Iterable[list[Any]], scope_key: bytes, created_ms: int,
          salt: bytes) -> bytes:
    """The bytes of a new checkpoint, compressing the records as they come."""
    comp = zlib.compressobj(6)
    packed: list[bytes] = []
    plain_len = count = 0
    hlc_max = ""
    for rec in records:
        line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        plain_len += len(line)
        count += 1
        stamp = record_stamp(rec)
        hlc_max = max(hlc_max, stamp)
        packed.append(comp.compress(line))
    packed.append(comp.flush())
    blob = b"".join(packed)
    pieces = [blob[i:i + seg.CHUNK] for i in range(0, len(blob), seg.CHUNK)] or [b""]
    fields: dict[str, Any] = dict(
        network_id=network_id, site_id=identity.site_id, n=n, scope=scope, epoch=epoch,
        schema=schema, frontier=dict(frontier), hlc_max=hlc_max, records=count,
        salt=salt.hex(), chunks=len(pieces), size=0, plain_len=plain_len,
        created_ms=created_ms)
    body_len = sum(seg.CHUNK_LEN.size + len(p) + seg.TAG for p in pieces)
    header = Header(**fields)
    for _ in range(3):  # the size's own digits can change the header's length
        header_bytes = canonical_json(header.to_json())
        size = seg.PREFIX.size + len(header_bytes) + body_len + seg.SIGNATURE
        if header.size == size:
            break
        fields["size"] = size
        header = Header(**fields)
    header.check()
    header_bytes = canonical_json(header.to_json())
    prefix = seg.PREFIX.pack(MAGIC, FORMAT_MAJOR, FORMAT_MINOR, len(header_bytes)) + header_bytes
    aad = hashlib.sha256(prefix).digest()
    aead = AESGCM(_file_key(scope_key, header))
    out = [prefix]
    for i, piece in enumerate(pieces):
        sealed = aead.encrypt(seg.chunk_nonce(i, i == len(pieces) - 1), piece, aad)
        out.append(seg.CHUNK_LEN.pack(len(sealed)) + sealed)
    body = b"".join(out)
    data = body + identity.sign.sign(seg.signed_digest("ckpt", body))
    assert len(data) == header.size
    return data


def read_header(data: bytes) -> tuple[Header, int]:
    """The header and its end offset, or SegmentProblem: too short is *not arrived yet*
    (a half-copied file), a newer major format is *held*, anything impossible is
    *quarantined*. ``data`` may be just the file's first bytes (a header-only look)."""
    end = seg.header_end(data, MAGIC, FORMAT_MAJOR, MAX_HEADER, "checkpoint", "checkpoint")
    try:
        header = Header.from_json(json.loads(data[seg.PREFIX.size:end]))
    except (ValueError, UnicodeDecodeError):
        raise SegmentProblem(NOT_ARRIVED, "The checkpoint's header cannot be read "
                                          "yet.") from None
    return header, end


def check_length(data: bytes, header: Header) -> None:
    if len(data) < header.size:
        raise SegmentProblem(NOT_ARRIVED, "The checkpoint has not finished arriving.")
    if len(data) > header.size:
        raise SegmentProblem(QUARANTINED, "The checkpoint is longer than its header says.")


def verify(data: bytes, sign_public: str) -> None:
    """The author's signature over the whole file (before any decryption)."""
    body, sig = data[:-seg.SIGNATURE], data[-seg.SIGNATURE:]
    try:
        public_sign_key(sign_public).verify(sig, seg.signed_digest("ckpt", body))
    except (InvalidSignature, ValueError):
        raise SegmentProblem(QUARANTINED, "The checkpoint's signature does not match the "
                                          "site that it says wrote it.") from None


def records(data: bytes, header: Header, header_end: int,
            scope_key: bytes) -> Iterator[list[Any]]:
    """The payload's records, decrypted and decompressed chunk by chunk (after ``verify``).
    Raises SegmentProblem (quarantined) at the first thing wrong, possibly after yielding
    records: the caller applies them inside one transaction that the error rolls back."""
    aad = hashlib.sha256(data[:header_end]).digest()
    aead = AESGCM(_file_key(scope_key, header))
    limit = len(data) - seg.SIGNATURE
    offset, plain, count = header_end, 0, 0
    inflater = zlib.decompressobj()
    pending = b""
    bad = SegmentProblem(QUARANTINED, "The checkpoint is signed but does not decrypt to a "
                                      "site's state; it was damaged when written.")
    try:
        for i in range(header.chunks):
            if offset + seg.CHUNK_LEN.size > limit:
                raise ValueError("chunk missing")
            (length,) = seg.CHUNK_LEN.unpack_from(data, offset)
            offset += seg.CHUNK_LEN.size
            if length < seg.TAG or length > seg.CHUNK + seg.TAG or offset + length > limit:
                raise ValueError("chunk length")
            piece = aead.decrypt(seg.chunk_nonce(i, i == header.chunks - 1),
                                 data[offset:offset + length], aad)
            offset += length
            out = inflater.decompress(piece)
            plain += len(out)
            if plain > header.plain_len:
                raise ValueError("payload longer than its header says")
            pending += out
            lines = pending.split(b"\n")
            pending = lines.pop()
            if len(pending) > MAX_LINE:
                raise ValueError("record too long")
            for line in lines:
                count += 1
                if count > header.records:
                    raise ValueError("more records than the header says")
                rec = json.loads(line)
                if (rec.__class__ is not list or not rec or rec[0] not in KINDS
                        or len(rec) != KINDS[rec[0]]):
                    raise ValueError("record shape")
                yield rec
        if offset != limit:
            raise ValueError("bytes after the last chunk")
        if (pending or not inflater.eof or inflater.unconsumed_tail
                or plain != header.plain_len or count != header.records):
            raise ValueError("payload does not match its header")
    except (InvalidTag, ValueError, zlib.error, UnicodeDecodeError):
        raise bad from None
