"""Re-arm per-process state in a forked child (gunicorn --preload forks a loaded app),
and run work in a forked child while the parent goes on.

Threads do not survive fork(), a lock held by one at that moment stays held
for ever in the child, and an SQLite connection must not cross a fork.
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

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


class Child(Generic[T]):
    """`work` running in a forked child process, so that this one can do something else
    meanwhile (on another core). `result()` waits for what it returned, or runs `work`
    here if the child could not; `cancel()` stops a child whose result is not wanted.

    The child runs only `work` and sends its result back pickled through a pipe; it
    leaves with os._exit, running no clean-up of what it inherited, and does not start
    what the fork hooks would (see `helping`).
    """

    def __init__(self, work: Callable[[], T]) -> None:
        global _helping  # noqa: PLW0603 - read by fork hooks, which take no arguments
        self._work = work
        self._pid, self._fd = 0, -1
        read_end, write_end = os.pipe()
        _helping = True
        try:
            pid = os.fork()
        except OSError:  # no process to spare: the work is done here, in result()
            os.close(read_end)
            os.close(write_end)
            return
        finally:
            _helping = False  # the child's hooks have run by now
        if pid == 0:
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as pipe:
                    pickle.dump(work(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os.close(write_end)
        self._pid, self._fd = pid, read_end

    def result(self) -> T:
        """What `work` returned."""
        if not self._pid:
            return self._work()
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                value: T = pickle.load(pipe)  # from our own child
                return value
        except Exception:  # the child failed (it said why on stderr)
            return self._work()
        finally:
            os.waitpid(self._pid, 0)
            self._pid = 0

    def cancel(self) -> None:
        """Stop the child if its result was not taken (an error came first, say)."""
        if self._pid:
            os.close(self._fd)
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0


def helping() -> bool:
    """Whether this process is a `Child` just forked: fork hooks start nothing in it."""
    return _helping


_helping = False
