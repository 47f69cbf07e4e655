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
    os.register_at_fork(after_in_child=_weak(method))


def around_fork(before: Callable[[], Any], parent: Callable[[], Any]) -> None:
    """Call bound `before` just before each fork, and `parent` after it in the parent."""
    os.register_at_fork(before=_weak(before), after_in_parent=_weak(parent))


def _weak(method: Callable[[], Any]) -> Callable[[], None]:
    """A call of a bound method that does not keep its object alive."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None:
            bound()

    return call
