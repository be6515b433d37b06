"""Forgiving small typos: expand a word that matches nothing to close words in the index.

The index's vocabulary (``service_search_vocab``) is read once per database and kept in
memory; every index trigger bumps ``service_search_state.generation``, so one tiny SELECT
tells whether the cached copy is stale. The vocabulary is only consulted when a search found
nothing, so the as-you-type path never pays for it."""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Connection, Engine

MAX_EXPANSIONS = 6


def max_distance(token: str) -> int:
    """Edits allowed: none for short words (too many false friends), 1 for 4-6 letters, 2
    beyond. OSA distance, so a swapped pair of letters counts as one edit."""
    n = len(token)
    if n < 4:
        return 0
    return 1 if n <= 6 else 2


@dataclass
class Vocabulary:
    generation: int
    terms: list[str]  # sorted
    docs: dict[str, int]
    by_length: dict[int, list[str]]
    _prefixes: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, generation: int) -> Vocabulary:
        rows = conn.exec_driver_sql("SELECT term, doc FROM service_search_vocab").all()
        docs = {str(t): int(d) for t, d in rows}
        by_length: dict[int, list[str]] = {}
        for term in docs:
            by_length.setdefault(len(term), []).append(term)
        return cls(generation, sorted(docs), docs, by_length)

    def has_prefix(self, token: str) -> bool:
        """Whether any indexed word starts with ``token`` (what a prefix query would match)."""
        i = bisect.bisect_left(self.terms, token)
        return i < len(self.terms) and self.terms[i].startswith(token)

    def prefixes(self, length: int) -> list[str]:
        """Distinct beginnings of that length of longer words (for typos while typing)."""
        if length not in self._prefixes:
            self._prefixes[length] = sorted({t[:length] for t in self.terms if len(t) > length})
        return self._prefixes[length]

    def close_words(self, token: str) -> list[str]:
        """Words or word beginnings within the allowed distance, best first; each is meant
        to be used as a prefix query."""
        d = max_distance(token)
        if d == 0:
            return []
        n = len(token)
        whole = [t for k in range(n - d, n + d + 1) for t in self.by_length.get(k, ())]
        found: dict[str, tuple[int, int]] = {}
        for term, dist, _ in process.extract(token, whole, scorer=OSA.distance,
                                             score_cutoff=d, limit=50):
            found[term] = (int(dist), -self.docs.get(term, 0))
        for pfx, dist, _ in process.extract(token, self.prefixes(n), scorer=OSA.distance,
                                            score_cutoff=d, limit=50):
            if pfx not in found:
                found[pfx] = (int(dist) + 1, 0)  # a whole-word match is the better guess
        return sorted(found, key=lambda w: (found[w], w))[:MAX_EXPANSIONS]


_cache: weakref.WeakKeyDictionary[Engine, Vocabulary] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def vocabulary(engine: Engine, conn: Connection) -> Vocabulary:
    """The cached vocabulary for this database, reloaded if the index changed since."""
    generation = int(conn.exec_driver_sql(
        "SELECT generation FROM service_search_state WHERE id = 1").scalar_one())
    with _lock:
        cached = _cache.get(engine)
        if cached is not None and cached.generation == generation:
            return cached
    fresh = Vocabulary.load(conn, generation)
    with _lock:
        _cache[engine] = fresh
    return fresh
