"""What a worker keeps rendered, bounded by bytes: one budget for entries, pages' HTML and
feeds' bytes.

Rendering is most of what a feed or a page costs, so rendered output is kept and
served again; but each edit makes new versions of it, and keeping versions by
count let old ones pile up without bound (1,200 edits to one article once left
617 MB of old feeds in a worker). Everything rendered is kept here instead,
least recently used first out, and the bytes kept never pass the budget
(`FEEDSVC_RENDER_BUDGET`). What is needed to answer without a render (a feed's
validators) is small and kept apart, by the hot path.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable

from feedsvc.settings import DEFAULT_RENDER_BUDGET

# What an item costs besides the texts counted: the objects around them and the key.
ITEM_BYTES = 1024


def text_bytes(*texts: str | bytes | None) -> int:
    """The memory of texts (`sys.getsizeof`: a str of non-Latin text takes 2 or 4 bytes a
    character), to count them against the budget."""
    return sum(sys.getsizeof(text) for text in texts if text is not None)


class RenderBudget:
    """Rendered things by key, bounded together by the bytes they cost; safe between threads.

    `put` gives each item its cost; the least recently used go first while the total
    passes `limit`, and an item that alone costs more than `limit` is not kept.
    """

    def __init__(self, limit: int = DEFAULT_RENDER_BUDGET) -> None:
        self.limit = limit
        self._size = 0
        self._kept: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The bytes kept now, as their items were counted: never more than `limit`."""
        return self._size

    def __len__(self) -> int:
        """How many items are kept."""
        return len(self._kept)

    def get(self, key: Hashable) -> object | None:
        """The item kept under `key`, or None; it becomes the most recently used."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: object, cost: int) -> None:
        """Keep `value` under `key`, then drop the least recently used until it all fits."""
        with self._lock:
            self._drop(key)
            if cost > self.limit:
                return
            self._kept[key] = (value, cost)
            self._size += cost
            while self._size > self.limit:
                _, (_, freed) = self._kept.popitem(last=False)
                self._size -= freed

    def discard(self, key: Hashable) -> None:
        """Forget the item under `key`, if any: it will not be asked for again."""
        with self._lock:
            self._drop(key)

    def _drop(self, key: Hashable) -> None:
        """Forget `key`, under the lock."""
        found = self._kept.pop(key, None)
        if found is not None:
            self._size -= found[1]
