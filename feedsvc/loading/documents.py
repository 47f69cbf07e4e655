"""One content file on its own → an `Article` or an `Author`, through a per-field table.

Every problem is collected as a `Problem` (file, line, fix) instead of raised.
The rules that span files (authors exist, slugs unique) are `rules`' job.
Markdown is never rendered here; bodies stay source text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedsvc.dates import DateError, parse_date
from feedsvc.loading import fields
from feedsvc.loading.discover import (
    Stamp,
    Unreadable,
    folder_problem,
    is_author_file,
    is_folder,
    read_source,
)
from feedsvc.loading.fields import FieldError
from feedsvc.loading.frontmatter import Document, FrontMatterError, parse
from feedsvc.model import Article, Author, Problem, Site, error, quick_pickle, warning
from feedsvc.names import slugify

log = logging.getLogger(__name__)

# The problem of a file whose reading failed in a way nobody foresaw: a bug, logged.
FAILED = "reading this file failed (an error in feedsvc, logged for its maintainers)"


@quick_pickle
@dataclass(frozen=True, slots=True)
class FileRead:
    """One content file, read on its own: what it holds (if usable) and its problems."""

    path: str  # relative to the content folder, with '/'
    stamp: Stamp
    problems: tuple[Problem, ...] = ()
    article: Article | None = None
    author: Author | None = None
    # Each field's line, for the rules across files, as one flat tuple (field, line, …)
    # of interned names: a dict per file cost about 1 KB at 100,000 files.
    lines: tuple[str | int, ...] = ()
    body: str = ""  # the article's Markdown, until it is moved to a body store

    def line(self, key: str) -> int:
        """The line of a field, or 1."""
        lines = self.lines
        for at in range(0, len(lines), 2):
            if lines[at] == key:
                return int(lines[at + 1])
        return 1

    @property
    def version(self) -> Article | Author | None:
        """What the file holds, if it is usable on its own."""
        return self.article or self.author


def read_file(root: Path, rel: str, stamp: Stamp, site: Site) -> FileRead:
    """Read and check one author or article file on its own (or say why a folder that
    `discover.scan` could not list cannot be); never raises."""
    try:
        return _read_file(root, rel, stamp, site)
    except Exception:  # one file must never stop the others (issue 9): a problem for it
        log.exception("reading %s failed", rel)
        hint = "its last good version, if any, is served; report this with the file"
        return FileRead(rel, stamp, (error(rel, 1, FAILED, hint),))


def _read_file(root: Path, rel: str, stamp: Stamp, site: Site) -> FileRead:
    """`read_file`, which may raise only where nobody foresaw it."""
    if is_folder(rel):
        failed = folder_problem(root, rel)
        problems = () if failed is None else (error(rel, 1, failed.message, failed.hint),)
        return FileRead(rel, stamp, problems)
    text = _read_text(root, rel, site.max_file_size)
    if isinstance(text, Problem):
        return FileRead(rel, stamp, (text,))
    if is_author_file(rel):
        return read_author(rel, text, stamp)
    return read_article(rel, text, site, stamp)


class _Reading:
    """One document's fields being read: the site they are read for, and the problems."""

    def __init__(self, rel: str, document: Document, site: Site | None) -> None:
        self.rel, self.document, self.site = rel, document, site
        self.problems: list[Problem] = []

    def warn(self, name: str, message: str, hint: str) -> None:
        """Record a warning at a field's line."""
        self.problems.append(warning(self.rel, self.document.line(name), message, hint, name))


Reader = Callable[[object, str, _Reading], Any]


@dataclass(frozen=True)
class Field:
    """How one front-matter field is read: its reader, whether it must be there, its default."""

    read: Reader
    required: bool = False
    default: Any = None


def _plain(reader: Callable[[object, str], Any]) -> Reader:
    """A reader that needs only the value and the field's name."""
    return lambda value, name, _: reader(value, name)


def _date(value: object, name: str, reading: _Reading) -> datetime:
    """A date field, with its correction (if any) reported as a warning."""
    site = reading.site
    assert site is not None  # articles are read for a site
    try:
        parsed = parse_date(value, site.timezone, day_first=site.day_first)
    except DateError as failed:
        raise FieldError(f"'{name}': {failed.message}", failed.hint) from None
    if parsed.warning:
        reading.warn(name, parsed.warning, "write the time you mean, with its UTC offset")
    return parsed.value


ARTICLE_FIELDS: dict[str, Field] = {
    "title": Field(_plain(fields.text), required=True),
    "author": Field(_plain(fields.slug_list), required=True),
    "date": Field(_date, required=True),
    "updated": Field(_date),
    "summary": Field(_plain(fields.text)),
    "tags": Field(_plain(fields.text_list), default=()),
    "related": Field(lambda value, _, __: fields.related(value), default=()),
    "slug": Field(_plain(fields.slug)),
    "id": Field(_plain(fields.uri)),
    "draft": Field(_plain(fields.flag), default=False),
    "image": Field(_plain(fields.link)),
    "aliases": Field(_plain(fields.slug_list), default=()),
}

AUTHOR_FIELDS: dict[str, Field] = {
    "name": Field(_plain(fields.text), required=True),
    "email": Field(_plain(fields.email)),
    "url": Field(_plain(fields.web_url)),
    "avatar": Field(_plain(fields.link)),
}


def read_fields(reading: _Reading, table: Mapping[str, Field]) -> dict[str, Any] | None:
    """Every field of `table` read from the document; None if any has an error."""
    document, problems = reading.document, reading.problems
    problems.extend(fields.unknown(reading.rel, document.fields, document.lines, table))
    for key, line in document.duplicate_keys[: fields.UNKNOWN_SHOWN]:
        problems.append(
            warning(
                reading.rel,
                line,
                f"'{fields.excerpt(key)}' is given twice",
                "keep one; the last one is used",
            )
        )
    values: dict[str, Any] = {}
    failed = False
    for name, spec in table.items():
        if name not in document.fields:
            if spec.required:
                failed = True
                problems.append(
                    error(reading.rel, 1, f"'{name}' is missing", f"add a line '{name}: …'", name)
                )
            values[name] = spec.default
            continue
        try:
            values[name] = spec.read(document.fields[name], name, reading)
        except FieldError as wrong:
            failed = True
            line = document.line(name)
            problems.append(error(reading.rel, line, wrong.message, wrong.hint, name))
    return None if failed else values


def read_author(rel: str, text: str, stamp: Stamp = (0, 0)) -> FileRead:
    """Parse one author file: `authors/<slug>.md`, the slug being the file's name."""
    document = _document(rel, text)
    if isinstance(document, Problem):
        return FileRead(rel, stamp, (document,))
    reading = _Reading(rel, document, None)
    values = read_fields(reading, AUTHOR_FIELDS)
    author = None
    if values is not None:
        author = Author(slugify(Path(rel).stem), bio=document.body, **values)
    return FileRead(rel, stamp, tuple(reading.problems), author=author, lines=_flat(document.lines))


def read_article(rel: str, text: str, site: Site, stamp: Stamp = (0, 0)) -> FileRead:
    """Parse and check one article file on its own (no cross-file rules)."""
    document = _document(rel, text)
    if isinstance(document, Problem):
        return FileRead(rel, stamp, (document,))
    reading = _Reading(rel, document, site)
    values = read_fields(reading, ARTICLE_FIELDS)
    title = values["title"] if values else None
    if isinstance(title, str) and _LOOKS_LIKE_HTML.search(title):
        reading.warn("title", "the title contains HTML or an entity", "write titles as plain text")
    if values is None:
        return FileRead(rel, stamp, tuple(reading.problems), lines=_flat(document.lines))
    published: datetime = values.pop("date")
    updated: datetime = values.pop("updated") or published
    if updated < published:
        reading.warn("updated", "'updated' is before 'date'", "check both dates; 'date' is used")
        updated = published
    slug = values.pop("slug") or slugify(Path(rel).stem)
    aliases = values["aliases"]
    article = Article(
        slug=slug,
        id=values.pop("id") or tag_id(site, published, aliases[0] if aliases else slug),
        authors=values.pop("author"),
        published=published,
        updated=updated,
        source=rel,
        digest=hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(),
        **values,
    )
    problems = tuple(reading.problems)
    return FileRead(rel, stamp, problems, article, lines=_flat(document.lines), body=document.body)


def _flat(lines: Mapping[str, int]) -> tuple[str | int, ...]:
    """A document's field lines as `FileRead` keeps them."""
    return tuple(x for key, line in lines.items() for x in (sys.intern(key), line))


def tag_id(site: Site, published: datetime, first_slug: str) -> str:
    """An article's `tag:` id (RFC 4151): the site's authority, first publication, first slug."""
    return f"tag:{site.id_authority},{published:%Y-%m-%d}:{first_slug}"


# Titles are plain text in every feed: markup would show as literal tags.
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def _document(rel: str, text: str) -> Document | Problem:
    """Parse front matter, or say why it cannot be parsed."""
    try:
        return parse(text)
    except FrontMatterError as failed:
        return error(rel, failed.line, failed.message, failed.hint)


def _read_text(root: Path, rel: str, limit: int) -> str | Problem:
    """A file's text, decoded as UTF-8 (a BOM is fine), or the problem reading it."""
    try:
        data = read_source(root, rel, limit)
    except Unreadable as failed:
        return error(rel, 1, failed.message, failed.hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as failed:
        line = data.count(b"\n", 0, failed.start) + 1
        return error(
            rel,
            line,
            f"the file is not UTF-8 (byte 0x{data[failed.start]:02x})",
            "save the file as UTF-8 in your editor",
        )
