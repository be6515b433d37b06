"""A three-site network (the hub; counters A and B of one organisation), built once per test
process with the real services and copied for each test: real SQLCipher files, real drop."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from csn_desk.store import keys
from tests.conftest import FAST_KDF
from tests.sync.kit import Net, build_network

_BUILT: dict[str, Net] = {}


def _template(name: str, plan: list[tuple[str, str]]) -> Net:
    if name not in _BUILT:
        keys.DEFAULT_KDF = FAST_KDF
        root = Path(tempfile.mkdtemp(prefix=f"csn-sync-{name}-"))
        _BUILT[name] = build_network(root / "net", plan)
    return _BUILT[name]


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[Net]:
    """hub (organisation "CSN Hub"), a and b (both "Age UK"), all synced once."""
    net = _template("trio", [("hub", "CSN Hub"), ("a", "Age UK"), ("b", "Age UK")])
    yield net.copy_to(tmp_path / "net")
