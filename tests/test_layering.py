"""Architecture rules that a test can check: Qt stays inside csn_desk/ui/."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "csn_desk"
QT_ROOTS = {"PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_qt_import_outside_ui() -> None:
    offenders = []
    checked = 0
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "ui":
            continue
        checked += 1
        if _imported_roots(path) & QT_ROOTS:
            offenders.append(str(rel))
    assert checked > 10, "the scan found too few modules; is the package path right?"
    assert offenders == []


def test_scanner_sees_qt_imports(tmp_path: Path) -> None:
    """The check itself must be able to fail."""
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtWidgets import QWidget\nimport os\n")
    assert "PySide6" in _imported_roots(sample)


# The widgets call services; only the store knows SQL, sessions and key slots.
STORE_ONLY = {"sqlalchemy", "sqlmodel", "sqlcipher3"}
STORE_MODULES = ("csn_desk.store.models", "csn_desk.store.keys", "csn_desk.store.database")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_ui_runs_no_sql_and_opens_no_key_file() -> None:
    offenders = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        for name in _imported_modules(path):
            if name.split(".")[0] in STORE_ONLY or name.startswith(STORE_MODULES):
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []
