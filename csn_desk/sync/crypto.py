"""Keys and signatures for sync: site identities (Ed25519 + X25519), signed JSON documents,
scope keys wrapped to a site's X25519 key (age-style), and the short fingerprint people
compare by phone.

Everything here is plain ``cryptography``: Ed25519 signatures (``verify`` raises
``InvalidSignature``), X25519 key agreement into HKDF-SHA256, AES-256-GCM."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
# Crockford's base32: no I, L, O or U, so a fingerprint read aloud cannot be misheard as
# another letter or digit.
FINGERPRINT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FINGERPRINT_CHARS = 16  # 80 bits


class BadDocument(ValueError):
    """A signed file that is malformed, or whose signature does not hold."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise BadDocument("not base64 text")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BadDocument("not base64 text") from None
    if length is not None and len(data) != length:
        raise BadDocument("a key of the wrong length")
    return data


def canonical_json(obj: Any) -> bytes:
    """The one byte form of a JSON document (what is signed and hashed)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_scope_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


# -- identities -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """A site's private keys (kept only inside its encrypted database)."""

    site_id: str
    sign: Ed25519PrivateKey
    kx: X25519PrivateKey

    @classmethod
    def generate(cls, site_id: str) -> Identity:
        return cls(site_id, Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_b64(cls, site_id: str, sign_private: str, kx_private: str) -> Identity:
        return cls(site_id,
                   Ed25519PrivateKey.from_private_bytes(unb64(sign_private, KEY_BYTES)),
                   X25519PrivateKey.from_private_bytes(unb64(kx_private, KEY_BYTES)))

    def private_b64(self) -> tuple[str, str]:
        return b64(self.sign.private_bytes_raw()), b64(self.kx.private_bytes_raw())

    @property
    def sign_public(self) -> str:
        return b64(self.sign.public_key().public_bytes_raw())

    @property
    def kx_public(self) -> str:
        return b64(self.kx.public_key().public_bytes_raw())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.site_id, self.sign_public, self.kx_public)


def fingerprint(site_id: str, sign_public: str, kx_public: str) -> str:
    """16 characters in 4 groups (``7KQ3-...``): what an administrator compares before
    approving a site. Covers the site id and both public keys."""
    digest = hashlib.sha256(b"csn-desk/fingerprint/v1|" + site_id.encode() + b"|"
                            + unb64(sign_public, KEY_BYTES) + unb64(kx_public, KEY_BYTES))
    number = int.from_bytes(digest.digest()[:10], "big")
    chars = []
    for _ in range(FINGERPRINT_CHARS):
        number, rest = divmod(number, 32)
        chars.append(FINGERPRINT_ALPHABET[rest])
    text = "".join(reversed(chars))
    return "-".join(text[i:i + 4] for i in range(0, FINGERPRINT_CHARS, 4))


def normalise_fingerprint(text: str) -> str:
    """As typed back: any case, spaces or dashes; O read as 0, I and L as 1."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != FINGERPRINT_CHARS or any(c not in FINGERPRINT_ALPHABET for c in cleaned):
        return ""
    return "-".join(cleaned[i:i + 4] for i in range(0, FINGERPRINT_CHARS, 4))


def public_sign_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(text, KEY_BYTES))


def public_kx_key(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(unb64(text, KEY_BYTES))


# -- signed JSON documents --------------------------------------------------------------------
def sign_document(identity: Identity, body: dict[str, Any], purpose: str) -> bytes:
    """``{"body": ..., "signer": site id, "sig": ...}`` as canonical JSON bytes."""
    sig = identity.sign.sign(_signed_bytes(purpose, body))
    return canonical_json({"body": body, "signer": identity.site_id, "sig": b64(sig)})


def _signed_bytes(purpose: str, body: dict[str, Any]) -> bytes:
    return f"csn-desk/{purpose}/v1|".encode() + canonical_json(body)


def parse_document(data: bytes, max_bytes: int = 1 << 20) -> tuple[dict[str, Any], str, bytes]:
    """(body, signer id, signature) of a signed document, not yet verified."""
    if len(data) > max_bytes:
        raise BadDocument("too large")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BadDocument("not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict) \
            or not isinstance(doc.get("signer"), str):
        raise BadDocument("not a signed document")
    return doc["body"], doc["signer"], unb64(doc.get("sig"), 64)


def verify_document(body: dict[str, Any], sig: bytes, sign_public: str, purpose: str) -> None:
    try:
        public_sign_key(sign_public).verify(sig, _signed_bytes(purpose, body))
    except (InvalidSignature, ValueError):
        raise BadDocument("the signature does not hold") from None


# -- wrapping scope keys ----------------------------------------------------------------------
def wrap_key(key: bytes, recipient_kx_public: str, context: bytes) -> dict[str, str]:
    """Encrypt a scope key to one site (ephemeral X25519, HKDF, AES-GCM; ``context`` bound)."""
    recipient = public_kx_key(recipient_kx_public)
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(recipient)
    kek = hkdf(shared, eph_public + recipient.public_bytes_raw(), b"csn-desk/wrap/v1")
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(kek).encrypt(nonce, key, context)
    return {"eph": b64(eph_public), "nonce": b64(nonce), "sealed": b64(sealed)}


def unwrap_key(wrapped: dict[str, Any], identity: Identity, context: bytes) -> bytes:
    try:
        eph_public = unb64(wrapped.get("eph"), KEY_BYTES)
        nonce = unb64(wrapped.get("nonce"), 12)
        sealed = unb64(wrapped.get("sealed"), KEY_BYTES + 16)
        shared = identity.kx.exchange(X25519PublicKey.from_public_bytes(eph_public))
        own_public = identity.kx.public_key().public_bytes_raw()
        kek = hkdf(shared, eph_public + own_public, b"csn-desk/wrap/v1")
        return AESGCM(kek).decrypt(nonce, sealed, context)
    except (InvalidTag, ValueError, AttributeError):
        raise BadDocument("the key does not open") from None
