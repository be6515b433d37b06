"""The key file: the database key wrapped once per user and once for the recovery key.

The database key is 32 random bytes given to SQLCipher as a raw key. It is never stored as
is: each *slot* holds it encrypted with AES-256-GCM under a key derived by Argon2id from a
user's passphrase (or from the recovery key). Changing a passphrase rewraps one slot; the
database itself is untouched. A wrong passphrase fails the GCM tag check before the
database is opened, so nothing on disk changes.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from csn_desk.errors import DamagedKeyFile, InvalidInput, UnknownUser, WrongPassphrase
from csn_desk.store.atomic import write_atomic

FORMAT = "csn-desk-keys"
VERSION = 1
DB_KEY_BYTES = 32
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to copy by hand
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LEN = 5
RECOVERY_SLOT = "recovery"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored per slot, so it can be raised later without breaking old slots."""

    iterations: int = 3
    lanes: int = 4
    memory_kib: int = 65536

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        kdf = Argon2id(salt=salt, length=32, iterations=self.iterations, lanes=self.lanes,
                       memory_cost=self.memory_kib)
        return kdf.derive(secret)


DEFAULT_KDF = KdfParams()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class Slot:
    name: str  # a username, or RECOVERY_SLOT
    salt: bytes
    nonce: bytes
    wrapped: bytes
    kdf: KdfParams

    def aad(self) -> bytes:
        return f"{FORMAT}:v{VERSION}:slot:{self.name}".encode()

    @classmethod
    def seal(cls, name: str, secret: bytes, db_key: bytes, kdf: KdfParams) -> Slot:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        slot = cls(name=name, salt=salt, nonce=nonce, wrapped=b"", kdf=kdf)
        slot.wrapped = AESGCM(kdf.derive(secret, salt)).encrypt(nonce, db_key, slot.aad())
        return slot

    def open(self, secret: bytes) -> bytes:
        key = self.kdf.derive(secret, self.salt)
        try:
            return AESGCM(key).decrypt(self.nonce, self.wrapped, self.aad())
        except InvalidTag:
            raise WrongPassphrase() from None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "salt": _b64(self.salt), "nonce": _b64(self.nonce),
                "wrapped": _b64(self.wrapped),
                "kdf": {"name": "argon2id", "iterations": self.kdf.iterations,
                        "lanes": self.kdf.lanes, "memory_kib": self.kdf.memory_kib}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        kdf = data["kdf"]
        if kdf["name"] != "argon2id":
            raise ValueError("unknown kdf")
        params = KdfParams(int(kdf["iterations"]), int(kdf["lanes"]), int(kdf["memory_kib"]))
        slot = cls(name=str(data["name"]), salt=_unb64(data["salt"]), nonce=_unb64(data["nonce"]),
                   wrapped=_unb64(data["wrapped"]), kdf=params)
        # A damaged or hostile file must be refused here (as DamagedKeyFile), not fail later
        # inside Argon2/AES-GCM with a raw error, nor make unlocking take hours or all memory.
        if not (1 <= params.iterations <= 64 and 1 <= params.lanes <= 64
                and 8 * params.lanes <= params.memory_kib <= 4 * 1024 * 1024
                and len(slot.salt) >= 16 and len(slot.nonce) == 12
                and len(slot.wrapped) == DB_KEY_BYTES + 16):
            raise ValueError("slot parameters out of range")
        return slot


def new_recovery_key() -> str:
    """A random recovery key printed for writing down, e.g. ``K7QXM-3HTRA-...`` (~148 bits)."""
    chars = [secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)]
    groups = ["".join(chars[i:i + RECOVERY_GROUP_LEN])
              for i in range(0, len(chars), RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalise_recovery_key(text: str) -> bytes:
    """Accept the key as typed back: any case, with spaces or dashes between groups."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    if len(cleaned) != RECOVERY_GROUPS * RECOVERY_GROUP_LEN or any(
        ch not in RECOVERY_ALPHABET for ch in cleaned
    ):
        raise InvalidInput(
            "That does not look like a recovery key: it has 6 groups of 5 letters and digits. "
            "Check it against the printed copy."
        )
    return cleaned.encode("ascii")


@dataclass
class KeyFile:
    """The parsed key file; ``save`` writes it atomically."""

    path: Path
    slots: dict[str, Slot] = field(default_factory=dict)

    @classmethod
    def create(cls, path: Path, db_key: bytes, username: str, passphrase: str,
               recovery_key: str, kdf: KdfParams | None = None) -> KeyFile:
        params = kdf or DEFAULT_KDF
        kf = cls(path)
        kf.slots[username] = Slot.seal(username, passphrase.encode(), db_key, params)
        kf.slots[RECOVERY_SLOT] = Slot.seal(
            RECOVERY_SLOT, normalise_recovery_key(recovery_key), db_key, params)
        kf.save()
        return kf

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = json.loads(path.read_bytes())
            if raw.get("format") != FORMAT or raw.get("version") != VERSION:
                raise ValueError("not a key file")
            slots = [Slot.from_json(s) for s in raw["slots"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise DamagedKeyFile() from None
        return cls(path, {s.name: s for s in slots})

    def save(self) -> None:
        body = {"format": FORMAT, "version": VERSION,
                "slots": [s.to_json() for s in self.slots.values()]}
        write_atomic(self.path, json.dumps(body, indent=1).encode())

    def usernames(self) -> list[str]:
        return sorted(n for n in self.slots if n != RECOVERY_SLOT)

    def unlock(self, username: str, passphrase: str) -> bytes:
        slot = self.slots.get(username)
        if slot is None or username == RECOVERY_SLOT:
            raise UnknownUser(username)
        return slot.open(passphrase.encode())

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        try:
            return self.slots[RECOVERY_SLOT].open(normalise_recovery_key(recovery_key))
        except WrongPassphrase:
            raise InvalidInput(
                "That recovery key does not open this database. Check it against the printed copy."
            ) from None

    def set_passphrase(self, username: str, passphrase: str, db_key: bytes,
                       kdf: KdfParams | None = None) -> None:
        """Add or rewrap a user's slot (the caller has already unlocked ``db_key``)."""
        if username == RECOVERY_SLOT:
            raise InvalidInput("That username is reserved; choose another.")
        params = kdf or DEFAULT_KDF
        self.slots[username] = Slot.seal(username, passphrase.encode(), db_key, params)
        self.save()

    def set_recovery(self, recovery_key: str, db_key: bytes,
                     kdf: KdfParams | None = None) -> None:
        """Reseal the recovery slot with a new recovery key; the old key stops working."""
        params = kdf or DEFAULT_KDF
        self.slots[RECOVERY_SLOT] = Slot.seal(
            RECOVERY_SLOT, normalise_recovery_key(recovery_key), db_key, params)
        self.save()

    def remove_user(self, username: str) -> None:
        self.slots.pop(username, None)
        self.save()


def new_db_key() -> bytes:
    return secrets.token_bytes(DB_KEY_BYTES)
