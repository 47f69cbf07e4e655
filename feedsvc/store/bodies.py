"""Where article bodies live while the service runs: out of the catalog, keyed by digest.

Bodies are most of a corpus's bytes (about 5 KB an article) and a feed shows
only its newest entries, so the catalog holds digests and a body is fetched
when a feed or page is rendered. Keying by the digest of the whole file keeps
every version that was ever served, which is what lets an article whose new
version is broken keep its last good one.

`MemoryBodies` keeps them in a dict (no cache folder); `SqliteBodies` (`sqlite`)
keeps them in the cache folder, shared by every worker and kept across restarts;
`GuardedBodies` is how the cache folder's store is used: never trusted, it turns
any failure of the file (damaged, unreadable, unwritable, gone) into one rebuild,
else bodies in memory for the rest of the process. A body can always be read from
its file again (`live.reading.body_of`), so losing the store loses no content.
"""

from __future__ import annotations

import logging
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from feedsvc.store.sqlite import PRIVATE_FILE, SqliteBodies, Version, companions, private_folder

# PRIVATE_FILE and private_folder are the cache's too, which imports them from here.
__all__ = ["PRIVATE_FILE", "Bodies", "GuardedBodies", "MemoryBodies", "private_folder"]

log = logging.getLogger(__name__)

T = TypeVar("T")
DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)  # the file itself is bad: replace it


class Bodies(Protocol):
    """Article bodies (Markdown) by the digest of their file."""

    def get(self, digest: str) -> str | None:
        """The body, or None if it is not stored."""

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store (digest, body) pairs; ones already stored are left as they are."""

    def good(self, paths: Iterable[str]) -> dict[str, Version]:
        """The last good version of each path that another process published."""

    def recorded(self) -> dict[str, int]:
        """Each path with a recorded version → that version's file time."""

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Record the version each path published, with its file's mtime (None: the file is
        gone); a version older than the one recorded is not."""

    def after_fork(self) -> None:
        """Re-arm what must not cross a fork."""

    @property
    def in_memory(self) -> bool:
        """Whether the bodies are held in this process (then `keep_only` frees them)."""

    def keep_only(self, digests: set[str]) -> None:
        """Forget bodies that no file has any more, if held in memory."""


class MemoryBodies:
    """Bodies in a dict."""

    in_memory = True

    def __init__(self) -> None:
        self._bodies: dict[str, str] = {}

    def get(self, digest: str) -> str | None:
        """The body, or None."""
        return self._bodies.get(digest)

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store pairs."""
        self._bodies.update(items)

    def good(self, paths: Iterable[str]) -> dict[str, Version]:
        """None shared: a process without a cache folder keeps its own."""
        return {}

    def recorded(self) -> dict[str, int]:
        """None shared."""
        return {}

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Nothing to share."""

    def after_fork(self) -> None:
        """Nothing to re-arm: a forked child has its own copy."""

    def keep_only(self, digests: set[str]) -> None:
        """Forget bodies that no file has any more."""
        self._bodies = {d: b for d, b in self._bodies.items() if d in digests}


class GuardedBodies:
    """The cache folder's bodies, never trusted: in SQLite while it works; on a failure
    (damaged, unreadable, unwritable or vanished) logged and rebuilt once, then in memory
    for the rest of the process. No call ever raises.

    Damage is found when it is hit, not looked for: an integrity check of a large file
    on every start would cost more than the rebuild it might save. A damaged file is
    removed, so that the next start (or another worker) makes a new one.
    """

    def __init__(self, path: Path | None) -> None:
        """`path` None: no usable cache folder, bodies in memory from the start."""
        self.path = path
        self._lock = threading.Lock()
        self._tries = 2 if path else 0  # the first open, and one rebuild
        self._store: SqliteBodies | MemoryBodies = self._next(None, None)

    @property
    def failed(self) -> bool:
        """Whether this process runs without the cache folder's store (the log says why)."""
        return self.path is not None and isinstance(self._store, MemoryBodies)

    @property
    def in_memory(self) -> bool:
        """Whether the bodies are held in this process now."""
        return self._store.in_memory

    def get(self, digest: str) -> str | None:
        """The body, or None."""
        return self._guarded(lambda store: store.get(digest))

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store pairs."""
        pairs = list(items)  # a retry needs them again
        self._guarded(lambda store: store.put_many(pairs))

    def good(self, paths: Iterable[str]) -> dict[str, Version]:
        """The last good versions other processes recorded (none once in memory)."""
        wanted = list(paths)
        return self._guarded(lambda store: store.good(wanted))

    def recorded(self) -> dict[str, int]:
        """The file time of each version other processes recorded (none once in memory)."""
        return self._guarded(lambda store: store.recorded())

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Record versions for the other processes."""
        rows = list(items)
        self._guarded(lambda store: store.put_good(rows))

    def keep_only(self, digests: set[str]) -> None:
        """Forget bodies no file has any more, once they are in memory."""
        self._store.keep_only(digests)

    def after_fork(self) -> None:
        """In a forked child: a fresh lock, and the store's own re-arming."""
        self._lock = threading.Lock()
        self._store.after_fork()

    def _guarded(self, call: Callable[[SqliteBodies | MemoryBodies], T]) -> T:
        """`call` on the store; after a failure, on the store that replaces it (tries are
        few, and memory never fails, so this ends)."""
        while True:
            store = self._store
            try:
                return call(store)
            except (sqlite3.Error, OSError) as error:
                with self._lock:
                    if self._store is store:  # not yet replaced by another thread
                        inode = store.inode if isinstance(store, SqliteBodies) else None
                        self._store = self._next(error, inode)

    def _next(self, error: Exception | None, inode: int | None) -> SqliteBodies | MemoryBodies:
        """The store after `error` in the file `inode` (None: the first open): SQLite
        while tries are left, else memory."""
        while self._tries and self.path:
            self._tries -= 1
            if error is not None:
                damaged = _damage(error)
                log.warning(
                    "the body store %s failed (%s); %s",
                    self.path,
                    error,
                    "it is damaged: rebuilding it" if damaged else "opening it again",
                )
                if damaged:
                    _discard(self.path, inode)
            inode = _inode(self.path)  # the file this attempt opens, if any
            try:
                return SqliteBodies(self.path)
            except (sqlite3.Error, OSError) as again:
                error = again
        if self.path and error is not None:
            log.error(
                "the body store %s cannot be used (%s): this process keeps bodies in "
                "memory and reads them from the content files; fix or remove the file "
                "and restart to share them between workers again",
                self.path,
                error,
            )
        return MemoryBodies()


def _damage(error: Exception) -> bool:
    """Whether SQLite says the file itself is bad (not a database, or malformed)."""
    code = getattr(error, "sqlite_errorcode", None)  # only errors SQLite raised have one
    return isinstance(code, int) and code & 0xFF in DAMAGE


def _inode(path: Path) -> int | None:
    """The file at `path` now, if any."""
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _discard(path: Path, inode: int | None) -> None:
    """Remove the damaged file `inode` and its companions (a stale -wal would be replayed
    into a new file), unless another process has replaced it already."""
    try:
        found = path.lstat()
        if not stat.S_ISREG(found.st_mode):
            return  # not a file the store made: left for a person to remove
        if found.st_ino != inode:
            return  # rebuilt by another worker meanwhile: that one is used
        for name in (path, *companions(path)):
            name.unlink(missing_ok=True)
    except OSError as error:
        log.warning("the damaged body store %s cannot be removed: %s", path, error)
