"""The content being served, kept current: re-read what changes, swap in whole catalogs.

One `Library` per process. It reads the content folder once (or takes what a
previous run cached), then re-reads only the files whose stamp changed when
the watcher reports a change. Requests never see a half-built catalog: a new
one is built aside and swapped in with a single assignment.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from feedsvc.bodies import Bodies, MemoryBodies
from feedsvc.cache import ContentCache, Snapshot
from feedsvc.catalog import Catalog, build_catalog
from feedsvc.forking import Child, after_fork_in_child, around_fork, helping
from feedsvc.frontmatter import parse
from feedsvc.loading import (
    SITE_FILE,
    Content,
    FileRead,
    SiteError,
    Stamp,
    article_keys,
    assemble,
    folders,
    is_author_file,
    is_source,
    load_site,
    read_file,
    scan,
)
from feedsvc.model import Article, Problem, Site

if TYPE_CHECKING:
    from watchfiles import Change

log = logging.getLogger(__name__)

RACY_NS = 2_000_000_000  # files changed this recently are read again by the next scan
BODY_BATCH = 1000  # bodies held in memory at most while a large folder is read
PARALLEL_READS = 2000  # files read at once from which a child process reads half


@contextmanager
def paused_collector() -> Iterator[None]:
    """Keep Python's cyclic garbage collector still while content is loaded.

    Loading makes hundreds of thousands of long-lived objects, and the collector,
    triggered by allocation counts, would walk them all again and again: over
    half the time of a restart at 100,000 articles. Reference counting still
    frees garbage meanwhile, and content objects hold no cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        self._watching = False
        # Seconds that changes must be quiet before the watcher re-reads them. A process
        # that serves nothing (gunicorn's master) can wait and leave the CPU to the workers,
        # which always follow at once.
        self.settle = 0.0
        # A worker forked in the middle of a refresh would start with half of it:
        # forking waits for the refresh to finish, and the child gets a fresh lock.
        around_fork(before=self._lock_for_fork, parent=self._unlock_after_fork)
        after_fork_in_child(self._after_fork)
        self._site: Site = load_site(root, base_url)  # no site, no service: raises SiteError
        self._site_stamp = _stamp(root / SITE_FILE)
        self._site_problems: tuple[Problem, ...] = ()
        self._reads: dict[str, FileRead] = {}
        self._served: dict[str, Article] = {}  # path → the version in the feeds (last good)
        self._logged: set[Problem] = set()
        self._cached_problems: tuple[Problem, ...] | None = None
        self._linked_clean = False
        self._claimed: tuple[dict[str, str], set[str]] | None = None
        self.bodies: Bodies = cache.bodies if cache else MemoryBodies()
        self._catalog: Catalog | None = None
        self.content: Content = assemble(self._site, ())
        if cache:
            # Stat every file in a child process while this one unpickles the cache:
            # each takes about a second at 100,000 articles.
            scanning = Child(lambda: scan(root))
            try:
                with paused_collector():
                    cached = cache.load(self._site)
                stamps = scanning.result()
            finally:
                scanning.cancel()
            self._reads, self._served = cached.reads, cached.served
            self._cached_problems = cached.problems
            self._refresh(None, stamps)
        else:
            self.refresh()

    # --- reading -----------------------------------------------------------------------

    def refresh(self, paths: Iterable[str] | None = None) -> bool:
        """Re-read `paths` (the watcher saw them change), or scan for changed stamps.

        Returns True when the content changed and a new catalog was swapped in.
        """
        return self._refresh(paths, None)

    def _refresh(self, paths: Iterable[str] | None, scanned: dict[str, Stamp] | None) -> bool:
        """`refresh`, given the result of a scan if one was just made."""
        with self._lock, paused_collector():
            reread_all = self._reload_site()
            if paths is None or reread_all:
                stamps = scan(self.root) if scanned is None else scanned
                gone = set(self._reads) - set(stamps)
                changed = [
                    path
                    for path, stamp in stamps.items()
                    if reread_all or path not in self._reads or self._reads[path].stamp != stamp
                ]
            else:
                wanted = {p for p in paths if is_source(p)}
                stamps = {p: s for p in wanted if (s := _stamp(self.root / p))}
                gone = {p for p in wanted if p not in stamps and p in self._reads}
                changed = list(stamps)  # an event is news even when the stamp looks the same
            reads = self._read_all({path: stamps[path] for path in changed})
            if not reread_all:
                for path, read in list(reads.items()):
                    if _same(self._reads.get(path), read):  # saved again, or touched
                        self._reads[path] = replace(self._reads[path], stamp=read.stamp)
                        del reads[path]
            if not (reads or gone or self._catalog is None):
                return False
            restarted_unchanged = not (reads or gone or reread_all) and self._catalog is None
            if restarted_unchanged and self._cached_problems is not None:
                self._publish(self._cached_content(self._cached_problems), save=False)
                return True
            if reread_all or not self._apply_quickly(reads, gone):
                for path in gone:
                    del self._reads[path]
                    self._served.pop(path, None)  # a deleted file leaves the feeds
                self._reads.update(reads)
                self._publish()
            return True

    def _read_all(self, stamps: dict[str, Stamp]) -> dict[str, FileRead]:
        """Read files, moving their bodies to the body store.

        A stamp too recent to trust is marked so that the next scan reads the
        file again: file times are coarse (a few ms), so two saves of the same
        size within one tick share a stamp and the second would go unseen.
        """
        reads = {}
        recent = time.time_ns() - RACY_NS
        batch: list[tuple[str, str]] = []  # bodies go to the store a batch at a time
        for read in self._read_in_two(stamps):
            path, stamp = read.path, read.stamp
            if read.article:
                batch.append((read.article.digest, read.body))
            fresh = stamp[0] >= recent
            reads[path] = replace(read, body="", stamp=(stamp[0], -1) if fresh else stamp)
            if len(batch) >= BODY_BATCH:
                self.bodies.put_many(batch)
                batch = []
        self.bodies.put_many(batch)
        return reads

    def _read_in_two(self, stamps: dict[str, Stamp]) -> Iterator[FileRead]:
        """Read files; many at once (a first load) half here and half in a forked child,
        on both cores. Not once watching: the fork would start a watcher in the child."""
        root, site, paths = self.root, self._site, list(stamps)
        if len(paths) < PARALLEL_READS or self._watching:
            yield from (read_file(root, path, stamps[path], site) for path in paths)
            return
        half = len(paths) // 2
        there = Child(lambda: [read_file(root, p, stamps[p], site) for p in paths[half:]])
        try:
            yield from (read_file(root, path, stamps[path], site) for path in paths[:half])
            yield from there.result()
        finally:
            there.cancel()

    def body(self, article: Article) -> str:
        """An article's Markdown: from the body store, else from its file if unchanged."""
        found = self.bodies.get(article.digest)
        if found is not None:
            return found
        try:  # a body store lost under a cache (deleted by hand, say)
            text = (self.root / article.source).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
        if hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest() != article.digest:
            log.error("the body of %s is lost; it shows empty until saved again", article.source)
            return ""
        body = parse(text).body
        self.bodies.put_many([(article.digest, body)])
        return body

    def _apply_quickly(self, reads: dict[str, FileRead], gone: set[str]) -> bool:
        """Apply changes without linking the whole corpus, if they allow it; else change
        nothing and return False."""
        if self._catalog is None:
            return False
        if not gone and self._swap_in(reads):
            return True
        return self._add_and_remove(reads, gone)

    def _swap_in(self, reads: dict[str, FileRead]) -> bool:
        """Swap in edited articles that sit where their old versions did; False if one does not.

        Such an edit (text, title, summary, `updated`) changes no cross-file rule
        and no index, so the whole corpus need not be linked and indexed again.
        """
        assert self._catalog is not None  # _apply_quickly's first check
        swaps = {}
        troubled = {problem.path for problem in self.content.problems}
        for path, read in reads.items():
            old, old_read = self._served.get(path), self._reads.get(path)
            new = read.article
            if not (new and old and old_read and not read.problems and path not in troubled):
                return False  # a file with problems (its own or from linking) links again
            if _placement(new) != _placement(old):
                return False
            swaps[path] = new
        self._reads.update(reads)
        self._served.update(swaps)
        by_source = {a.source: a for a in swaps.values()}
        content = self.content
        articles = tuple(by_source.get(a.source, a) for a in content.articles)
        self.content = Content(content.site, content.authors, articles, content.problems)
        self._catalog = self._catalog.with_new_versions({a.slug: a for a in swaps.values()})
        if self.cache:
            self._save(soon=False)
        return True

    def _add_and_remove(self, reads: dict[str, FileRead], gone: set[str]) -> bool:
        """Add new article files and drop deleted ones, when no other file depends on them.

        Only from content that linked with nothing to report (so no file serves its
        last good version): then new articles need only pass the rules on their own
        (keys nobody has, known authors, related links to claimed slugs), and a deleted
        one must leave no related link dangling. Anything else links the whole corpus.
        """
        if not self._linked_clean or any(path in self._reads for path in reads):
            return False
        if any(is_author_file(path) for path in (*reads, *gone)):
            return False
        added = [read.article for read in reads.values() if read.article]
        removed = [article for path in gone if (article := self._served.get(path))]
        if len(added) != len(reads) or len(removed) != len(gone):
            return False  # a broken file comes or goes: its claimed slug matters
        owners, orphans = self._claims()
        leaving = {key for article in removed for key in article_keys(article)}
        arriving = [key for article in added for key in article_keys(article)]
        new_keys = set(arriving)

        def claimed(slug: str) -> bool:
            """Whether a file has this slug once the change is made."""
            return slug in new_keys or slug in orphans or (slug in owners and slug not in leaving)

        if (
            len(new_keys) != len(arriving)
            or any(key in owners and key not in leaving for key in arriving)
            or any(slug not in self.content.authors for a in added for slug in a.authors)
            or any(not claimed(link.slug) for a in added for link in a.related if link.slug)
        ):
            return False
        unclaimed = {slug for slug in leaving if not claimed(slug)}
        if unclaimed and any(
            link.slug in unclaimed for a in self._served.values() for link in a.related
        ):
            return False  # an article would link to nothing: that is reported
        for path, article in zip(gone, removed, strict=True):
            del self._reads[path], self._served[path]
            for key in article_keys(article):
                owners.pop(key, None)
        for path, article in zip(reads, added, strict=True):
            self._reads[path] = reads[path]
            for key in article_keys(article):
                owners[key] = path
        content = self.content
        articles = [a for a in content.articles if a.source not in gone]
        for article in added:
            bisect.insort(articles, article, key=attrgetter("source"))  # linking's order
        problems = [p for p in content.problems if p.path not in gone]
        problems += (p for read in reads.values() for p in read.problems)
        self._publish(
            Content(content.site, content.authors, tuple(articles), tuple(sorted(problems)))
        )
        return True

    def _claims(self) -> tuple[dict[str, str], set[str]]:
        """The file (path) that has each slug, alias and id, and the slugs broken files
        claim: built when first needed, kept up to date by `_add_and_remove`."""
        if self._claimed is None:
            owners = {key: path for path, a in self._served.items() for key in article_keys(a)}
            orphans = {
                read.claimed_slug
                for read in self._reads.values()
                if read.article is None and not is_author_file(read.path)
            }
            self._claimed = (owners, orphans)
        return self._claimed

    def _reload_site(self) -> bool:
        """Re-read site.yaml if it changed; True if the settings differ (re-read everything)."""
        stamp = _stamp(self.root / SITE_FILE)
        if stamp == self._site_stamp:
            return False
        self._site_stamp = stamp
        try:
            site = load_site(self.root, self.base_url)
        except SiteError as error:
            self._site_problems = tuple(error.problems)  # keep serving the last good settings
            for problem in self._site_problems:
                log.warning("%s", problem.format())
            return False
        self._site_problems = ()
        if site == self._site:
            return False
        self._site = site
        return True

    def _cached_content(self, problems: tuple[Problem, ...]) -> Content:
        """The content as it was linked when the cache was written: no need to link it again."""
        authors = {r.author.slug: r.author for r in self._reads.values() if r.author}
        return Content(self._site, authors, tuple(self._served.values()), problems)

    def _save(self, *, soon: bool) -> None:
        if self.cache:
            snapshot = Snapshot(dict(self._reads), dict(self._served), self.content.problems)
            self.cache.save(self._site, snapshot, soon=soon)

    def _publish(self, content: Content | None = None, *, save: bool = True) -> None:
        """Apply the cross-file rules (unless given the result) and swap in a new catalog."""
        first = self._catalog is None
        if content is None:
            content = assemble(self._site, self._reads.values(), self._served)
            self._claimed = None
        # Every problem is a file's own: linking found nothing (see _add_and_remove).
        self._linked_clean = len(content.problems) == sum(
            len(read.problems) for read in self._reads.values()
        )
        self._served = {article.source: article for article in content.articles}
        self._log(content.problems)
        previous, self.content = self.content, content
        self._catalog = build_catalog(
            content.site, content.authors, content.articles, self.clock(), self.body
        )
        if isinstance(self.bodies, MemoryBodies):  # requests may still hold the old catalog
            articles = (*previous.articles, *content.articles)
            self.bodies.keep_only({a.digest for a in articles})
        if save:  # soon only after a cold load: a restart's few changes can wait
            self._save(soon=first and self._cached_problems is None)

    def _log(self, problems: Iterable[Problem]) -> None:
        """Log each problem once, not again on every refresh while it lasts."""
        current = set(problems)
        for problem in sorted(current - self._logged):
            log.warning("%s", problem.format())
        self._logged = current

    # --- serving -----------------------------------------------------------------------

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every current problem, including an unusable new site.yaml."""
        return self._site_problems + self.content.problems

    def catalog(self) -> Catalog:
        """The catalog as the public sees it at this moment."""
        catalog, now = self._catalog, self.clock()
        assert catalog is not None  # built in __init__
        if catalog.next_release is not None and now >= catalog.next_release:
            with self._lock:  # a scheduled article's time has come: build once, after any refresh
                if self._catalog is catalog:
                    content = self.content
                    self._catalog = build_catalog(
                        content.site, content.authors, content.articles, now, self.body
                    )
                current = self._catalog
            assert current is not None
            catalog = current
        return catalog

    # --- watching ----------------------------------------------------------------------

    def watch(self) -> None:
        """Follow changes in a daemon thread, in this process and in any forked from it."""
        self._watching = True
        self._start_watcher()

    def _start_watcher(self) -> None:
        thread = threading.Thread(target=self._watch, name="feedsvc-watch")
        thread.daemon = True
        thread.start()

    def _lock_for_fork(self) -> None:
        self._lock.acquire()

    def _unlock_after_fork(self) -> None:
        self._lock.release()

    def _after_fork(self) -> None:
        """In a forked worker: a fresh lock and a watcher of its own, catching up first."""
        self._lock = threading.RLock()
        self.settle = 0.0
        if self._watching and not helping():
            self._start_watcher()

    def _watch(self) -> None:
        from watchfiles import watch  # noqa: PLC0415 - only a serving process watches

        root = self.root.resolve()
        while True:
            # Each folder is watched on its own: a recursive watch stats every file
            # below it first, a third of a second of disk work per process at 100,000
            # articles. A folder added or removed restarts the watch with the new set.
            watched = folders(root)
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
                self._follow(batches, root, set(watched))
            except Exception:  # a folder gone while being watched, say: watch again
                log.exception("watching the content folder failed; watching it again")
                time.sleep(1)
            finally:
                batches.close()

    def _follow(
        self, batches: Iterable[set[tuple[Change, str]]], root: Path, watched: set[str]
    ) -> None:
        """Refresh for the batches of changes, once they have been quiet for `settle`
        seconds; return when folders were added or removed."""
        catch_up = True  # a new watch first scans for whatever changed before it
        sources: set[str] = set()
        last_change = time.monotonic()
        for batch in batches:
            paths = {os.path.relpath(path, root).replace(os.sep, "/") for _, path in batch}
            others = {p for p in paths if p != SITE_FILE and not is_source(p)}
            if any(p in watched or (root / p).is_dir() for p in others):
                return  # the next watch catches up
            if paths:
                sources |= paths - others
                last_change = time.monotonic()
            if not (catch_up or sources) or time.monotonic() < last_change + self.settle:
                continue
            try:
                self.refresh(None if catch_up else sources)
            except Exception:  # the watcher must outlive any one bad refresh
                log.exception("refreshing the content failed; the previous content is served")
            catch_up, sources = False, set()


def _same(old: FileRead | None, new: FileRead) -> bool:
    """Whether a re-read found exactly what was already there, its stamp aside.

    An article is its digest; an author or a broken file is what was read of it
    (problems compare by path and line only, hence their fields here).
    """
    if old is None:
        return False
    digests = [r.article.digest if r.article else None for r in (old, new)]
    return (
        digests[0] == digests[1]
        and old.author == new.author
        and old.claimed_slug == new.claimed_slug
        and [vars(p) for p in old.problems] == [vars(p) for p in new.problems]
    )


def _placement(article: Article) -> tuple[object, ...]:
    """What the cross-file rules (loading.link_articles) and the catalog's indexes read."""
    return (
        *(article.slug, article.id, article.aliases, article.authors, article.related),
        *(article.published, article.draft, article.tags),
    )


def _stamp(path: Path) -> Stamp | None:
    """A file's stamp, or None if it is gone."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)
