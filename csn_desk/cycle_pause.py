"""One pause of Python's cyclic garbage collector for long pieces of work that make a great
many objects with no cycles among them (a month's tallies of a large network, reading or
importing a whole directory file): the collector would otherwise stop again and again to
walk every object in the process (a fifth of their time). Reference counting still frees
whatever is dropped. Pieces of work running at the same time (background work) share the
pause: the collector comes back on, as it was, when the last one ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_on = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.depth == 0:
                self.was_on = gc.isenabled()
                gc.disable()
            self.depth += 1
        try:
            yield
        finally:
            with self.lock:
                self.depth -= 1
                if self.depth == 0 and self.was_on:
                    gc.enable()


collector_paused = _Pause()
