"""The rules that span files, written once: which version of each article file is published.

Each article file offers up to two candidates, its current version and its last
good one (the version published before, if it differs). The rules take, file by
file, the first candidate whose authors all exist and whose keys (slug,
aliases, id) no file taken earlier holds. Files go in priority order: those
published before first, so a newcomer can never take a published article's
slug; then the earliest `date`; then the path. A `related` slug that names no
article is a warning, never a reason to keep an article out.

One index answers both a whole load and a change: `claims`, every key of every
candidate → the file or files that claim it. Files that share no key never
affect each other, so a change decides again only the files connected to it
through shared keys (usually just itself), in the same order a whole load uses.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from feedsvc.loading.discover import AUTHORS_DIR
from feedsvc.model import Article, Problem, error, warning

KEPT = "the last good version of this file is served until its errors are fixed"
SUGGESTIONS = 50  # dangling links per change that get a closest-slug hint (each scans every slug)

Line = Callable[[str, str], int]  # (path, field) → the field's line in the file's current version


@dataclass(frozen=True)
class Candidates:
    """What an article file offers: its current version (None if broken) and its last good one."""

    current: Article | None
    good: Article | None = None

    def __iter__(self) -> Iterator[Article]:
        if self.current is not None:
            yield self.current
        if self.good is not None and self.good != self.current:
            yield self.good


def article_keys(article: Article) -> tuple[str, ...]:
    """What no two articles may share: slug, aliases and id, each once (an alias may
    repeat the article's own slug)."""
    return tuple(dict.fromkeys((article.slug, *article.aliases, article.id)))


def _holds(article: Article, key: str) -> bool:
    """Whether `key` is one of the article's keys."""
    return key in (article.slug, article.id) or key in article.aliases


class Rules:
    """The cross-file rules over a set of article files, kept up to date change by change."""

    def __init__(self) -> None:
        self._candidates: dict[str, Candidates] = {}
        self._claims: dict[str, str | set[str]] = {}  # key → the path, or paths, claiming it
        self.accepted: dict[str, Article] = {}  # path → the version published
        self._problems: dict[str, tuple[Problem, ...]] = {}  # path → what the rules found

    @property
    def problems(self) -> Iterator[Problem]:
        """Every problem the rules found, file by file."""
        for found in self._problems.values():
            yield from found

    def update(
        self,
        changes: Mapping[str, Candidates | None],
        authors: Mapping[str, object],
        line: Line,
        authors_changed: Iterable[str] = (),
    ) -> dict[str, Article | None]:
        """Apply changed files (None: deleted) and the author slugs that came or went;
        return the paths whose published version changed, with the version before."""
        old_keys = {key for path in changes for key in self._keys(path)}
        for path, candidates in changes.items():
            self._unclaim(path)
            if candidates is None:
                self._candidates.pop(path, None)
            else:
                self._candidates[path] = candidates
                self._claim(path)
        seeds = {path for path in changes if path in self._candidates}
        seeds.update(self._claimants(old_keys))
        gone = set(authors_changed)
        if gone:
            seeds.update(
                path
                for path, candidates in self._candidates.items()
                if any(gone.intersection(c.authors) for c in candidates)
            )
        group = self._connected(seeds)
        previous = {p: a for p in (*group, *changes) if (a := self.accepted.pop(p, None))}
        for path in changes:
            self._problems.pop(path, None)
        self._decide(group, previous, authors, line)
        was = {key for a in previous.values() for key in article_keys(a)}
        now = {key for p in group if (a := self.accepted.get(p)) for key in article_keys(a)}
        moved = was ^ now
        linking = set(group)
        if moved:  # links to a slug that came or went: their warnings change
            linking.update(
                path
                for path, article in self.accepted.items()
                if any(link.slug in moved for link in article.related)
            )
        self._warn_dangling(linking, line)
        return {
            path: previous.get(path)
            for path in (*group, *changes)
            if self.accepted.get(path) is not previous.get(path)
        }

    # --- the index ----------------------------------------------------------------------

    def _keys(self, path: str) -> set[str]:
        """Every key any candidate of `path` has."""
        found = self._candidates.get(path)
        return {key for article in found or () for key in article_keys(article)}

    def _claim(self, path: str) -> None:
        for key in self._keys(path):
            held = self._claims.get(key)
            if held is None:
                self._claims[key] = path
            elif isinstance(held, set):
                held.add(path)
            elif held != path:
                self._claims[key] = {held, path}

    def _unclaim(self, path: str) -> None:
        for key in self._keys(path):
            held = self._claims.get(key)
            if held == path:
                del self._claims[key]
            elif isinstance(held, set):
                held.discard(path)
                if len(held) == 1:
                    self._claims[key] = held.pop()

    def _claimants(self, keys: Iterable[str]) -> set[str]:
        """The paths that claim any of `keys`."""
        found: set[str] = set()
        for key in keys:
            held = self._claims.get(key)
            if isinstance(held, set):
                found.update(held)
            elif held is not None:
                found.add(held)
        return found

    def _connected(self, seeds: set[str]) -> set[str]:
        """`seeds` and every file that shares a key with one of them, transitively."""
        group, pending = set(seeds), list(seeds)
        while pending:
            for other in self._claimants(self._keys(pending.pop())):
                if other not in group:
                    group.add(other)
                    pending.append(other)
        return group

    # --- deciding -----------------------------------------------------------------------

    def _decide(
        self,
        group: set[str],
        previous: Mapping[str, Article],
        authors: Mapping[str, object],
        line: Line,
    ) -> None:
        """Take each file's first candidate that passes, in priority order."""

        def priority(path: str) -> tuple[bool, object, str]:
            first = next(iter(self._candidates[path]), None)
            return (path not in previous, first.published if first else None, path)

        held: dict[str, str] = {}  # key → the path that took it, in this group
        for path in sorted((p for p in group if any(self._candidates[p])), key=priority):
            candidates = self._candidates[path]
            for candidate in candidates:
                keys = article_keys(candidate)
                if authors.keys() >= set(candidate.authors) and held.keys().isdisjoint(keys):
                    self.accepted[path] = candidate
                    held.update(dict.fromkeys(keys, path))
                    break
            self._problems[path] = tuple(self._errors(path, candidates, authors, held, line))

    def _errors(
        self,
        path: str,
        candidates: Candidates,
        authors: Mapping[str, object],
        held: Mapping[str, str],
        line: Line,
    ) -> Iterator[Problem]:
        """Why the current version is not published, derived from the same checks."""
        current, taken = candidates.current, self.accepted.get(path)
        if current is not None and taken is not current:
            for slug in current.authors:
                if slug not in authors:
                    close = difflib.get_close_matches(slug, list(authors), n=1)
                    hint = (
                        f"did you mean '{close[0]}'?"
                        if close
                        else f"create {AUTHORS_DIR}/{slug}.md with a 'name', or fix the slug"
                    )
                    yield error(
                        path, line(path, "author"), f"unknown author '{slug}'", hint, "author"
                    )
            for name, key in (
                ("slug", current.slug),
                *(("aliases", alias) for alias in current.aliases),
                ("id", current.id),
            ):
                owner = held.get(key)
                if owner is not None and owner != path:
                    what = "alias" if name == "aliases" else name
                    yield error(
                        path,
                        line(path, name),
                        f"{what} '{key}' is already used by {owner}",
                        f"give this article another {'id' if name == 'id' else 'slug'}",
                        name,
                    )
        if taken is not None and taken is not current:
            yield warning(path, 1, KEPT, "fix the errors above")

    def _warn_dangling(self, paths: Iterable[str], line: Line) -> None:
        """Warn, for each of `paths`, about `related` slugs that name no article."""
        known: list[str] | None = None
        hinted = 0
        for path in paths:
            article = self.accepted.get(path)
            kept = [p for p in self._problems.get(path, ()) if p.field != "related"]
            for slug in (link.slug for link in article.related if link.slug) if article else ():
                if any(
                    (target := self.accepted.get(p)) is not None and _holds(target, slug)
                    for p in self._claimants([slug])
                ):
                    continue
                hint = "use an existing article's slug, or remove the entry"
                if hinted < SUGGESTIONS:
                    hinted += 1
                    if known is None:
                        known = [s for a in self.accepted.values() for s in (a.slug, *a.aliases)]
                    close = difflib.get_close_matches(slug, known, n=1)
                    if close:
                        hint = f"did you mean '{close[0]}'?"
                kept.append(
                    warning(
                        path,
                        line(path, "related"),
                        f"related article '{slug}' does not exist; the link is left out",
                        hint,
                        "related",
                    )
                )
            if kept:
                self._problems[path] = tuple(kept)
            else:
                self._problems.pop(path, None)
