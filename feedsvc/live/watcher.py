"""Following the content folder: a thread that re-reads what the file system says changed."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from feedsvc.live.state import Library
from feedsvc.loading.discover import SITE_FILE, folders, is_source

if TYPE_CHECKING:
    from watchfiles import Change

log = logging.getLogger(__name__)

RETRY = 5.0  # seconds after a failed refresh before the folder is scanned again
FAILED_WATCHES = 2  # watches in a row that fail before the watcher counts as failing


class Watcher:
    """Refreshes a library as its files change, in a daemon thread of each process."""

    def __init__(self, library: Library) -> None:
        self.library = library
        # Seconds that changes must be quiet before they are re-read. A process that
        # serves nothing (gunicorn's master) can wait and leave the CPU to the workers,
        # which always follow at once.
        self.settle = 0.0
        self._started = False
        self._thread: threading.Thread | None = None
        self._failed_watches = 0  # in a row, with no batch of changes in between
        # Changes seen and not yet applied (the master waits for them to settle): a
        # worker forked meanwhile would start with content older than the others serve.
        self.behind = False

    def start(self) -> None:
        """Follow changes from now on, in this process and in any worker forked from it."""
        self._started = True
        self._failed_watches = 0
        self._thread = threading.Thread(target=self._watch, name="feedsvc-watch")
        self._thread.daemon = True
        self._thread.start()

    @property
    def healthy(self) -> bool:
        """False when it should follow the folder and cannot: its thread is dead, or the
        folder could not be watched twice in a row (it is gone, or inotify ran out of
        watches). One failed watch is not enough: a folder removed while it was being
        watched makes one, and the next watch is fine."""
        if not self._started:
            return True  # FEEDSVC_WATCH=0: nothing to follow
        alive = self._thread is not None and self._thread.is_alive()
        return alive and self._failed_watches < FAILED_WATCHES

    def after_fork(self) -> None:
        """In a forked worker: a watcher of its own (threads do not survive a fork), which
        catches up first and follows every change at once. If the parent was behind, the
        worker catches up before it serves: a worker forked to replace one (after a crash,
        a timeout, a HUP) must not serve older content than the others, even briefly."""
        self.settle = 0.0
        if self.behind:
            try:
                self.library.refresh()
            except Exception:  # the watcher's own catch-up tries again
                log.exception("catching up after the fork failed; the watcher will")
            self.behind = False
        if self._started:
            self.start()

    def _watch(self) -> None:
        """The thread: watch, and watch again, whatever fails (`healthy` tells)."""
        root = self.library.root.resolve()
        while True:
            try:
                self._watch_once(root)
            except Exception:  # a folder gone while being watched, say: watch again
                self._failed_watches += 1
                log.exception("watching the content folder failed; watching it again")
                time.sleep(1)

    def _watch_once(self, root: Path) -> None:
        """One watch of the folders as they are now, until a folder is added or removed."""
        from watchfiles import watch  # noqa: PLC0415 - only a serving process watches

        # Each folder is watched on its own: a recursive watch stats every file
        # below it first, a third of a second of disk work per process at 100,000
        # articles. A folder added or removed restarts the watch with the new set.
        watched = folders(root)
        if not watched:
            raise OSError(f"the content folder {root} cannot be listed")
        # The first batch comes once the watches are in place (at the latest after
        # rust_timeout, empty): a full scan then catches whatever changed before,
        # since the load, a fork or the last folder change. step: wait this long
        # for a save to settle; debounce: never batch longer than this.
        batches = watch(
            *(root / folder for folder in watched),
            recursive=False,
            step=30,
            debounce=300,
            rust_timeout=500,
            yield_on_timeout=True,
            raise_interrupt=False,
        )
        try:
            self.follow(batches, root, set(watched))
        finally:
            batches.close()

    def follow(
        self, batches: Iterable[set[tuple[Change, str]]], root: Path, watched: set[str]
    ) -> None:
        """Refresh for the batches of changes, once they have been quiet for `settle`
        seconds; return when folders were added or removed."""
        catch_up = True  # a new watch first scans for whatever changed before it
        sources: set[str] = set()
        last_change = retry_at = time.monotonic()
        for batch in batches:
            self._failed_watches = 0  # the watch works
            paths = {os.path.relpath(path, root).replace(os.sep, "/") for _, path in batch}
            others = {p for p in paths if p != SITE_FILE and not is_source(p)}
            if any(p in watched or (root / p).is_dir() for p in others):
                self.behind = True
                return  # the next watch catches up
            if paths:
                sources |= paths - others
                last_change = time.monotonic()
                self.behind = self.behind or bool(sources)
            ready = max(last_change + self.settle, retry_at)
            if not (catch_up or sources) or time.monotonic() < ready:
                continue
            try:
                self.library.refresh(None if catch_up else sources)
            except Exception:  # the watcher must outlive any one bad refresh
                log.exception("refreshing the content failed; the previous content is served")
                # A scan later, so that the changes of this batch are not lost.
                catch_up, retry_at = True, time.monotonic() + RETRY
            else:
                catch_up = self.behind = False
            sources = set()
