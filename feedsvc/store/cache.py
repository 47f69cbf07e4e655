"""A cache of parsed content, so that a restart re-reads only the files that changed.

The files stay the source of truth: every cached read is checked against its
file's stamp before use, and a cache that is missing, stale, corrupt or made
for other settings is ignored and rewritten. It lives outside the content
folder (the service never writes there) and is written in the background.
A cache folder that cannot be used (inside the content folder, not a folder,
not writable) is logged, and the service runs without it: nothing here raises.
Its files hold drafts, so they are private: the folder 0700, the files 0600.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import stat
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedsvc.loading.documents import FileRead
from feedsvc.loading.rules import Rules
from feedsvc.model import Article, Author, Site
from feedsvc.store.bodies import PRIVATE_FILE, GuardedBodies, private_folder

log = logging.getLogger(__name__)

# Bump when FileRead, Article or the reading rules change shape: older caches are ignored.
FORMAT = 12
SOON = 2.0  # seconds before a `soon` write starts


@dataclass
class Snapshot:
    """What a restart needs: every file's read, each file's last good version, and the
    rules' index as they left it (so that a restart decides again only what changed)."""

    reads: dict[str, FileRead]
    good: dict[str, Article | Author]  # path → the version last published
    rules: Rules | None = None


class ContentCache:
    """One pickle of every file's read and last good version, and the bodies."""

    def __init__(self, folder: Path, content: Path, quiet: float = 30) -> None:
        folder, content = folder.resolve(), content.resolve()
        self.path = folder / "content.pickle"
        self.refused = _refusal(folder, content)  # why this folder cannot be used, if so
        if self.refused:
            log.error(
                "%s: the service runs without a cache, so every start reads every file; %s",
                *self.refused,
            )
        self.bodies = GuardedBodies(None if self.refused else folder / "bodies.sqlite")
        self.quiet = quiet
        self._pending: tuple[Any, ...] | None = None
        self._due = 0.0
        self._wake = threading.Condition()
        self._writer: threading.Thread | None = None
        self._write_failed = False
        self.writable = not self.refused
        atexit.register(_write_pending, weakref.ref(self))  # a stop loses no pending write

    @property
    def status(self) -> str:
        """For `/healthz`: "ok", or "failed" while this process runs without all of the
        cache (refused, its body store in memory, or its last write failed; the log says
        why). Either way everything is served: the content files are the truth."""
        failed = self.refused or self.bodies.failed or self._write_failed
        return "failed" if failed else "ok"

    @property
    def size(self) -> int:
        """The size of the cache file in bytes (0 if there is none)."""
        try:
            return 0 if self.refused else self.path.stat().st_size
        except OSError:
            return 0

    def after_fork(self) -> None:
        """In a forked worker: the parent, which loaded before forking and watches too,
        keeps the cache written; workers writing the same state again would only spend
        CPU that requests need."""
        self._wake = threading.Condition()
        self._writer = None
        self._pending = None
        self.writable = False

    def load(self, site: Site) -> Snapshot:
        """The cached reads, if the cache is for this format and these settings."""
        if self.refused:
            return Snapshot({}, {})
        try:
            if self.path.exists() and not self.path.is_file():  # a FIFO would hang the read
                raise OSError(f"{self.path} is not a regular file")
            with self.path.open("rb") as file:
                if stat.S_IMODE(os.fstat(file.fileno()).st_mode) != PRIVATE_FILE:
                    os.fchmod(file.fileno(), PRIVATE_FILE)  # written before files were private
                # The cache folder is the service's own: nobody else writes it.
                data = pickle.load(file)
            if data["format"] == FORMAT:
                reads = data["reads"]
                good = {p: v for p, r in reads.items() if (v := r.article or r.author)}
                good.update(data["good"])
                if data["site"] == site:
                    return Snapshot(reads, good, data["rules"])
                # Reads made for other settings are read again; what was published stays
                # the last good version of a file broken since.
                log.info("the content cache is for other settings; rebuilding it")
                return Snapshot({}, good)
            log.info("the content cache is of another format; rebuilding it")
        except FileNotFoundError:
            pass
        except Exception:  # a corrupt or foreign cache is never trusted, only replaced
            log.warning("the content cache at %s is unreadable; rebuilding it", self.path)
        return Snapshot({}, {})

    def save(self, site: Site, snapshot: Snapshot, *, soon: bool) -> None:
        """Write in the background: shortly if `soon`, else after a quiet spell.

        Pickling a large corpus takes seconds of CPU, so live edits are written
        together once they stop; a newer state replaces one not yet written.
        Even `soon` waits a moment: after a cold start, pickling would hold the
        interpreter while gunicorn forks the workers that are waiting to serve.
        """
        if not self.writable:
            return
        with self._wake:
            self._pending = (site, snapshot)
            self._due = time.monotonic() + (SOON if soon else self.quiet)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="feedsvc-cache")
                self._writer.daemon = True
                self._writer.start()
            self._wake.notify_all()

    def flush(self, timeout: float = 60) -> None:
        """Write what is pending now and wait until it is on disk (at exit, in tests)."""
        with self._wake:
            self._due = 0
            self._wake.notify_all()
            self._wake.wait_for(lambda: self._pending is None, timeout)

    def _write_loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None or time.monotonic() < self._due:
                    wait = None if self._pending is None else self._due - time.monotonic()
                    self._wake.wait(wait)
                site, snapshot = self._pending
            try:
                self._write({"format": FORMAT, "site": site, **_compact(snapshot)})
                if self._write_failed:
                    log.warning("the content cache %s is written again", self.path)
                self._write_failed = False
            except Exception as error:  # the writer must outlive any one failed write
                if not self._write_failed:  # once, not on every write while it lasts
                    log.warning(
                        "the content cache %s cannot be written (%s): the next start reads "
                        "every file; make the folder writable or set FEEDSVC_CACHE to another",
                        self.path,
                        error,
                    )
                self._write_failed = True
            with self._wake:
                if self._pending and self._pending[1] is snapshot:
                    self._pending = None
                self._wake.notify_all()

    def _write(self, data: dict[str, Any]) -> None:
        """Write atomically: other processes see the old file or the new one. The
        temporary file is private (0600, `mkstemp`), and so is the file it becomes."""
        private_folder(self.path.parent)  # deleted while running: made again
        with tempfile.NamedTemporaryFile(dir=self.path.parent, delete=False) as file:
            try:
                pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                Path(file.name).unlink(missing_ok=True)  # no partial files left behind
                raise
        try:
            Path(file.name).replace(self.path)
        except BaseException:
            Path(file.name).unlink(missing_ok=True)
            raise


def _refusal(folder: Path, content: Path) -> tuple[str, str] | None:
    """Why `folder` cannot hold the cache, and the fix; None if it can."""
    fix = "set FEEDSVC_CACHE to a folder of its own outside the content folder, or to off"
    if folder.is_relative_to(content):  # the service never writes into the content folder
        return f"the cache folder {folder} is inside the content folder {content}", fix
    try:
        private_folder(folder)
    except OSError as error:
        return f"the cache folder {folder} cannot be made ({error})", fix
    return None


def _write_pending(ref: weakref.ref[ContentCache]) -> None:
    """At exit: write what is waiting for its quiet spell, so the next start has it."""
    cache = ref()
    if cache is not None and cache._pending is not None:
        cache.flush()


def _compact(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot to pickle: a last good version that is what its file holds now (almost
    every one) is left for `load` to take from the read, which pickles once anyway."""
    reads = snapshot.reads
    good = {
        path: version
        for path, version in snapshot.good.items()
        if (read := reads.get(path)) is None or version is not (read.article or read.author)
    }
    return {"reads": reads, "good": good, "rules": snapshot.rules}
