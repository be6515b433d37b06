"""Guards against a broken Qt binding: PySide6 6.12.0's ``SignalInstance.emit()`` returned
``True`` without a reference, so every emit from Python ate one reference to ``True`` and a
long session (or the test run's exit) crashed in ``bool_dealloc``. pyproject pins below it."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    number = Signal(int)


def test_emitting_a_signal_keeps_reference_counts() -> None:
    emitter = _Emitter()
    received: list[int] = []
    emitter.number.connect(received.append)
    before_true, before_false = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(20):
        emitter.number.emit(n)
    assert received == list(range(20))
    assert sys.getrefcount(True) >= before_true
    assert sys.getrefcount(False) >= before_false
