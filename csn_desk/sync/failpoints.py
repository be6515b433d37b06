"""Named points in export and import where the crash-safety harness (tests/sync) kills the
process with SIGKILL, to prove that a crash at any step loses nothing, applies nothing
twice and never gives one seq two contents. Inert unless ``CSN_SYNC_CRASH_AT`` names a
point (read once, at import)."""

from __future__ import annotations

import os
import signal

ENV = "CSN_SYNC_CRASH_AT"
_ARMED = os.environ.get(ENV, "")

# The points, in the order they are reached.
EXPORT_POINTS = ("export:built", "export:staged", "export:placed", "export:recorded")
IMPORT_POINTS = ("import:applied-not-committed", "import:committed")


def crashpoint(name: str) -> None:
    if _ARMED and name == _ARMED:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
