"""Re-arm per-process state in a forked child (gunicorn --preload forks a loaded app),
and run work in a forked child while the parent goes on.

Threads do not survive fork(), a lock held by one at that moment stays held
for ever in the child, and an SQLite connection must not cross a fork.
"""

from __future__ import annotations

import os
import pickle
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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


def in_child(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` in a forked child process, so that this one can do something else
    meanwhile (on another core); calling the result waits for what `work` returned,
    or runs `work` here if the child failed.

    The child only runs `work` and sends its result back through a pipe, pickled; it
    leaves with os._exit, running no clean-up of what it inherited.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(work(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(write_end)

    def result() -> T:
        try:
            with os.fdopen(read_end, "rb") as pipe:
                value: T = pickle.load(pipe)  # from our own child
                return value
        except (OSError, EOFError, pickle.UnpicklingError):
            return work()
        finally:
            os.waitpid(pid, 0)

    return result
