"""The rules that span files, written once: which version of each article file is published.

Each article file offers up to two candidates, its current version and its last
good one (the version published before, if it differs). The rules take, file by
file, the first candidate whose authors all exist and whose keys (slug,
aliases, id, old site paths) no file taken earlier holds. An author reference
(a slug in any case, or a name: `authors`) is resolved here: the version taken
names its authors by slug, so the catalog and feeds read slugs only. Files go
in priority order: those
published before first, so a newcomer can never take a published article's
slug; then the earliest `date`; then the path. A `related` slug that names no
article is a warning, never a reason to keep an article out.

One index answers both a whole load and a change: `claims`, every key of every
candidate → the file or files that claim it. Files that share no key never
affect each other, so a change decides again only the files connected to it
through shared keys (usually just itself), in the same order a whole load uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from feedsvc.loading.authors import AuthorIndex, author_errors, reference_keys, resolved
from feedsvc.loading.candidates import Candidates, article_keys, holds
from feedsvc.loading.dangling import SUGGESTIONS, Line, linking_to, warn_dangling
from feedsvc.model import Article, Problem, error, warning

__all__ = ["KEPT", "Candidates", "Line", "Rules", "article_keys"]  # Candidates: its old home

KEPT = "the last good version of this file is served until its errors are fixed"


class Rules:
    """The cross-file rules over a set of article files, kept up to date change by change."""

    def __init__(self) -> None:
        self._candidates: dict[str, Candidates] = {}
        self._claims: dict[str, str | set[str]] = {}  # key → the path, or paths, claiming it
        self.accepted: dict[str, Article] = {}  # path → the version published
        self._problems: dict[str, tuple[Problem, ...]] = {}  # path → what the rules found
        self._author_keys: dict[str, tuple[str, ...]] = {}  # slug → its reference keys

    def __getstate__(self) -> tuple[object, ...]:
        """Pickled compactly: a file whose one candidate is published (almost every file)
        is its path and its article, which the reads pickled beside it share."""
        paths, articles, others = [], [], {}
        for path, offered in self._candidates.items():
            taken = self.accepted.get(path)
            if offered.versions == (offered.current,) and taken is offered.current:
                paths.append(path)
                articles.append(taken)
            else:
                others[path] = (offered.current, offered.good, taken)
        return (paths, articles, others, self._claims, self._problems, self._author_keys)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        """The index as `__getstate__` left it."""
        paths, articles, others, self._claims, self._problems, self._author_keys = state
        self._candidates = {
            path: Candidates(article) for path, article in zip(paths, articles, strict=True)
        }
        self.accepted = dict(zip(paths, articles, strict=True))
        for path, (current, good, taken) in others.items():
            self._candidates[path] = Candidates(current, good)
            if taken is not None:
                self.accepted[path] = taken

    def copy(self) -> Rules:
        """A copy that later changes leave as it is (for the content cache's writer)."""
        new = Rules()
        new._candidates = dict(self._candidates)
        new._claims = {k: set(v) if isinstance(v, set) else v for k, v in self._claims.items()}
        new.accepted = dict(self.accepted)
        new._problems = dict(self._problems)
        new._author_keys = dict(self._author_keys)
        return new

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
        suggestions: int | None = SUGGESTIONS,
    ) -> dict[str, Article | None]:
        """Apply changed files (None: deleted) and the authors in force, with the slugs
        that came or went (any author whose slug or name changed is found here too), and
        name the closest slug for the first `suggestions` dangling links (None: all);
        return the paths whose published version changed, with the version before."""
        old_keys = {key for path in changes for key in self._keys(path)}
        for path, candidates in changes.items():
            self._unclaim(path)
            if candidates is not None and candidates.versions:
                self._claim(path, candidates)
        seeds = {path for path in changes if path in self._candidates}
        seeds.update(self._claimants(old_keys))
        index = AuthorIndex(authors)
        seeds.update(self._referring(index, authors_changed, len(seeds)))
        group = self._connected(seeds)
        previous = {p: a for p in (*group, *changes) if (a := self.accepted.pop(p, None))}
        for path in changes:
            self._problems.pop(path, None)
        self._decide(group, previous, index, line)
        linking = group
        if len(group) < len(self._candidates):  # links to a slug that came or went
            was = {key for a in previous.values() for key in article_keys(a)}
            now = {key for p in group if (a := self.accepted.get(p)) for key in article_keys(a)}
            moved = was ^ now
            if moved:
                linking = group | linking_to(moved, self.accepted)
        warn_dangling(
            linking, line, self.accepted, self._problems, self._owner, suggestions=suggestions
        )
        return {
            path: previous.get(path)
            for path in (*group, *changes)
            if self.accepted.get(path) is not previous.get(path)
        }

    def _referring(self, index: AuthorIndex, slugs: Iterable[str], seeds: int) -> set[str]:
        """The files whose authors may resolve otherwise: those referring to an author
        whose slug or name came, went or changed (keys that a reference may match)."""
        before, after = self._author_keys, index.keys()
        self._author_keys = after
        changed = set(slugs) | {
            s for s in before.keys() | after.keys() if before.get(s) != after.get(s)
        }
        if not changed or seeds == len(self._candidates):
            return set()
        keys = {k for s in changed for k in (*before.get(s, ()), *after.get(s, ()), s.casefold())}
        return {
            path
            for path, candidates in self._candidates.items()
            if any(
                keys.intersection(reference_keys(ref))
                for c in candidates.versions
                for ref in c.authors
            )
        }

    # --- the index ----------------------------------------------------------------------

    def _keys(self, path: str) -> Iterator[str]:
        """Every key of every candidate of `path` (a key may come twice)."""
        found = self._candidates.get(path)
        for article in found.versions if found else ():
            yield from article_keys(article)

    def _claim(self, path: str, candidates: Candidates) -> None:
        self._candidates[path] = candidates
        claims = self._claims
        for key in self._keys(path):
            held = claims.get(key)
            if held is None:
                claims[key] = path
            elif isinstance(held, set):
                held.add(path)
            elif held != path:
                claims[key] = {held, path}

    def _unclaim(self, path: str) -> None:
        for key in list(self._keys(path)):
            held = self._claims.get(key)
            if held == path:
                del self._claims[key]
            elif isinstance(held, set):
                held.discard(path)
                if len(held) == 1:
                    self._claims[key] = held.pop()
        self._candidates.pop(path, None)

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
        if len(seeds) == len(self._candidates):
            return seeds  # every file: nothing more to find
        group, pending = set(seeds), list(seeds)
        while pending:
            for other in self._claimants(self._keys(pending.pop())):
                if other not in group:
                    group.add(other)
                    pending.append(other)
        return group

    def _owner(self, key: str) -> str | None:
        """The file whose published version has `key`, if any."""
        held = self._claims.get(key)
        for path in held if isinstance(held, set) else () if held is None else (held,):
            article = self.accepted.get(path)
            if article is not None and holds(article, key):
                return path
        return None

    # --- deciding -----------------------------------------------------------------------

    def _decide(
        self,
        group: set[str],
        previous: Mapping[str, Article],
        index: AuthorIndex,
        line: Line,
    ) -> None:
        """Take each file's first candidate that passes, in priority order; the version
        published names its authors by slug (the object before, if it is the same)."""
        candidates = self._candidates

        def priority(path: str) -> tuple[bool, object, str]:
            return (path not in previous, candidates[path].versions[0].published, path)

        held: dict[str, str] = {}  # key → the path that took it, in this group
        for path in sorted((p for p in group if p in candidates), key=priority):
            offered, taken = candidates[path], None
            for candidate in offered.versions:
                keys = article_keys(candidate)
                version = resolved(candidate, index)
                if version is not None and held.keys().isdisjoint(keys):
                    before = previous.get(path)
                    if version is not candidate and version == before:
                        version = before  # resolved as before: no change to publish
                    self.accepted[path] = version
                    taken = candidate
                    for key in keys:
                        held[key] = path
                    break
            if taken is not offered.current or offered.current is None:
                found = self._errors(path, offered, taken, index, held, line)
                self._problems[path] = tuple(found)
            else:
                self._problems.pop(path, None)

    def _errors(  # noqa: PLR0917 - one private caller
        self,
        path: str,
        candidates: Candidates,
        taken: Article | None,
        index: AuthorIndex,
        held: Mapping[str, str],
        line: Line,
    ) -> Iterator[Problem]:
        """Why the current version is not published, derived from the same checks."""
        current = candidates.current
        if current is not None and taken is not current:
            for ref in current.authors:
                yield from author_errors(path, ref, index, line)
            for name, key in (
                ("slug", current.slug),
                *(("aliases", alias) for alias in current.aliases),
                ("id", current.id),
                *((key, key) for key in current.redirects),
            ):
                owner = held.get(key)
                if owner is not None and owner != path:
                    what = "alias" if name == "aliases" else "old path" if name == key else name
                    fix = "id" if name == "id" else "slug" if name != key else "old path, or none"
                    yield error(
                        path,
                        line(path, name),
                        f"{what} '{key}' is already used by {owner}",
                        f"give this article another {fix}",
                        "redirects" if name == key else name,
                    )
        if taken is not None and taken is not current:
            yield warning(path, 1, KEPT, "fix the errors above")
