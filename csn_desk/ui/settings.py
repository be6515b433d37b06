"""Per-computer UI preferences in QSettings (organisation "csn-desk").

Only layout and display preferences live here: window geometry, splitter sizes, text size.
Never a username, a data path or anything about a person (QSettings is a plaintext file)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "csn-desk"
APPLICATION = "csn-desk"
TEXT_SCALE_KEY = "ui/text_scale_percent"


def store() -> QSettings:
    """The settings object; tests point ``QSettings.setPath`` at a temp folder."""
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def text_scale() -> int:
    value = store().value(TEXT_SCALE_KEY, 100)
    try:
        return max(100, min(200, int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 100


def set_text_scale(percent: int) -> None:
    store().setValue(TEXT_SCALE_KEY, int(percent))


def load_bytes(key: str) -> QByteArray | None:
    value = store().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_bytes(key: str, value: QByteArray) -> None:
    store().setValue(key, value)
