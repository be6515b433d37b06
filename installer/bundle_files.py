"""The data files the frozen build carries, and where inside it each one goes.

Kept apart from csn-desk.spec (which only PyInstaller can run) so tests/test_packaging.py can
check the list without building: every resources/ subfolder, every migration, the fonts.
Destinations are relative to the bundle root (sys._MEIPASS, the _internal folder)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "csn_desk" / "store" / "migrations"
# Only the two faces the PDFs embed (csn_desk/documents/fonts.py), and the OFL licence.
FONT_FILES = ("AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf")
FONT_DEST = "fontpkg_atkinson_hyperlegible"


def tree(src: Path, dest: str) -> list[tuple[str, str]]:
    """Every file under src (no __pycache__), placed at the same relative path under dest."""
    return [(str(f), (Path(dest) / f.parent.relative_to(src)).as_posix())
            for f in sorted(src.rglob("*")) if f.is_file() and "__pycache__" not in f.parts]


def data_files(font_root: Path) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for PyInstaller's ``datas``."""
    return [
        # Where csn_desk.vocab.resources_dir() looks in a frozen build (as in the wheel).
        *tree(ROOT / "resources", "csn_desk/_resources"),
        # Alembic reads env.py and versions/*.py from disk, beside csn_desk/store/migrate.py.
        *tree(MIGRATIONS, "csn_desk/store/migrations"),
        (str(font_root / "LICENSE"), FONT_DEST),
        *[(str(font_root / "files" / name), FONT_DEST + "/files") for name in FONT_FILES],
        # GPL-3.0 (csn-desk) and LGPL-3.0 (Qt / PySide6): the licence texts travel with the app.
        *tree(ROOT / "installer" / "licences", "licences"),
    ]


def migration_imports() -> list[str]:
    """Modules the migration scripts import: Alembic loads them from files, so PyInstaller's
    import scan never sees them. Read from the scripts so a new migration needs no edit here."""
    found = set()
    for script in sorted(MIGRATIONS.rglob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
    return sorted(found - {"__future__"})
