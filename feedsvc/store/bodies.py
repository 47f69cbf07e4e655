"""Where article bodies live while the service runs: out of the catalog, keyed by digest.

Bodies are most of a corpus's bytes (about 5 KB an article) and a feed shows
only its newest entries, so the catalog holds digests and a body is fetched
when a feed or page is rendered. Keying by the digest of the whole file keeps
every version that was ever served, which is what lets an article whose new
version is broken keep its last good one.

`MemoryBodies` keeps them in a dict (no cache folder); `SqliteBodies` keeps
them in the cache folder, shared by every worker and kept across restarts.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from feedsvc.model import Article, Author

Version = Article | Author


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


class MemoryBodies:
    """Bodies in a dict."""

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
    """Bodies in an SQLite file: shared by processes (WAL), one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
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

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60)
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
                found[str(path)] = pickle.loads(blob)  # written by this service only
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
