"""Last good versions: which version of each file stands while its newest is broken, and what
a change published, for the other processes to take (through the body store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from feedsvc.loading.authors import distinct_authors
from feedsvc.loading.discover import SITE_FILE, is_author_file, is_folder
from feedsvc.loading.documents import FileRead
from feedsvc.loading.rules import KEPT
from feedsvc.model import Article, Author, Problem, warning

Version = Article | Author


def current_authors(
    reads: Mapping[str, FileRead], good: MutableMapping[str, Version]
) -> tuple[dict[str, Author], tuple[Problem, ...]]:
    """Each author file's current version, or its last good one while it is broken (with
    a warning that says so), and the errors of files repeating a slug; `good` takes every
    author file's current version."""
    found: list[tuple[str, Author]] = []
    kept = []
    for path in sorted(p for p in reads if is_author_file(p)):
        read = reads[path]
        if read.author is not None:
            good[path] = read.author
        version = read.author or good.get(path)
        if isinstance(version, Author):
            found.append((path, version))
            if read.author is None:
                kept.append(warning(path, 1, KEPT, "fix the errors above"))
    authors, repeated = distinct_authors(found)  # a slug twice, in any case: the first
    return authors, (*kept, *repeated)


def outdated(
    recorded: Mapping[str, int],
    reads: Mapping[str, FileRead],
    decided: Mapping[str, Article | None],
) -> tuple[dict[str, FileRead], dict[str, Article | None], list[str]]:
    """What a start that reads every file shares (the rest is in the content cache): its
    reads and decisions for files a run before recorded a version of (`published` keeps
    only newer ones), and the files deleted since, so that a broken save, or a broken
    file in a deleted one's place, never brings back what that run recorded."""
    unlisted = [path for path in reads if is_folder(path)]  # their files may well be there
    deleted = [
        path
        for path in recorded
        if path not in reads
        and path != SITE_FILE
        and not any(path.startswith(folder) for folder in unlisted)
    ]
    news = {path: read for path, read in reads.items() if path in recorded}
    return news, {p: v for p, v in decided.items() if p in recorded}, deleted


def published(
    reads: Mapping[str, FileRead],
    changed: Mapping[str, FileRead],
    gone: Iterable[str],
    decided: Mapping[str, Article | None],
    accepted: Mapping[str, Article],
) -> list[tuple[str, Version | None, int]]:
    """What a change published, as the body store records it for other processes: each
    decided file whose current version is published and new (not one equal to the version
    before, as a change of settings re-reads most), and each changed author file, with its
    file time (the newest wins there), and the files gone (None). The version published
    is the rules' copy, which names its authors by slug: the same file by its digest."""
    shared: list[tuple[str, Version | None, int]] = [(path, None, 0) for path in gone]
    for path, before in decided.items():
        read, taken = reads.get(path), accepted.get(path)
        current = read.article if read else None
        if read and current and taken and taken.digest == current.digest and taken != before:
            shared.append((path, taken, read.stamp[0]))
    shared += [(p, r.author, r.stamp[0]) for p, r in changed.items() if r.author]
    return shared
