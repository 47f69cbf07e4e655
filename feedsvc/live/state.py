"""The content being served, kept current: re-read what changes, swap in whole catalogs.

One `Library` per process. It reads the content folder once (or takes what a
previous run cached), then re-reads only the files whose stamp changed, or that
the watcher names. Each file keeps its last good version: an author or article
file whose new version is broken stays as it was. The cross-file rules
(`loading.rules`) decide again only what a change touches. Requests never see a
half-built catalog: a new one is built aside and swapped in with one assignment.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from feedsvc.catalog import Catalog, build_catalog, swapped_in
from feedsvc.live.reading import body_of, changes, newest_time, read_files, same
from feedsvc.live.sitefile import SiteFile
from feedsvc.live.versions import current_authors, outdated, published
from feedsvc.loading.discover import (
    Tree,
    is_author_file,
    scan_tree,
)
from feedsvc.loading.documents import FileRead
from feedsvc.loading.rules import Candidates, Rules
from feedsvc.model import Article, Author, KeptSettings, Problem, Site
from feedsvc.runtime import Child, paused_collector, settle
from feedsvc.store.bodies import Bodies, MemoryBodies
from feedsvc.store.cache import ContentCache, Snapshot

log = logging.getLogger(__name__)

# A cache this large (about 2,500 files) is read while a child process lists the folder:
# at 100,000 files each takes about half a second, and they need different cores.
PARALLEL_SCAN_BYTES = 1 << 20


def utc_now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)


class Library:
    """The loaded content and the catalog as of now, refreshed as files change."""

    def __init__(
        self,
        root: Path,
        base_url: str | None = None,
        *,
        cache: ContentCache | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.root = root
        self.base_url = base_url
        self.clock = clock
        self.cache = cache
        # One refresh at a time; readers never wait. Re-entrant: a refresh may fork.
        self._lock = threading.RLock()
        self._reads: dict[str, FileRead] = {}
        self._folders: dict[str, int] = {}  # every folder scan enters → its mtime in ns
        self._good: dict[str, Article | Author] = {}  # path → the version last published
        self._rules = Rules()
        self._authors: dict[str, Author] = {}
        self._kept_authors: tuple[Problem, ...] = ()  # author files served as last good
        self._problems: tuple[Problem, ...] | None = None  # derived when asked
        self._logged: set[Problem] = set()
        self.bodies: Bodies = cache.bodies if cache else MemoryBodies()
        self._settings = SiteFile(root, base_url, self.bodies)
        self._catalog: Catalog | None = None
        # Catalogs swapped out that requests may still hold: their bodies stay in memory.
        self._held: weakref.WeakSet[Catalog] = weakref.WeakSet()
        self._cold = True  # nothing came from a cache: write one soon
        self._failing = False  # the last refresh raised: the folder may be ahead of us
        with paused_collector(freeze=True):  # the first load lives as long as the process
            self._first_load(cache)

    def _first_load(self, cache: ContentCache | None) -> None:
        """What a previous run cached, if anything, then whatever changed since."""
        scanning = None  # a large cache is read while a child lists the folder
        if cache and cache.size >= PARALLEL_SCAN_BYTES:
            scanning = Child(lambda: scan_tree(self.root))
        try:
            if cache:
                cached = cache.load(self._settings.site)
                self._reads, self._good = cached.reads, cached.good
                self._cold = not cached.reads
                if cached.rules is not None:  # decided already: only changes are decided again
                    self._rules = cached.rules
                    # The authors the rules were decided with.
                    self._authors, self._kept_authors = current_authors(self._reads, self._good)
            versions_only = bool(self._good) and not self._reads  # cached for other settings
            self._refresh(None, scanning.result() if scanning else None)
            if versions_only:  # with no reads to compare, a file deleted meanwhile shows here
                for path in self._good.keys() - self._reads.keys():
                    del self._good[path]
        finally:
            if scanning:  # an error came first
                scanning.cancel()

    # --- reading -----------------------------------------------------------------------

    def refresh(self, paths: Iterable[str] | None = None) -> bool:
        """Re-read `paths` (the watcher saw them change), or scan for changed stamps.

        Returns True when the content changed and a new catalog was swapped in. A
        refresh that raises leaves the last catalog served and the library `failing`
        (one file never does: its problem is its own) until one succeeds.
        """
        try:
            changed = self._refresh(paths)
        except Exception:
            self._failing = True
            raise
        self._failing = False
        if changed:  # (a first load freezes what it made instead)
            settle()
        return changed

    @property
    def failing(self) -> bool:
        """Whether the last refresh failed, so changes in the folder may not be served."""
        return self._failing

    def _refresh(self, paths: Iterable[str] | None, scanned: Tree | None = None) -> bool:
        """`refresh`, under the lock (with `scanned`, a scan of the folder just made)."""
        with self._lock, paused_collector():
            reread_all = self._settings.reload()
            named = None if reread_all else paths
            wanted_stamps, gone, self._folders = changes(
                self.root,
                self._reads,
                self._folders,
                named,
                reread_all=reread_all,
                scanned=scanned,
            )
            reads = read_files(self.root, self._settings.site, wanted_stamps, self.bodies)
            if not reread_all:
                unchanged = {}
                for path, read in list(reads.items()):
                    if same(self._reads.get(path), read):  # saved again, or touched
                        self._reads[path] = replace(self._reads[path], stamp=read.stamp)
                        unchanged[path] = reads.pop(path)
                reads.update(self._share_unchanged(unchanged))
            first = self._catalog is None
            everything = reread_all or (first and not self._rules.accepted)
            if self._failing:  # the last refresh stopped half-way: decide everything again
                self._rules, everything = Rules(), True
            if not (reads or gone or everything or first):
                self._redate()
                return False
            self._apply(reads, gone, everything=everything)
            return True

    def _share_unchanged(self, unchanged: Mapping[str, FileRead]) -> dict[str, FileRead]:
        """Files saved again as this process last read them are news to the others all the
        same: a good one is recorded with its new time (another worker may have seen a
        different save in between); a broken one is given back to be applied when another
        process recorded a version this one does not serve."""
        good = {p: r for p, r in unchanged.items() if r.version is not None}
        if good:
            decided = {p: None for p in good if not is_author_file(p)}
            authors = {p: r for p, r in good.items() if is_author_file(p)}
            self.bodies.put_good(published(good, authors, (), decided, self._rules.accepted))
        broken = [p for p, r in unchanged.items() if r.version is None]
        stored = self.bodies.good(broken) if broken else {}
        return {p: unchanged[p] for p, v in stored.items() if v != self._good.get(p)}

    def _changed(self) -> datetime:
        """The newest file time in the content folder (`Catalog.changed`)."""
        return newest_time(self._reads.values(), self._settings.stamp, self._folders)

    def _redate(self) -> None:
        """Only file times moved (a file saved unchanged, a broken site.yaml, a file that is
        not content added or removed): the same catalog with the folder's new time, so
        that this process derives the Last-Modified a restart would."""
        catalog, changed = self._catalog, self._changed()
        if catalog is not None and catalog.changed != changed:
            self._catalog = replace(catalog, changed=changed)

    def body(self, article: Article) -> str:
        """An article's Markdown."""
        return body_of(self.root, article, self.bodies, self._settings.site.max_file_size)

    # --- applying a change ---------------------------------------------------------------

    def _apply(self, reads: Mapping[str, FileRead], gone: set[str], *, everything: bool) -> None:
        """Take in re-read and deleted files, decide what is published, swap in a catalog."""
        for path in gone:
            del self._reads[path]
            self._good.pop(path, None)  # a deleted file leaves the feeds
        self._reads.update(reads)
        changed = self._changed()
        touched = set(self._reads) if everything else {*reads, *gone}
        # Another process may have published a version this one missed (or, on a first
        # load, a previous run: a change of settings leaves its cache of reads unused).
        broken = [p for p in reads if reads[p].version is None]
        for path, version in (self.bodies.good(broken) if broken else {}).items():
            if not isinstance(version, KeptSettings):  # (only site.yaml has those)
                self._good[path] = version
        first = self._catalog is None
        authors_before = self._authors
        # A first load from the cache has its authors already (`_first_load`).
        if everything or any(is_author_file(p) for p in touched):
            self._authors, self._kept_authors = current_authors(self._reads, self._good)
        changes: dict[str, Candidates | None] = {}
        for path in touched:
            if is_author_file(path):
                continue
            read = self._reads.get(path)
            good = self._good.get(path)
            last = good if isinstance(good, Article) else None
            changes[path] = Candidates(read.article, last) if read else None
        slugs_moved = authors_before.keys() ^ self._authors.keys()
        previous = self._rules.update(changes, self._authors, self._line, slugs_moved)
        for path in previous:
            if (article := self._rules.accepted.get(path)) is not None:
                self._good[path] = article
        news, decided, deleted = reads, previous, list(gone)
        if first and everything:  # in the cache, not news: only what corrects a run before
            recorded = self.bodies.recorded()
            news, decided, deleted = outdated(recorded, self._reads, previous)
        accepted = self._rules.accepted
        self.bodies.put_good(published(self._reads, news, deleted, decided, accepted))
        self._problems = None
        self._log(self.problems)
        old = self._catalog
        self._catalog = self._next_catalog(
            previous, authors_before, everything=everything, changed=changed
        )
        if self.bodies.in_memory:
            if old is not None:
                self._held.add(old)
            self.bodies.keep_only(self._digests())
        # Soon only after a cold load: a restart's few changes can wait.
        if self.cache and self.cache.writable and (reads or gone or self._cold):
            snapshot = Snapshot(dict(self._reads), dict(self._good), self._rules.copy())
            self.cache.save(self._settings.site, snapshot, soon=old is None and self._cold)

    def _next_catalog(
        self,
        previous: Mapping[str, Article | None],
        authors_before: Mapping[str, Author],
        *,
        everything: bool,
        changed: datetime,
    ) -> Catalog:
        """The catalog after a change: the old one with the new versions swapped in when
        that is all the change did (`catalog.swapped_in`), else a new one."""
        old = self._catalog
        if old is not None and not everything and self._authors == authors_before:
            versions = swapped_in(previous, self._rules.accepted)
            if versions is not None:
                return old.with_new_versions(versions, changed=changed)
        return self._build(self.clock(), changed)

    def _build(self, now: datetime, changed: datetime) -> Catalog:
        """A catalog of the versions published, as the public sees them at `now`."""
        accepted = self._rules.accepted.values()
        return build_catalog(
            self._settings.site, self._authors, accepted, now, self.body, changed=changed
        )

    def _line(self, path: str, name: str) -> int:
        """The line of a field in a file's current version."""
        read = self._reads.get(path)
        return read.line(name) if read else 1

    def _digests(self) -> set[str]:
        """Every body a file, a last good version or a catalog that a request may still
        hold (any not yet let go, however many edits ago) may still need."""
        digests = {r.article.digest for r in self._reads.values() if r.article}
        digests.update(a.digest for a in self._good.values() if isinstance(a, Article))
        for held in list(self._held):
            digests.update(a.digest for a in (*held.articles, *held.drafts, *held.scheduled))
        return digests

    def _log(self, problems: Iterable[Problem]) -> None:
        """Log each problem once, not again on every refresh while it lasts."""
        current = set(problems)
        for problem in sorted(current - self._logged):
            log.warning("%s", problem.format())
        self._logged = current

    # --- serving -----------------------------------------------------------------------

    @property
    def site(self) -> Site:
        """The settings in force."""
        return self._settings.site

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every current problem: site.yaml's, each file's own, and the rules'."""
        if self._problems is None:
            found = [p for read in self._reads.values() for p in read.problems]
            found += self._rules.problems
            found += self._kept_authors
            self._problems = tuple(sorted(found))
        return self._settings.problems + self._problems

    @property
    def articles(self) -> tuple[Article, ...]:
        """The published version of every article file (any state), by path."""
        accepted = self._rules.accepted
        return tuple(accepted[path] for path in sorted(accepted))

    @property
    def authors(self) -> Mapping[str, Author]:
        """The authors in force, by slug."""
        return self._authors

    def catalog(self) -> Catalog:
        """The catalog as the public sees it at this moment."""
        catalog, now = self._catalog, self.clock()
        assert catalog is not None  # built in __init__
        if catalog.next_release is not None and now >= catalog.next_release:
            with self._lock:  # a scheduled article's time has come: build once, after any refresh
                if self._catalog is catalog:
                    # No file changed: only the time passed.
                    self._catalog = self._build(now, catalog.changed)
                current = self._catalog
            assert current is not None
            catalog = current
        return catalog

    # --- forking (see runtime.prepare_to_fork) -------------------------------------------

    def before_fork(self) -> None:
        """A worker forked in the middle of a refresh would start with half of it."""
        self._lock.acquire()

    def after_fork_in_parent(self) -> None:
        """The fork is done."""
        self._lock.release()

    def after_fork(self) -> None:
        """In a forked worker: a fresh lock (the parent's thread holds the copied one)."""
        self._lock = threading.RLock()
