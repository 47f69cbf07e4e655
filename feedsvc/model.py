"""The content model: what a site, its authors and its articles are, once loaded.

Plain frozen dataclasses with aware UTC datetimes and tuples, so that a loaded
catalog can be shared between threads and compared by value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def quick_pickle(cls: type[T]) -> type[T]:
    """Pickle a slotted dataclass as a plain tuple of its fields.

    The state methods dataclasses generate for slots look the fields up again
    for every object, and even a loop over the fields costs twice what one
    straight-line function does: seconds when a restart unpickles 100,000
    articles. So `__setstate__` is generated, as dataclasses generate
    `__init__`, and sets each slot through its descriptor (a frozen class
    refuses `setattr`).
    """
    names = tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]
    get_all = attrgetter(*names)

    def getstate(self: T) -> tuple[Any, ...]:
        return tuple(get_all(self))

    setters = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    lines = [f"    _set_{name}(self, state[{i}])" for i, name in enumerate(names)]
    namespace: dict[str, Any] = dict(setters)
    exec("def setstate(self, state):\n" + "\n".join(lines), namespace)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 - mypy refuses a method assignment
    setattr(cls, "__setstate__", namespace["setstate"])  # noqa: B010
    return cls


@dataclass(frozen=True)
class Site:
    """The site's settings, from `site.yaml` and `FEEDSVC_*` variables."""

    title: str
    description: str
    url: str  # absolute, ends with "/"
    language: str
    timezone: tzinfo = dataclasses.field(compare=False, repr=False)  # the name compares
    timezone_name: str
    id_authority: str  # the domain in every `tag:` id; never changes with `url`
    feed_size: int = 50
    feed_max_bytes: int = 2 * 2**20  # each format of a feed, at most: fewer entries past it
    ttl: int = 5  # minutes
    day_first: bool = False  # how to read numeric dates such as 03/04/2025
    logo: str | None = None  # absolute URLs
    icon: str | None = None
    copyright: str | None = None
    max_file_size: int = 1_048_576  # bytes a content file may have (`discover.MAX_FILE_SIZE`)
    author: str | None = None  # who writes an article that names nobody: a slug or a name


@dataclass(frozen=True)
class KeptSettings:
    """site.yaml's settings last in force, as the body store keeps them for the next start
    (and for any process that starts while site.yaml has errors): with the base URL they
    were read for, since `FEEDSVC_BASE_URL` replaces `url`."""

    base_url: str | None
    site: Site


@quick_pickle
@dataclass(frozen=True, slots=True)
class Author:
    """A person who writes for the site: `authors/<slug>.md`."""

    slug: str
    name: str
    email: str | None = None
    url: str | None = None
    avatar: str | None = None
    bio: str = ""  # Markdown
    links: tuple[str, ...] = ()  # slugs the bio's tags link to (`{% post_url %}`, `ref`)


@quick_pickle
@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A "Check also" link as written: another article's slug or an external URL."""

    slug: str | None = None
    url: str | None = None
    title: str | None = None


@quick_pickle
@dataclass(frozen=True, slots=True)
class Article:
    """One article file, validated. Its body is not here: see `feedsvc.bodies`."""

    slug: str
    id: str
    title: str
    # Author slugs in byline order; as read, the references as written (a slug in any
    # case, or a name), which `rules` resolves to slugs in the version it accepts.
    authors: tuple[str, ...]
    published: datetime  # aware, UTC: when it goes live (the id keeps the date it had)
    updated: datetime  # aware, UTC; never before `published`
    source: str  # path relative to the content folder, for messages
    digest: str  # SHA-1 of the file's text: the key of its body, the same in every process
    summary: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    image: str | None = None
    aliases: tuple[str, ...] = ()  # old slugs: ids and /articles/<old>/ redirects
    draft: bool = False
    expires: datetime | None = None  # aware, UTC: out of every feed from then on
    redirects: tuple[str, ...] = ()  # old site paths (`urls.site_path`) answering 301 here
    bundle: str | None = None  # a page bundle's folder (relative, '/'): its files are media
    links: tuple[str, ...] = ()  # slugs the body's tags link to (`{% post_url %}`, `ref`)


class Severity(StrEnum):
    """How bad a problem is: errors keep a file out, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in a content file, with where it is and how to fix it."""

    path: str  # relative to the content folder
    line: int
    severity: Severity = dataclasses.field(compare=False)
    message: str = dataclasses.field(compare=False)
    hint: str = dataclasses.field(default="", compare=False)
    field: str | None = dataclasses.field(default=None, compare=False)

    def format(self) -> str:
        """One line as compilers print it, then the fix indented below."""
        text = f"{self.path}:{self.line}: {self.severity}: {self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text


def error(path: str, line: int, message: str, hint: str, field: str | None = None) -> Problem:
    """A problem that keeps a file (or its current version) out of the site."""
    return Problem(path, line, Severity.ERROR, message, hint, field)


def warning(path: str, line: int, message: str, hint: str, field: str | None = None) -> Problem:
    """A problem that still publishes."""
    return Problem(path, line, Severity.WARNING, message, hint, field)
