"""One content file on its own → an `Article` or an `Author`, through a per-field table
(`schema.ARTICLE_FIELDS`, which also says what Jekyll's and Hugo's fields mean here).

Every problem is collected as a `Problem` (file, line, fix) instead of raised.
The rules that span files (authors exist, slugs unique) are `rules`' job.
Markdown is never rendered here; bodies stay source text.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedsvc import shortcodes
from feedsvc.loading import conventions, fields, tagcheck
from feedsvc.loading.discover import (
    AUTHORS_DIR,
    Stamp,
    folder_problem,
    is_author_file,
    is_folder,
)
from feedsvc.loading.frontmatter import Document, FrontMatterError, parse
from feedsvc.loading.schema import ARTICLE_FIELDS, AUTHOR_FIELDS, REDIRECT_FIELDS
from feedsvc.loading.source import Unreadable, read_source
from feedsvc.loading.table import FILE_DATE, SITE_AUTHOR, Reading, read_fields
from feedsvc.model import Article, Author, Problem, Site, error, quick_pickle
from feedsvc.names import FileName, bundle_of, file_name, slugify, stem_of_file
from feedsvc.urls import ARTICLE, is_relative

log = logging.getLogger(__name__)

# A file in a folder inside authors/ is neither an author (authors/<slug>.md) nor an article.
IN_AUTHORS_FOLDER = "a file in a folder inside authors/ is not read"
IN_AUTHORS_HINT = "an author is authors/<slug>.md: move it there, or out of authors/"

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
    if rel.startswith(AUTHORS_DIR + "/") and not is_author_file(rel):
        return FileRead(rel, stamp, (error(rel, 1, IN_AUTHORS_FOLDER, IN_AUTHORS_HINT),))
    text = _read_text(root, rel, site.max_file_size)
    if isinstance(text, Problem):
        return FileRead(rel, stamp, (text,))
    if is_author_file(rel):
        return read_author(rel, text, stamp)
    return read_article(rel, text, site, stamp)


# An author's slug is its file's name as it is: anything safe in a URL path segment.
_AUTHOR_SLUG = re.compile(r"^[\w.~-]+$")


def read_author(rel: str, text: str, stamp: Stamp = (0, 0)) -> FileRead:
    """Parse one author file: `authors/<slug>.md`, the slug being the file's name."""
    document = _document(rel, text)
    if isinstance(document, Problem):
        return FileRead(rel, stamp, (document,))
    reading = Reading(rel, document, None)
    values = read_fields(reading, AUTHOR_FIELDS)
    slug = stem_of_file(rel.rpartition("/")[2])
    if not _AUTHOR_SLUG.match(slug) or slug.strip(".") == "" or len(slug) > fields.SLUG_MAX:
        suggestion = slugify(slug)[: fields.SLUG_MAX] or "jane-doe"
        reading.problems.append(
            error(
                rel,
                1,
                f"the file name '{fields.excerpt(slug)}' cannot be an author's slug, "
                "which is part of a URL",
                f"rename the file {suggestion}{rel[rel.rindex(slug) + len(slug) :]}",
            )
        )
        values = None
    author = None
    if values is not None:
        links = tuple(sys.intern(s) for s in shortcodes.scan(document.body).targets)
        author = Author(sys.intern(slug), bio=document.body, links=links, **values)
    return FileRead(rel, stamp, tuple(reading.problems), author=author, lines=_flat(document.lines))


def read_article(rel: str, text: str, site: Site, stamp: Stamp = (0, 0)) -> FileRead:
    """Parse and check one article file on its own (no cross-file rules)."""
    document = _document(rel, text)
    if isinstance(document, Problem):
        return FileRead(rel, stamp, (document,))
    name = file_name(rel)
    implied: dict[str, object] = {}
    if name.date is not None:
        implied[FILE_DATE] = name.date.isoformat()
    if site.author is not None:
        implied[SITE_AUTHOR] = site.author
    reading = Reading(rel, document, site, implied)
    values = read_fields(reading, ARTICLE_FIELDS, conventions.PRESENTATION)
    title = values["title"] if values else None
    if isinstance(title, str) and _LOOKS_LIKE_HTML.search(title):
        reading.warn("title", "the title contains HTML or an entity", "write titles as plain text")
    if values is None:
        return FileRead(rel, stamp, tuple(reading.problems), lines=_flat(document.lines))
    tags = tagcheck.check(rel, text, document.body)
    article, lines = _article(reading, values, name, text, tags.links)
    lines.update(tags.lines)
    problems = (*reading.problems, *tags.problems)
    return FileRead(rel, stamp, problems, article, lines=_flat(lines), body=document.body)


def _article(
    reading: Reading, values: dict[str, Any], name: FileName, text: str, links: tuple[str, ...]
) -> tuple[Article, dict[str, int]]:
    """The article from its fields' values, and the line of each field and redirect."""
    rel, document, site = reading.rel, reading.document, reading.site
    assert site is not None
    day: datetime = values.pop("date")  # the id's date, whenever the article goes live
    live: datetime | None = values.pop("publishDate")
    published = max(day, live) if live else day
    updated: datetime = values.pop("updated") or published
    if updated < day:
        source = reading.source["updated"]
        reading.warn(source, f"'{source}' is before 'date'", "check both dates; 'date' is used")
    updated = max(updated, published)
    expires: datetime | None = values.pop("expiryDate")
    if expires is not None and expires <= published:
        reading.warn(
            "expiryDate",
            "'expiryDate' is not after the article goes live, so it never shows",
            "check both dates, or remove 'expiryDate'",
        )
    listed, own_draft = values.pop("published"), values.pop("draft")
    draft = own_draft if "draft" in reading.source else listed is False  # `draft` wins
    own_slug = values.pop("slug")
    slug = own_slug or name.slug
    aliases, alias_paths = values.pop("aliases")
    if own_slug is None and name.old is not None and name.old not in aliases:
        # The dated name it had: its old URL redirects, and without older aliases it is
        # the id's slug, as before dates were read from file names.
        aliases = (*aliases, sys.intern(name.old))
    lines = dict(document.lines)
    redirects: dict[str, None] = {}
    for field in REDIRECT_FIELDS:
        for path in alias_paths if field == "aliases" else values.pop(field):
            redirects[path] = None
            lines.setdefault(path, document.line(field))  # for a collision's message
    image = values.pop("image")
    if image is not None and is_relative(image):
        image = posixpath.normpath("/" + ARTICLE.format(slug) + image)  # a bundle's file
    article = Article(
        slug=slug,
        id=values.pop("id") or tag_id(site, day, aliases[0] if aliases else slug),
        authors=values.pop("author"),
        published=published,
        updated=updated,
        source=rel,
        digest=hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(),
        image=image,
        aliases=aliases,
        draft=draft,
        expires=expires,
        redirects=tuple(redirects),
        bundle=bundle_of(rel),
        links=links,
        **values,
    )
    return article, lines


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
