"""Reading changed files for the live state: bodies to the store, half in a child when many.

Pure of the live state: given the folder, the settings, the stamps and a body store,
these return reads; `state.Library` decides what they mean.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from feedsvc.catalog import NO_FILE_TIME
from feedsvc.loading.discover import (
    Stamp,
    Tree,
    folder_times,
    in_bundle,
    is_bundle_index,
    is_folder,
    is_source,
    parents,
    scan_tree,
    stamp,
    under,
)
from feedsvc.loading.documents import FileRead, read_file
from feedsvc.loading.frontmatter import parse
from feedsvc.loading.source import Unreadable, read_source
from feedsvc.model import Article, Site
from feedsvc.runtime import Child
from feedsvc.store.bodies import Bodies

log = logging.getLogger(__name__)

RACY_NS = 2_000_000_000  # files changed this recently are read again by the next scan
BODY_BATCH = 1000  # bodies held in memory at most while a large folder is read
PARALLEL_READS = 2000  # files read at once from which a child process reads half


def changes(
    root: Path,
    reads: Mapping[str, FileRead],
    folders: Mapping[str, int],
    paths: Iterable[str] | None,
    *,
    reread_all: bool,
    scanned: Tree | None = None,
) -> tuple[dict[str, Stamp], set[str], dict[str, int]]:
    """What to read (path → stamp) and what is gone since `reads`, with every folder's time:
    for `paths` (the watcher names them), or by a scan for changed stamps (`scanned`, if
    one was just made)."""
    if paths is None:
        stamps, times = scanned or scan_tree(root)
        # A folder that cannot be listed hides its files; they are not gone (and keep
        # their last version), as a folder that can be listed again shows.
        hidden = [path for path in stamps if is_folder(path)]
        gone = {
            path
            for path in set(reads) - set(stamps)
            if not any(under(path, folder) for folder in hidden)
        }
        # A broken read is read again even with the same stamp: what broke it may not
        # show there (a file made readable again: chmod moves neither time nor size).
        wanted = {
            path: found
            for path, found in stamps.items()
            if reread_all
            or path not in reads
            or reads[path].stamp != found
            or reads[path].version is None
        }
        return wanted, gone, times
    named = {p for p in paths if is_source(p)}
    wanted = {p: s for p in named if (s := stamp(root / p))}  # an event is news, same stamp or not
    gone = {p for p in named if p not in wanted and p in reads}
    if any(is_bundle_index(p) and (p in gone or p not in reads) for p in wanted.keys() | gone):
        # A bundle made or undone: the files beside its index change what they are.
        return changes(root, reads, folders, None, reread_all=reread_all)
    for path in [p for p in wanted if in_bundle(root, p)]:  # a bundle's resource, no article
        del wanted[path]
    # The folders known, and those of the named files (new ones too): a deletion shows
    # only in its folder's time. A few stats, not a listing.
    around = {folder for path in named for folder in parents(path)}
    return wanted, gone, folder_times(root, {*folders, *around})


def file_time(ns: int) -> datetime:
    """A file time in ns since the epoch, as an aware datetime; exact, so every process
    turns the same stamp into the same time."""
    return NO_FILE_TIME + timedelta(microseconds=ns // 1000)


def newest_time(
    reads: Iterable[FileRead], site_stamp: Stamp | None, folders: Mapping[str, int]
) -> datetime:
    """The newest file time in the content folder: every file read, site.yaml, every folder."""
    newest = max(
        max((read.stamp[0] for read in reads), default=0),
        site_stamp[0] if site_stamp else 0,
        max(folders.values(), default=0),
    )
    return file_time(newest)


def read_files(
    root: Path, site: Site, stamps: dict[str, Stamp], bodies: Bodies
) -> dict[str, FileRead]:
    """Read files, moving their bodies to the body store.

    A stamp too recent to trust is marked so that the next scan reads the
    file again: file times are coarse (a few ms), so two saves of the same
    size within one tick share a stamp and the second would go unseen.
    """
    reads = {}
    recent = time.time_ns() - RACY_NS
    batch: list[tuple[str, str]] = []  # bodies go to the store a batch at a time
    for read in _read_in_two(root, site, stamps):
        path, found = read.path, read.stamp
        if read.article:
            batch.append((read.article.digest, read.body))
        fresh = found[0] >= recent
        reads[path] = replace(read, body="", stamp=(found[0], -1) if fresh else found)
        if len(batch) >= BODY_BATCH:
            bodies.put_many(batch)
            batch = []
    bodies.put_many(batch)
    return reads


def _read_in_two(root: Path, site: Site, stamps: dict[str, Stamp]) -> Iterator[FileRead]:
    """Read files; many at once (a first load) half here and half in a forked child, on
    both cores: 0.79x the cold start at 10,000 articles (README, design notes)."""
    paths = list(stamps)
    if len(paths) < PARALLEL_READS:
        yield from (read_file(root, path, stamps[path], site) for path in paths)
        return
    half = len(paths) // 2
    there = Child(lambda: [read_file(root, p, stamps[p], site) for p in paths[half:]])
    try:
        yield from (read_file(root, path, stamps[path], site) for path in paths[:half])
        yield from there.result()
    finally:
        there.cancel()


def body_of(root: Path, article: Article, bodies: Bodies, limit: int) -> str:
    """An article's Markdown: from the body store, else from its file if unchanged (and
    still safe to read, at most `limit` bytes)."""
    found = bodies.get(article.digest)
    if found is not None:
        return found
    try:  # a body store lost under a cache (deleted by hand, say)
        text = read_source(root, article.source, limit).decode("utf-8-sig")
    except (Unreadable, UnicodeDecodeError):
        text = ""
    if hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest() != article.digest:
        log.error("the body of %s is lost; it shows empty until saved again", article.source)
        return ""
    body = parse(text).body
    bodies.put_many([(article.digest, body)])
    return body


def same(old: FileRead | None, new: FileRead) -> bool:
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
        and [vars(p) for p in old.problems] == [vars(p) for p in new.problems]
    )
