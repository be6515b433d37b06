"""Print settings of this copy (they depend on the site's printer and envelopes): the window
envelope's rectangle, the clear-print slip's paper size and whether slips carry a QR code.
Kept as local settings, never synced, never personal data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlmodel import select

from csn_desk.errors import InvalidInput
from csn_desk.protection.roles import require
from csn_desk.store.models import LocalSetting
from csn_desk.workspace import Workspace

PREFIX = "print."


@dataclass(frozen=True)
class PrintSettings:
    # The address window, in mm from the top-left corner of the A4 sheet. The default is a
    # DL/C5 left window; check it with the site's own envelopes (PA-05).
    window_left_mm: float = 20.0
    window_top_mm: float = 45.0
    window_width_mm: float = 95.0
    window_height_mm: float = 40.0
    slip_paper: str = "A4"  # A4 or A5 (clear print only; large print is always A4)
    slip_qr: bool = True

    def check(self) -> None:
        if self.slip_paper not in ("A4", "A5"):
            raise InvalidInput("The slip paper size must be A4 or A5.")
        if not (self.window_left_mm >= 0 and self.window_left_mm + self.window_width_mm <= 210
                and self.window_top_mm >= 0
                and self.window_top_mm + self.window_height_mm <= 297):
            raise InvalidInput("The envelope window must lie on the A4 page (210 by 297 mm).")
        if self.window_width_mm < 50 or self.window_height_mm < 20:
            raise InvalidInput("The envelope window must be at least 50 mm wide and 20 mm "
                               "tall to hold an address.")


def _parse(text: str, default: Any) -> Any:
    if isinstance(default, bool):
        return text == "1"
    if isinstance(default, float):
        return float(text)
    return text


def load_print_settings(ws: Workspace) -> PrintSettings:
    defaults = PrintSettings()
    with ws.db.read() as s:
        stored = dict(s.execute(select(LocalSetting.key, LocalSetting.value).where(
            LocalSetting.key.startswith(PREFIX))).all())
    values: dict[str, Any] = {}
    for f in fields(PrintSettings):
        text = stored.get(PREFIX + f.name)
        if text is not None:
            try:
                values[f.name] = _parse(text, getattr(defaults, f.name))
            except ValueError:
                continue  # a damaged value falls back to the default
    try:
        settings = replace(defaults, **values)
        settings.check()
    except InvalidInput:
        return defaults
    return settings


def save_print_settings(ws: Workspace, settings: PrintSettings) -> None:
    """Administrators only; the change is audited (without values: they are not personal)."""
    require(ws, "settings.edit", "Only an administrator can change the print settings.")
    settings.check()
    with ws.db.write(ws.actor) as w:
        for name, value in asdict(settings).items():
            text = ("1" if value else "0") if isinstance(value, bool) else str(value)
            row = w.session.get(LocalSetting, PREFIX + name)
            if row is None:
                w.session.add(LocalSetting(key=PREFIX + name, value=text))
            else:
                row.value = text
                w.session.add(row)
        w.event("settings:print", entity="local_setting")
