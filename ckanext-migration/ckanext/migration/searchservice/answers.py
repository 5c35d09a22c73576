"""Counting answers kept until the next commit, as Solr's filterCache and queryResultCache
keep them: the same facet or pivot request (``rows=0``) over an unchanged index is not
counted again. The coverage matrix, the front door's and the handbooks' counts are the
same request for every anonymous visitor, and the index changes only on a commit.

A request with date math on ``NOW`` changes with time and is never kept; answers with
many facet values are not kept either, so the cache stays small (``MAX_VALUES`` values
per answer, ``SIZE`` answers).
"""
from __future__ import annotations

import threading

SIZE = 64
MAX_VALUES = 10000
# longer requests are rare and would make the keys big
MAX_KEY_CHARS = 8000


class AnswerCache:
    def __init__(self, size: int = SIZE):
        self.size = size
        self._items = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(generation: int, pairs) -> tuple | None:
        """The cache key of a request's parameters, or None when it may not be kept."""
        pairs = tuple(pairs)
        chars = 0
        for name, value in pairs:
            if "NOW" in value:
                return None
            chars += len(name) + len(value)
        if chars > MAX_KEY_CHARS:
            return None
        return (generation,) + pairs

    def get(self, key):
        found = self._items.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key, answer: dict):
        if _values(answer) > MAX_VALUES:
            return
        with self._lock:
            if len(self._items) >= self.size:
                # answers of older generations are never asked for again: drop the
                # oldest half (dicts keep insertion order)
                for old in list(self._items)[:self.size // 2]:
                    self._items.pop(old, None)
            self._items[key] = answer


def _values(answer: dict) -> int:
    """How many facet values and pivot rows an answer holds."""
    facets = answer.get("facet_counts") or {}
    count = sum(len(v) // 2 for v in (facets.get("facet_fields") or {}).values())
    stack = list((facets.get("facet_pivot") or {}).values())
    while stack:
        rows = stack.pop()
        count += len(rows)
        stack.extend(row["pivot"] for row in rows if "pivot" in row)
    return count
