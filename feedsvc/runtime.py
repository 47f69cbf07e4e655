"""Process concerns, in one place: the garbage collector, forking, which process is which.

gunicorn's master loads the content, then forks the workers (`feedsvc serve`).
Threads do not survive fork(), a lock held by one at that moment stays held for
ever in the child, and an SQLite connection must not cross a fork: each part
that holds such state says how to re-arm it (`before_fork`, `after_fork_in_parent`,
`after_fork`), and `prepare_to_fork` registers them. Nothing here runs at import
or in the app factory: only a process that forks a loaded app calls it.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@contextmanager
def paused_collector(*, freeze: bool = False) -> Iterator[None]:
    """Keep Python's cyclic garbage collector still while content is loaded.

    Loading makes hundreds of thousands of long-lived objects, and the collector,
    triggered by allocation counts, would walk them all again and again: over
    half the time of a restart at 100,000 articles. Reference counting still
    frees garbage meanwhile, and content objects hold no cycles. With `freeze`,
    what exists at the end is moved out of the collector's reach (`gc.freeze`):
    a first load's objects live as long as the process, and the first collection
    after the pause would otherwise walk every one of them (0.3 s at 100,000).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def settle() -> None:
    """Collect the young generations now, so that what survives (a new catalog's indexes,
    100,000 entries each at 100,000 articles) moves to the oldest one, which collections
    rarely walk: else the collections the next requests trigger walk them, and the first
    request after an edit at 100,000 articles takes about 1.2x as long (README)."""
    gc.collect(1)


def prepare_to_fork(*parts: object) -> None:
    """Before a loaded process forks its workers: keep the collector off the loaded corpus,
    and re-arm each part's per-process state around every fork from now on."""
    # The corpus is long-lived and acyclic: frozen, the collector never walks it, and
    # never touches (and so copies) the pages the workers share with the master.
    gc.freeze()
    for part in parts:
        hooks: dict[str, Callable[[], None]] = {}
        for hook, name in (
            ("before", "before_fork"),
            ("after_in_parent", "after_fork_in_parent"),
            ("after_in_child", "after_fork"),
        ):
            method = getattr(part, name, None)
            if method is not None:
                hooks[hook] = _weak(method, in_helper=hook != "after_in_child")
        if hooks:  # a part may be None (no cache) or hold nothing per process
            os.register_at_fork(**hooks)


def _weak(method: Callable[[], Any], *, in_helper: bool) -> Callable[[], None]:
    """A call of a bound method that does not keep its object alive, and (unless
    `in_helper`) is not made in a `Child` helper, which only works and exits."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None and (in_helper or not _helping):
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

    @property
    def pid(self) -> int:
        """The child's process id; 0 once its result is taken, or when none could be had."""
        return self._pid

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
