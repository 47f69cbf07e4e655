"""Re-arm per-process state in a forked child (gunicorn --preload forks a loaded app).

Threads do not survive fork(), a lock held by one at that moment stays held
for ever in the child, and an SQLite connection must not cross a fork.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any


def after_fork_in_child(method: Callable[[], Any]) -> None:
    """Call the bound `method` in every child forked from now on, while its object lives."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None:
            bound()

    os.register_at_fork(after_in_child=call)
