"""How an article's `author` names an author: by slug in any case, or by name.

An author's slug is its file's name as it is (`authors/DirtyF.md` is `DirtyF`); an
article may write `dirtyf`, `DirtyF` or the author's `name` (`Jane Doe`, spaces and
case aside). A slug written exactly wins, then a slug in another case, then a name;
a name two authors share names neither (the rules say which two). Two author files
whose slugs differ only in case would make a reference ambiguous: the second is an
error (`distinct_authors`).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping

from feedsvc.loading.discover import AUTHORS_DIR
from feedsvc.model import Article, Author, Problem, error
from feedsvc.names import slugify


def slug_key(slug: str) -> str:
    """A slug as references match it."""
    return slug.casefold()


def old_slug_key(slug: str) -> str:
    """The slug an author file's name gave before names were kept as they are
    (`Jane_Doe.md` was `jane-doe`): references written then still find the author."""
    return slug_key(slugify(slug))


def name_key(name: str) -> str:
    """A name as references match it."""
    return " ".join(name.split()).casefold()


def reference_keys(reference: str) -> tuple[str, str]:
    """The keys under which a reference may find an author."""
    return slug_key(reference), name_key(reference)


def author_keys(slug: str, author: object) -> tuple[str, ...]:
    """The keys under which references find an author: its slug's, its name's."""
    name = getattr(author, "name", None)
    slugs = (slug_key(slug), old_slug_key(slug))
    return (*slugs, name_key(name)) if isinstance(name, str) else slugs


class AuthorIndex:
    """The authors in force, looked up by reference."""

    def __init__(self, authors: Mapping[str, object]) -> None:
        self.authors = authors
        self._folded: dict[str, str] = {}
        self._named: dict[str, list[str]] = {}
        for slug in sorted(authors):
            self._folded.setdefault(slug_key(slug), slug)
        for slug in sorted(authors):  # after every slug as it is: those win
            self._folded.setdefault(old_slug_key(slug), slug)
            name = getattr(authors[slug], "name", None)
            if isinstance(name, str):
                self._named.setdefault(name_key(name), []).append(slug)

    def resolve(self, reference: str) -> str | tuple[str, ...]:
        """The slug a reference names; else every slug it could name (none, or several
        authors sharing a name)."""
        if reference in self.authors:
            return reference
        folded = self._folded.get(slug_key(reference))
        if folded is not None:
            return folded
        named = self._named.get(name_key(reference), [])
        return named[0] if len(named) == 1 else tuple(named)

    def keys(self) -> dict[str, tuple[str, ...]]:
        """Each author's keys, by slug (what the rules compare between changes)."""
        return {slug: author_keys(slug, author) for slug, author in self.authors.items()}

    def choices(self) -> list[str]:
        """What a reference may be, for a "did you mean" hint."""
        names = [getattr(a, "name", None) for a in self.authors.values()]
        return [*self.authors, *(n for n in names if isinstance(n, str))]


def distinct_authors(
    found: Iterable[tuple[str, Author]],
) -> tuple[dict[str, Author], list[Problem]]:
    """The authors by slug, from (path, author) in path order: a second file whose slug
    is one already taken, in any case (`DirtyF.md`, `dirtyf.markdown`), is an error."""
    authors: dict[str, Author] = {}
    paths: dict[str, str] = {}
    problems = []
    for path, author in found:
        first = paths.get(slug_key(author.slug))
        if first is not None:
            problems.append(
                error(
                    path,
                    1,
                    f"this author's file name is {first}'s, but for case or extension: "
                    "a reference could not tell them apart",
                    f"merge the two files, or rename one; {first} is used",
                )
            )
            continue
        paths[slug_key(author.slug)] = path
        authors[author.slug] = author
    return authors, problems


def resolved(candidate: Article, index: AuthorIndex) -> Article | None:
    """A candidate naming its authors by slug, or None if a reference names no one author."""
    slugs = []
    for ref in candidate.authors:
        found = index.resolve(ref)
        if not isinstance(found, str):
            return None
        slugs.append(found)
    resolved = tuple(dict.fromkeys(slugs))
    if resolved == candidate.authors:
        return candidate
    return dataclasses.replace(candidate, authors=resolved)


def author_errors(
    path: str, ref: str, index: AuthorIndex, line: Callable[[str, str], int]
) -> Iterator[Problem]:
    """The error of an author reference that names no one author, if it does not."""
    found = index.resolve(ref)
    if isinstance(found, str):
        return
    at = line(path, "author") if line(path, "author") > 1 else line(path, "authors")
    if found:
        both = " and ".join(f"'{slug}'" for slug in found)
        message = f"author '{ref}' is ambiguous: {both} are both named so"
        yield error(path, at, message, "write the slug of the author you mean", "author")
        return
    close = difflib.get_close_matches(ref, index.choices(), n=1)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else f"create {AUTHORS_DIR}/{ref}.md with a 'name', or fix the slug"
    )
    yield error(path, at, f"unknown author '{ref}'", hint, "author")
