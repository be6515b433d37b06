"""Exporting the whole directory to a file, as ORUK JSON or CSV, and logging that it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from csn_desk.directory.csv_export import write_csv
from csn_desk.directory.oruk_export import write_json
from csn_desk.directory.permissions import require_editor
from csn_desk.directory.records import load_directory
from csn_desk.directory.safe_read import MAX_FILE_BYTES, megabytes
from csn_desk.errors import InvalidInput
from csn_desk.save_paths import check_save_path, save_failed
from csn_desk.workspace import Workspace

FORMATS = ("oruk-json", "csv")
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    services: int
    organisations: int
    size: int = 0  # bytes

    def sentence(self) -> str:
        done = (f"Exported {self.services:,} service{'s' if self.services != 1 else ''} and "
                f"{self.organisations:,} organisation{'s' if self.organisations != 1 else ''}"
                f" to {self.path.name}.")
        if self.size > MAX_FILE_BYTES:  # (an import refuses it: say so now, not then)
            done += (f" At {megabytes(self.size)} the file is larger than csn-desk itself "
                     f"imports ({megabytes(MAX_FILE_BYTES)}); other copies of csn-desk get "
                     "the directory through sync, not from this file.")
        return done


def export_directory(ws: Workspace, fmt: str, out: Path,
                     progress: Progress | None = None) -> ExportResult:
    """Write the directory to ``out`` in ``fmt`` (see FORMATS)."""
    require_editor(ws)
    if fmt not in FORMATS:
        raise InvalidInput(f"The format must be one of: {', '.join(FORMATS)}.")
    out = check_save_path(out, "directory." + ("json" if fmt == "oruk-json" else "csv"),
                          data_dir=ws.db.paths.root)
    d = load_directory(ws)
    try:
        count = (write_json if fmt == "oruk-json" else write_csv)(d, out, progress)
    except OSError as exc:
        raise save_failed(exc) from None
    with ws.db.write(ws.actor) as w:
        w.event("export:directory", detail=f"{fmt}; {count} services")
    return ExportResult(out, fmt, count, len(d.organisations), out.stat().st_size)
