"""The body store in its SQLite file (`SqliteBodies`: shared by every worker, kept across
restarts), and the file and its folder made private to the service before SQLite opens it."""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import stat
import threading
from collections.abc import Iterable
from pathlib import Path

from feedsvc.model import Article, Author, KeptSettings

log = logging.getLogger(__name__)

Version = Article | Author | KeptSettings  # what a file (site.yaml too) last published
PRIVATE_FOLDER = 0o700  # bodies and versions include drafts: only the service reads them
PRIVATE_FILE = 0o600


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

    def _check_file(self) -> None:
        """Raise OSError if the store's file was deleted or replaced since it was opened:
        SQLite would go on with the old one, unlinked, and share nothing any more."""
        if self.path.stat().st_ino != self.inode:
            raise OSError(f"{self.path} was replaced while in use")

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
        self._check_file()
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

    def recorded(self) -> dict[str, int]:
        """Each path with a recorded version → that version's file time."""
        self._check_file()
        rows = self._connection().execute("SELECT path, mtime FROM good")
        return {str(path): mtime for path, mtime in rows if isinstance(mtime, int)}

    def put_good(self, items: Iterable[tuple[str, Version | None, int]]) -> None:
        """Record versions in one transaction; the newest file time wins, so a process that
        is behind never replaces what one ahead of it recorded."""
        self._check_file()
        rows = list(items)
        with self._connection() as db:
            db.executemany(
                "DELETE FROM good WHERE path = ?", [(p,) for p, v, _ in rows if v is None]
            )
            db.executemany(
                "INSERT INTO good VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "mtime = excluded.mtime, version = excluded.version "
                # (a damaged row's time, not a number, never pins an old version)
                "WHERE typeof(good.mtime) != 'integer' OR excluded.mtime >= good.mtime",
                [
                    (p, mtime, pickle.dumps(v, pickle.HIGHEST_PROTOCOL))
                    for p, v, mtime in rows
                    if v is not None
                ],
            )


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
    for extra in companions(path):
        if extra.is_file() and stat.S_IMODE(extra.stat().st_mode) != PRIVATE_FILE:
            extra.chmod(PRIVATE_FILE)


def companions(path: Path) -> tuple[Path, Path]:
    """The write-ahead log and shared-memory index SQLite keeps beside the file."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
