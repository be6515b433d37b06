"""Unlocking: a wrong passphrase, an unknown user or a damaged key file fails with a plain
message and leaves every file byte-identical; a passphrase change only rewraps the key; the
recovery key opens the data however it is typed back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from csn_desk.accounts import (
    change_passphrase,
    initialise,
    sign_in,
    sign_in_with_recovery,
)
from csn_desk.enquiries import count_enquiries, list_enquiries, save_enquiry
from csn_desk.errors import (
    DamagedKeyFile,
    DatabaseUnreadable,
    InvalidInput,
    UnknownUser,
    WrongPassphrase,
)
from csn_desk.store.database import Database
from csn_desk.store.keys import RECOVERY_SLOT, KeyFile
from csn_desk.store.paths import DataPaths
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.store.storekit import draft, hash_tree

NEW_PASSPHRASE = "violet-harbour-lantern-97"


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One closed data directory with a saved enquiry, set up once for the module."""
    root = tmp_path_factory.mktemp("unlock") / "data"
    ws, _recovery = initialise(root, site_name="Test Counter", organisation_name="Test Org",
                               admin_username="admin", passphrase=PASSPHRASE, kdf=FAST_KDF)
    save_enquiry(ws, draft("a note"))
    ws.close()
    return root


@pytest.fixture
def closed_dir(_template: Path, data_dir: Path) -> Path:
    """A private copy of the template (closed, so the WAL has been checkpointed away)."""
    shutil.copytree(_template, data_dir)
    return data_dir


def test_wrong_passphrase_fails_cleanly_and_changes_nothing(closed_dir: Path) -> None:
    before = hash_tree(closed_dir)
    assert "csn-desk.db" in before and "csn-desk.keys" in before
    with pytest.raises(WrongPassphrase) as err:
        sign_in(closed_dir, "admin", PASSPHRASE + "x")
    assert "passphrase is not right" in str(err.value)
    assert PASSPHRASE not in str(err.value)
    assert hash_tree(closed_dir) == before


def test_wrong_passphrase_while_app_has_it_open_changes_nothing(
        new_workspace: tuple[Workspace, str], data_dir: Path) -> None:
    """The -wal and -shm of a live session are part of what must stay untouched."""
    ws = new_workspace[0]
    save_enquiry(ws, draft("open session"))
    before = hash_tree(data_dir)
    assert "csn-desk.db-wal" in before and "csn-desk.db-shm" in before
    with pytest.raises(WrongPassphrase):
        Database.open(data_dir, "admin", "not-the-passphrase-at-all")
    assert hash_tree(data_dir) == before
    assert count_enquiries(ws) == 1
    ws.close()


def test_unknown_user_fails_cleanly(closed_dir: Path) -> None:
    before = hash_tree(closed_dir)
    with pytest.raises(UnknownUser) as err:
        sign_in(closed_dir, "nobody", PASSPHRASE)
    assert "no user called 'nobody'" in str(err.value)
    # The recovery slot is not a user name that a passphrase can open.
    with pytest.raises(UnknownUser):
        sign_in(closed_dir, RECOVERY_SLOT, PASSPHRASE)
    assert hash_tree(closed_dir) == before


def _truncate(text: bytes) -> bytes:
    return text[: len(text) // 2]


def _wrong_json(text: bytes) -> bytes:
    body = json.loads(text)
    body["slots"][0]["salt"] = "not base64 !!"
    return json.dumps(body).encode()


def _wrong_format(text: bytes) -> bytes:
    body = json.loads(text)
    body["format"] = "something-else"
    return json.dumps(body).encode()


def _slot_field(field: str, value: object, kdf: bool = False):
    """Damage one field of the admin slot (or of its Argon2 parameters)."""
    def damage(text: bytes) -> bytes:
        body = json.loads(text)
        slot = next(s for s in body["slots"] if s["name"] == "admin")
        (slot["kdf"] if kdf else slot)[field] = value
        return json.dumps(body).encode()
    return damage


@pytest.mark.parametrize("damage", [
    _slot_field("iterations", 0, kdf=True),
    _slot_field("lanes", 0, kdf=True),
    _slot_field("memory_kib", 1, kdf=True),
    _slot_field("memory_kib", 2**40, kdf=True),  # hostile: would exhaust memory
    _slot_field("iterations", 10**9, kdf=True),  # hostile: would never finish
    _slot_field("nonce", "AAAA"),
    _slot_field("salt", "AAAA"),
    _slot_field("wrapped", "AAAA"),
], ids=["iterations-0", "lanes-0", "memory-tiny", "memory-huge", "iterations-huge",
        "short-nonce", "short-salt", "short-wrapped"])
def test_key_file_with_impossible_slot_is_damaged(closed_dir: Path, damage) -> None:
    """Found by this suite: these used to escape as raw ValueErrors from Argon2/AES-GCM."""
    keys = DataPaths(closed_dir).key_file
    keys.write_bytes(damage(keys.read_bytes()))
    before = hash_tree(closed_dir)
    with pytest.raises(DamagedKeyFile):
        sign_in(closed_dir, "admin", PASSPHRASE)
    assert hash_tree(closed_dir) == before


@pytest.mark.parametrize("damage", [
    _truncate,
    lambda _text: b"\x00\xff garbage \x13" * 20,
    lambda _text: b"",
    lambda _text: b"[1, 2, 3]",
    lambda _text: b'{"format": "csn-desk-keys", "version": 1}',
    _wrong_json,
    _wrong_format,
], ids=["truncated", "garbage", "empty", "json-list", "no-slots", "bad-base64", "bad-format"])
def test_damaged_key_file_fails_cleanly(closed_dir: Path, damage) -> None:
    keys = DataPaths(closed_dir).key_file
    keys.write_bytes(damage(keys.read_bytes()))
    before = hash_tree(closed_dir)
    with pytest.raises(DamagedKeyFile) as err:
        sign_in(closed_dir, "admin", PASSPHRASE)
    assert "key file" in str(err.value) and "nothing has been changed" in str(err.value)
    assert hash_tree(closed_dir) == before


def test_key_file_of_another_database_is_refused_untouched(
        closed_dir: Path, tmp_path: Path) -> None:
    """A key file that unwraps fine but belongs to other data: the database says so."""
    other = tmp_path / "other"
    Database.create(other, "admin", PASSPHRASE)[0].close()
    DataPaths(closed_dir).key_file.write_bytes(DataPaths(other).key_file.read_bytes())
    before = hash_tree(closed_dir)
    with pytest.raises(DatabaseUnreadable):
        sign_in(closed_dir, "admin", PASSPHRASE)
    assert hash_tree(closed_dir) == before


def test_rewrap_leaves_database_bytes_unchanged(closed_dir: Path) -> None:
    paths = DataPaths(closed_dir)
    db_before = {k: v for k, v in hash_tree(closed_dir).items() if k != "csn-desk.keys"}
    slots_before = json.loads(paths.key_file.read_bytes())["slots"]
    kf = KeyFile.load(paths.key_file)
    key = kf.unlock("admin", PASSPHRASE)
    kf.set_passphrase("admin", NEW_PASSPHRASE, key)
    after = hash_tree(closed_dir)
    assert {k: v for k, v in after.items() if k != "csn-desk.keys"} == db_before
    slots_after = {s["name"]: s for s in json.loads(paths.key_file.read_bytes())["slots"]}
    recovery_before = next(s for s in slots_before if s["name"] == RECOVERY_SLOT)
    assert slots_after[RECOVERY_SLOT] == recovery_before
    assert slots_after["admin"]["wrapped"] != next(
        s for s in slots_before if s["name"] == "admin")["wrapped"]
    assert KeyFile.load(paths.key_file).unlock("admin", NEW_PASSPHRASE) == key
    with pytest.raises(WrongPassphrase):
        KeyFile.load(paths.key_file).unlock("admin", PASSPHRASE)


def test_change_passphrase_service(new_workspace: tuple[Workspace, str], data_dir: Path) -> None:
    ws = new_workspace[0]
    eid = save_enquiry(ws, draft("kept across the change"))
    old_key = ws.db.key
    change_passphrase(ws, NEW_PASSPHRASE)
    ws.close()
    with pytest.raises(WrongPassphrase):
        sign_in(data_dir, "admin", PASSPHRASE)
    with sign_in(data_dir, "admin", NEW_PASSPHRASE) as again:
        assert again.db.key == old_key  # the database was not rekeyed, only the slot
        assert count_enquiries(again) == 1
        assert [r.id for r in list_enquiries(again)] == [eid]


@pytest.mark.parametrize("typed", [
    lambda k: k,
    lambda k: k.lower().replace("-", " "),
    lambda k: " " + k.replace("-", "").lower() + "\n",
], ids=["as-printed", "lower-with-spaces", "lower-run-together"])
def test_recovery_key_unlocks(new_workspace: tuple[Workspace, str], data_dir: Path,
                              typed) -> None:
    ws, recovery = new_workspace
    save_enquiry(ws, draft("recovered"))
    ws.close()
    with sign_in_with_recovery(data_dir, typed(recovery), "admin") as again:
        assert count_enquiries(again) == 1


def test_wrong_recovery_key_fails_cleanly(new_workspace: tuple[Workspace, str],
                                          data_dir: Path) -> None:
    ws, recovery = new_workspace
    ws.close()
    before = hash_tree(data_dir)
    groups = recovery.split("-")
    # Same shape, one character different: well-formed but not this database's key.
    changed = groups[0][:-1] + ("A" if groups[0][-1] != "A" else "B")
    wrong = "-".join([changed, *groups[1:]])
    with pytest.raises(InvalidInput) as err:
        sign_in_with_recovery(data_dir, wrong, "admin")
    assert "does not open this database" in str(err.value)
    with pytest.raises(InvalidInput) as err:
        sign_in_with_recovery(data_dir, "not a key", "admin")
    assert "does not look like a recovery key" in str(err.value)
    assert recovery not in str(err.value)
    assert hash_tree(data_dir) == before
