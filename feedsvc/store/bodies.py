"""Where article bodies live while the service runs: out of the catalog, keyed by digest.

Bodies are most of a corpus's bytes (about 5 KB an article) and a feed shows
only its newest entries, so the catalog holds digests and a body is fetched
when a feed or page is rendered. Keying by the digest of the whole file keeps
every version that was ever served, which is what lets an article whose new
version is broken keep its last good one.

`MemoryBodies` keeps them in a dict (no cache folder); `SqliteBodies` keeps
them in the cache folder, shared by every worker and kept across restarts;
`GuardedBodies` is how the cache folder's store is used: never trusted, it turns
any failure of the file (damaged, unreadable, unwritable, gone) into one rebuild,
else bodies in memory for the rest of the process. A body can always be read from
its file again (`live.reading.body_of`), so losing the store loses no content.
"""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from feedsvc.model import Article, Author

log = logging.getLogger(__name__)

Version = Article | Author
T = TypeVar("T")
PRIVATE_FOLDER = 0o700  # bodies and versions include drafts: only the service reads them
PRIVATE_FILE = 0o600
DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)  # the file itself is bad: replace it


class Bodies(Protocol):
    """Article bodies (Markdown) by the digest of their file."""

    def get(self, digest: str) -> str | None:
        """The body, or None if it is not stored."""

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store (digest, body) pairs; ones already stored are left as they are."""

    def good(self, paths: Iterable[str]) -> dict[str, Version]:
        """The last good version of each path that another process published."""

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

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Nothing to share."""

    def after_fork(self) -> None:
        """Nothing to re-arm: a forked child has its own copy."""

    def keep_only(self, digests: set[str]) -> None:
        """Forget bodies that no file has any more."""
        self._bodies = {d: b for d, b in self._bodies.items() if d in digests}


class SqliteBodies:
    """Bodies in an SQLite file: shared by processes (WAL), one connection per thread.

    Raises `sqlite3.Error` or `OSError` when the file cannot be used, when opened or
    on any call: `GuardedBodies` decides what then.
    """

    in_memory = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        _private(path)
        self.inode = path.stat().st_ino  # which file this is, if another replaces it
        with self._connection() as db:
            # A rowid table with large pages: bodies (~5 KB) overflow the small pages of
            # WITHOUT ROWID tables, and writing them cost a third of a cold start.
            db.execute(
                "CREATE TABLE IF NOT EXISTS bodies (digest TEXT PRIMARY KEY, body TEXT NOT NULL)"
            )
            # Each file's last good version, as the last process to publish one saw it:
            # a worker that missed a good save in between (its watcher batched two
            # saves) serves the same version as the others when the newest is broken.
            db.execute(
                "CREATE TABLE IF NOT EXISTS good "
                "(path TEXT PRIMARY KEY, mtime INTEGER NOT NULL, version BLOB NOT NULL)"
            )

    def after_fork(self) -> None:
        """In a forked child: open connections of its own (one must not cross a fork)."""
        self._local = threading.local()

    def keep_only(self, digests: set[str]) -> None:
        """Nothing held in memory: the file keeps every version, for every process."""

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Never created here (mode=rw): only `_private` makes the file, 0600. A file or
            # folder deleted since makes this fail, and `GuardedBodies` opens the store
            # again, which makes them again, private.
            uri = self.path.absolute().as_uri() + "?mode=rw"
            db = sqlite3.connect(uri, timeout=60, uri=True)
            db.execute("PRAGMA page_size=16384")  # only a new file takes it
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last write is fine
            self._local.db = db
        return db

    def get(self, digest: str) -> str | None:
        """The body, or None."""
        row = (
            self._connection()
            .execute("SELECT body FROM bodies WHERE digest = ?", (digest,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store pairs in one transaction."""
        with self._connection() as db:
            db.executemany("INSERT OR IGNORE INTO bodies VALUES (?, ?)", items)

    def good(self, paths: Iterable[str]) -> dict[str, Version]:
        """The recorded last good versions of `paths`."""
        wanted = list(paths)
        found: dict[str, Version] = {}
        db = self._connection()
        for start in range(0, len(wanted), 500):  # SQLite caps a statement's parameters
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, version FROM good WHERE path IN ({marks})"
            for path, blob in db.execute(query, chunk):
                try:
                    found[str(path)] = pickle.loads(blob)  # written by this service only
                except Exception:  # damage SQLite cannot see (it keeps no page checksums)
                    log.warning("%s holds an unreadable version of %s; ignored", self.path, path)
        return found

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Record versions in one transaction; the newest file time wins, so a process that
        is behind never replaces what one ahead of it recorded."""
        rows = list(items)
        with self._connection() as db:
            db.executemany(
                "DELETE FROM good WHERE path = ?", [(p,) for p, v, _ in rows if v is None]
            )
            db.executemany(
                "INSERT INTO good VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "mtime = excluded.mtime, version = excluded.version "
                "WHERE excluded.mtime >= good.mtime",
                [
                    (p, mtime, pickle.dumps(v, pickle.HIGHEST_PROTOCOL))
                    for p, v, mtime in rows
                    if v is not None
                ],
            )


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


def private_folder(folder: Path) -> None:
    """Make `folder` if missing, for this user only (0700, whatever the umask). An existing
    folder is left as it is: it may be one the user shares (`FEEDSVC_CACHE=/var/cache`)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(PRIVATE_FOLDER)
    except FileExistsError:
        if folder.is_dir():
            return
        raise
    folder.chmod(PRIVATE_FOLDER)  # mkdir's mode is masked by the umask


def _private(path: Path) -> None:
    """Make the SQLite file (and its folder) private before SQLite opens it: its -wal and
    -shm files take the database file's mode. Refuses anything but a regular file (a
    FIFO would hang the first read)."""
    private_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise OSError(f"{path} is not a regular file")
        if stat.S_IMODE(found.st_mode) != PRIVATE_FILE:  # made before files were private
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    for extra in _companions(path):
        if extra.is_file() and stat.S_IMODE(extra.stat().st_mode) != PRIVATE_FILE:
            extra.chmod(PRIVATE_FILE)


def _companions(path: Path) -> tuple[Path, Path]:
    """The write-ahead log and shared-memory index SQLite keeps beside the file."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _discard(path: Path, inode: int | None) -> None:
    """Remove the damaged file `inode` and its companions (a stale -wal would be replayed
    into a new file), unless another process has replaced it already."""
    try:
        found = path.lstat()
        if not stat.S_ISREG(found.st_mode):
            return  # not a file the store made: left for a person to remove
        if found.st_ino != inode:
            return  # rebuilt by another worker meanwhile: that one is used
        for name in (path, *_companions(path)):
            name.unlink(missing_ok=True)
    except OSError as error:
        log.warning("the damaged body store %s cannot be removed: %s", path, error)
