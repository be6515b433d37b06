"""Shared fixtures: real SQLCipher data directories in temp folders, never mocks.

Qt tests run offscreen; the variable is set here, before any Qt import."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# A 1366 x 768 screen, the common small screen of a counter PC (Qt's offscreen default is
# 800 x 800, smaller than any real counter).
_SCREEN = Path(__file__).with_name("offscreen-screen.json")
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={_SCREEN}")

from csn_desk.accounts import initialise  # noqa: E402
from csn_desk.store import keys  # noqa: E402
from csn_desk.workspace import Workspace  # noqa: E402

PASSPHRASE = "amber-kettle-orchard-42"
# Argon2id at a tiny cost so hundreds of tests stay fast; the cost is stored per slot, so
# this exercises exactly the production code path. bench/ measures the real cost.
FAST_KDF = keys.KdfParams(iterations=1, lanes=1, memory_kib=1024)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "DEFAULT_KDF", FAST_KDF)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def new_workspace(data_dir: Path) -> tuple[Workspace, str]:
    """A freshly initialised data directory: (signed-in admin workspace, recovery key)."""
    return initialise(data_dir, site_name="Test Counter", organisation_name="Test Org",
                      admin_username="admin", passphrase=PASSPHRASE)


@pytest.fixture
def ws(new_workspace: tuple[Workspace, str]) -> Iterator[Workspace]:
    workspace = new_workspace[0]
    yield workspace
    workspace.close()
