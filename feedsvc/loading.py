"""Read the content folder: `site.yaml`, `authors/*.md` and every other `*.md`.

Every problem is collected as a `Problem` (file, line, fix) instead of raised:
a file with an error is left out and the rest loads. Markdown is never
rendered here; bodies stay source text until a feed or page shows them.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml
from dateutil import tz

from feedsvc import fields
from feedsvc.dates import DateError, parse_date
from feedsvc.fields import FieldError
from feedsvc.frontmatter import Document, FrontMatterError, parse
from feedsvc.model import Article, Author, Problem, Severity, Site, quick_pickle

SITE_FILE = "site.yaml"
BASE_URL_VAR = "FEEDSVC_BASE_URL"
AUTHORS_DIR = "authors"

ARTICLE_FIELDS = (
    *("title", "author", "date", "updated", "summary", "tags", "related"),
    *("slug", "id", "draft", "image", "aliases"),
)
AUTHOR_FIELDS = ("name", "email", "url", "avatar")
SITE_FIELDS = (
    *("title", "description", "url", "language", "timezone", "id_authority"),
    *("feed_size", "ttl", "day_first", "logo", "icon", "copyright"),
)


class SiteError(Exception):
    """`site.yaml` is missing or wrong: nothing can be served without it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.format() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Content:
    """Everything read from a content folder: what loaded, and what did not."""

    site: Site
    authors: Mapping[str, Author]
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    bodies: Mapping[str, str] = field(default_factory=dict)  # digest → Markdown

    def body(self, article: Article) -> str:
        """An article's Markdown body."""
        return self.bodies[article.digest]


Stamp = tuple[int, int]  # (mtime in ns, size): a file is re-read only when this changes


@quick_pickle
@dataclass(frozen=True, slots=True)
class FileRead:
    """One content file, read on its own: what it holds (if usable) and its problems."""

    path: str  # relative to the content folder, with '/'
    stamp: Stamp
    problems: tuple[Problem, ...] = ()
    article: Article | None = None
    author: Author | None = None
    claimed_slug: str = ""  # the slug it takes even when broken, so links to it stay valid
    lines: Mapping[str, int] = field(default_factory=dict)  # field → line, for later rules
    body: str = ""  # the article's Markdown, until it is moved to a body store

    def line(self, key: str) -> int:
        """The line of a field, or 1."""
        return self.lines.get(key, 1)


def load(root: Path, base_url: str | None = None) -> Content:
    """Load a content folder; raise `SiteError` only if `site.yaml` is unusable.

    `base_url`, when given, replaces the `url` in `site.yaml` (`FEEDSVC_BASE_URL`).
    """
    site = load_site(root, base_url)
    stamps = scan(root)
    reads = [read_file(root, rel, stamps[rel], site) for rel in sorted(stamps)]
    content = assemble(site, reads)
    bodies = {r.article.digest: r.body for r in reads if r.article}
    return dataclasses.replace(content, bodies=bodies)


def scan(root: Path) -> dict[str, Stamp]:
    """Every author and article file below `root`, with its stamp.

    Names starting with '.' or '_' (editor files, drafts folders) are skipped.
    """
    stamps: dict[str, Stamp] = {}
    for prefix, _, entries in _listing(root):
        for entry in entries:
            if entry.name.endswith(".md") and not entry.is_dir():
                try:
                    info = entry.stat()
                except OSError:
                    continue  # gone since the listing: a later scan sees it
                stamps[prefix + entry.name] = (info.st_mtime_ns, info.st_size)
    return stamps


def folders(root: Path) -> list[str]:
    """Every folder that `scan` enters, relative to `root` with '/' (`root` itself is '.')."""
    return [prefix.rstrip("/") or "." for prefix, _, _ in _listing(root)]


def _listing(root: Path) -> Iterator[tuple[str, str, list[os.DirEntry[str]]]]:
    """Each folder `scan` enters (its prefix, its path) with its visible entries.

    `os.scandir` rather than `os.walk` or pathlib: its entries carry their full
    path and their type, which matters at 100,000 files.
    """
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = [e for e in listing if not e.name.startswith((".", "_"))]
        except OSError:
            continue  # gone or unreadable since its parent was listed
        yield prefix, folder, entries
        pending.extend(
            (f"{prefix}{e.name}/", e.path) for e in entries if e.is_dir() and not e.is_symlink()
        )


def is_source(rel: str) -> bool:
    """A path `scan` would list: a `.md` file, with no part starting with '.' or '_'."""
    return rel.endswith(".md") and not any(part.startswith((".", "_")) for part in rel.split("/"))


def is_author_file(rel: str) -> bool:
    """`authors/<slug>.md`, directly in the authors folder."""
    return rel.startswith(AUTHORS_DIR + "/") and rel.count("/") == 1


def read_file(root: Path, rel: str, stamp: Stamp, site: Site) -> FileRead:
    """Read and check one author or article file on its own."""
    text = _read_text(root, rel)
    if isinstance(text, Problem):
        return FileRead(rel, stamp, (text,), claimed_slug=fields.slugify(Path(rel).stem))
    if is_author_file(rel):
        problems: list[Problem] = []
        author = read_author(rel, text, problems)
        return FileRead(rel, stamp, tuple(problems), author=author)
    return read_article(rel, text, site, stamp)


def assemble(
    site: Site, reads: Iterable[FileRead], last_good: Mapping[str, Article] | None = None
) -> Content:
    """Apply the rules across files to what was read; `last_good` stands in for broken files."""
    reads = sorted(reads, key=attrgetter("path"))
    problems = [p for r in reads for p in r.problems]
    authors = {r.author.slug: r.author for r in reads if r.author}
    article_reads = [r for r in reads if not is_author_file(r.path)]
    articles = link_articles(article_reads, authors, problems, last_good or {})
    return Content(site, authors, articles, tuple(sorted(problems)))


# --- site.yaml -------------------------------------------------------------------


def load_site(root: Path, base_url: str | None = None) -> Site:
    """Read `site.yaml`, with `base_url` over its `url`; raise `SiteError` on any error."""
    path = root / SITE_FILE
    try:
        loader = yaml.CSafeLoader(path.read_text(encoding="utf-8-sig"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node else {}
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise SiteError(
            [_error(SITE_FILE, 1, f"no {SITE_FILE} in {root}", "create it; see the README")]
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SiteError(
            [_error(SITE_FILE, 1, f"cannot read it: {error}", "fix the YAML")]
        ) from None
    if not isinstance(data, dict):
        raise SiteError([_error(SITE_FILE, 1, "it is not a list of settings", "see the README")])
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value} if node else {}
    origins = dict.fromkeys(data, SITE_FILE)
    if base_url:
        data["url"], origins["url"], lines["url"] = base_url, BASE_URL_VAR, 1
    problems = _unknown_fields(SITE_FILE, data, lines, SITE_FIELDS)
    values = _site_values(data, lines, origins, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        raise SiteError(problems)
    return Site(**values)


def _site_values(
    data: dict[str, Any], lines: dict[str, int], origins: dict[str, str], problems: list[Problem]
) -> dict[str, Any]:
    """Check each setting; return the keyword arguments for `Site`."""
    values: dict[str, Any] = {}
    readers: dict[str, tuple[Callable[[object], Any], Any]] = {
        "title": (lambda v: fields.text(v, "title"), ...),
        "description": (lambda v: fields.text(v, "description"), ""),
        "url": (_site_url, ...),
        "language": (_language, "en"),
        "timezone": (_timezone, "UTC"),
        "id_authority": (_authority, ...),
        "feed_size": (lambda v: _positive(v, "feed_size"), 50),
        "ttl": (lambda v: _positive(v, "ttl"), 5),
        "day_first": (lambda v: fields.flag(v, "day_first"), False),
        "logo": (lambda v: fields.link(v, "logo"), None),
        "icon": (lambda v: fields.link(v, "icon"), None),
        "copyright": (lambda v: fields.text(v, "copyright"), None),
    }
    for name, (reader, default) in readers.items():
        where = origins.get(name, SITE_FILE)
        if name not in data:
            if default is ...:
                problems.append(_error(where, 1, f"'{name}' is missing", f"add '{name}: …'"))
            values[name] = default
            continue
        try:
            values[name] = reader(data[name])
        except FieldError as error:
            problems.append(_error(where, lines.get(name, 1), error.message, error.hint))
    if isinstance(values.get("timezone"), str):
        values["timezone_name"] = values["timezone"]
        values["timezone"] = tz.gettz(values["timezone"])
    for key in ("logo", "icon"):
        if values.get(key) and isinstance(values.get("url"), str):
            values[key] = urljoin(values["url"], values[key])
    return values


def _site_url(value: object) -> str:
    """The public base URL, always ending with '/'."""
    url = fields.web_url(value, "url")
    return url if url.endswith("/") else url + "/"


def _language(value: object) -> str:
    """A language tag such as `en` or `en-us` (RSS 2.0 `<language>`)."""
    result = fields.text(value, "language")
    parts = result.split("-")
    if not (parts[0].isalpha() and 2 <= len(parts[0]) <= 3 and all(p.isalnum() for p in parts)):
        raise FieldError(f"'{result}' is not a language tag", "write a tag such as en or en-us")
    return result.lower()


def _timezone(value: object) -> str:
    """An IANA time zone name that this machine knows."""
    result = fields.text(value, "timezone")
    if tz.gettz(result) is None:
        raise FieldError(
            f"unknown time zone '{result}'", "use an IANA name such as Europe/Paris or UTC"
        )
    return result


def _authority(value: object) -> str:
    """The domain in `tag:` ids: a bare host name, fixed for the site's life."""
    result = fields.text(value, "id_authority").lower()
    if not all(part.replace("-", "").isalnum() for part in result.split(".")):
        raise FieldError(
            f"'{result}' is not a domain name",
            "write the site's domain alone, e.g. news.example.org (no https://, no path)",
        )
    return result


def _positive(value: object, name: str) -> int:
    """A whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldError(f"'{name}' must be a whole number of at least 1", f"write {name}: 50")
    return value


# --- authors/*.md ------------------------------------------------------------------


def read_author(rel: str, text: str, problems: list[Problem]) -> Author | None:
    """Parse one author file; append its problems; None if it has an error."""
    document = _document(rel, text, problems)
    if document is None:
        return None
    found = _Fields(rel, document, problems, AUTHOR_FIELDS)
    name = found.required("name", fields.text)
    email = found.optional("email", fields.email)
    url = found.optional("url", fields.web_url)
    avatar = found.optional("avatar", fields.link)
    slug = fields.slugify(Path(rel).stem)
    if found.failed or name is None:
        return None
    return Author(slug, name, email, url, avatar, document.body)


# --- articles -------------------------------------------------------------------------


def read_article(rel: str, text: str, site: Site, stamp: Stamp = (0, 0)) -> FileRead:
    """Parse and check one article file on its own (no cross-file rules)."""
    problems: list[Problem] = []
    fallback_slug = fields.slugify(Path(rel).stem)
    document = _document(rel, text, problems)
    if document is None:
        return FileRead(rel, stamp, tuple(problems), claimed_slug=fallback_slug)
    found = _Fields(rel, document, problems, ARTICLE_FIELDS)
    slug = found.optional("slug", fields.slug) or fallback_slug
    title = found.required("title", fields.text)
    authors = found.required("author", fields.slug_list)
    published = found.required("date", lambda v, _: _date(v, site, found, "date"))
    updated = found.optional("updated", lambda v, _: _date(v, site, found, "updated"))
    aliases = found.optional("aliases", fields.slug_list) or ()
    article_id = found.optional("id", fields.uri)
    extra = {
        "summary": found.optional("summary", fields.text),
        "tags": found.optional("tags", fields.text_list) or (),
        "related": found.optional("related", lambda v, _: fields.related(v)) or (),
        "image": found.optional("image", fields.link),
        "draft": found.optional("draft", fields.flag) or False,
    }
    if title and _LOOKS_LIKE_HTML.search(title):
        found.warn("title", "the title contains HTML or an entity", "write titles as plain text")
    if found.failed or title is None or authors is None or published is None:
        return FileRead(rel, stamp, tuple(problems), claimed_slug=slug, lines=document.lines)
    if updated is None:
        updated = published
    elif updated < published:
        found.warn("updated", "'updated' is before 'date'", "check both dates; 'date' is used")
        updated = published
    article = Article(
        slug=slug,
        id=article_id or tag_id(site, published, aliases[0] if aliases else slug),
        title=title,
        authors=authors,
        published=published,
        updated=updated,
        source=rel,
        digest=hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(),
        aliases=aliases,
        **extra,
    )
    return FileRead(
        rel,
        stamp,
        tuple(problems),
        article,
        claimed_slug=slug,
        lines=document.lines,
        body=document.body,
    )


def tag_id(site: Site, published: datetime, first_slug: str) -> str:
    """An article's `tag:` id (RFC 4151): the site's authority, first publication, first slug."""
    return f"tag:{site.id_authority},{published:%Y-%m-%d}:{first_slug}"


def _date(value: object, site: Site, found: _Fields, name: str) -> datetime:
    """A date field, with its correction (if any) reported as a warning."""
    try:
        parsed = parse_date(value, site.timezone, day_first=site.day_first)
    except DateError as error:
        raise FieldError(f"'{name}': {error.message}", error.hint) from None
    if parsed.warning:
        found.warn(name, parsed.warning, "write the time you mean, with its UTC offset")
    return parsed.value


def link_articles(
    reads: Iterable[FileRead],
    authors: Mapping[str, Author],
    problems: list[Problem],
    last_good: Mapping[str, Article],
) -> tuple[Article, ...]:
    """Apply the rules that span files: authors exist, slugs and ids unique, links resolve.

    A file whose current version breaks a rule keeps its last good version, if it
    had one, so that an edit elsewhere (a deleted article) never takes it down.
    """
    reads = sorted(reads, key=attrgetter("path"))
    current = [r.article for r in reads if r.article]
    served = [a for r in reads if (a := last_good.get(r.path))]
    claimed = {r.claimed_slug for r in reads}
    claimed.update(alias for a in (*current, *served) for alias in a.aliases)
    if _nothing_to_report(reads, current, authors, claimed, last_good):
        return tuple(current)
    versions = {r.path: _versions(r.article, last_good.get(r.path)) for r in reads}
    owners: dict[str, str] = {}  # slug, alias or id → the file that has it
    kept: list[Article] = []
    for read in reads:
        for candidate in versions[read.path]:
            if not _passes(candidate, authors, owners, claimed):
                errors = [*_author_errors(candidate, authors)]
                errors += _uniqueness_errors(candidate, owners)
                dangling = list(_dangling(candidate, claimed))
                if candidate is read.article:
                    for key, message, hint in errors + dangling:
                        problems.append(_error(read.path, read.line(key), message, hint, key))
                # A version already served stays up when a link target goes away; the
                # catalog leaves the dead link out.
                if errors or (dangling and candidate is not last_good.get(read.path)):
                    continue
            owners.update(dict.fromkeys(article_keys(candidate), read.path))
            kept.append(candidate)
            if candidate is not read.article:
                problems.append(_warning(read.path, 1, KEPT, "fix the errors above"))
            break
    return tuple(kept)


# Titles are plain text in every feed: markup would show as literal tags.
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
KEPT = "the last good version of this file is served until its errors are fixed"


def _nothing_to_report(
    reads: list[FileRead],
    current: list[Article],
    authors: Mapping[str, Author],
    claimed: set[str],
    last_good: Mapping[str, Article],
) -> bool:
    """Whether every file's current version passes every rule and no file falls back
    to its last good one: then the rules keep exactly the current versions.

    The common case, checked with a few set operations over the whole corpus: a
    third of the time of the file-by-file way, which any doubt falls back to.
    """
    if any(r.article is None and r.path in last_good for r in reads):
        return False
    # The keys of `article_keys`, listed without it for speed: an article whose alias
    # repeats its own slug only sends the check the file-by-file way.
    keys = [a.slug for a in current] + [a.id for a in current]
    keys += [alias for a in current for alias in a.aliases]
    return (
        len(set(keys)) == len(keys)
        and authors.keys() >= {slug for a in current for slug in a.authors}
        and claimed.issuperset(link.slug for a in current for link in a.related if link.slug)
    )


def article_keys(article: Article) -> tuple[str, ...]:
    """What no two articles may share: slug, aliases and id, each once (an alias may
    repeat the article's own slug)."""
    return tuple(dict.fromkeys((article.slug, *article.aliases, article.id)))


def _passes(
    article: Article, authors: Mapping[str, Author], owners: Mapping[str, str], claimed: set[str]
) -> bool:
    """Whether the rules below find nothing: checked without building messages, as
    almost every article passes and a relink checks all of them."""
    return (
        article.slug not in owners
        and article.id not in owners
        and owners.keys().isdisjoint(article.aliases)
        and authors.keys() >= set(article.authors)
        and claimed.issuperset([r.slug for r in article.related if r.slug])
    )


def _versions(current: Article | None, served: Article | None) -> list[Article]:
    """The current version first, then the one served before if it differs."""
    found = [current] if current else []
    return [*found, served] if served and served is not current else found


def _author_errors(
    article: Article, authors: Mapping[str, Author]
) -> Iterable[tuple[str, str, str]]:
    """Each author slug that has no valid `authors/<slug>.md`."""
    for slug in article.authors:
        if slug not in authors:
            close = difflib.get_close_matches(slug, authors, n=1)
            yield (
                "author",
                f"unknown author '{slug}'",
                f"did you mean '{close[0]}'?"
                if close
                else f"create {AUTHORS_DIR}/{slug}.md with a 'name', or fix the slug",
            )


def _uniqueness_errors(
    article: Article, owners: Mapping[str, str]
) -> Iterable[tuple[str, str, str]]:
    """Slugs, aliases and ids that an earlier file already has."""
    for key, value in (
        ("slug", article.slug),
        *(("aliases", a) for a in article.aliases),
        ("id", article.id),
    ):
        if value in owners:
            yield (
                key,
                f"{'alias' if key == 'aliases' else key} '{value}' is already used by "
                f"{owners[value]}",
                f"give this article another {'id' if key == 'id' else 'slug'}",
            )


def _dangling(article: Article, claimed: set[str]) -> Iterable[tuple[str, str, str]]:
    """`related` slugs that no article file has."""
    for slug in (r.slug for r in article.related if r.slug and r.slug not in claimed):
        close = difflib.get_close_matches(slug, claimed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "use an existing article's slug"
        yield "related", f"related article '{slug}' does not exist", hint


# --- shared helpers --------------------------------------------------------------


class _Fields:
    """Reads a document's fields one by one, recording problems at each field's line."""

    def __init__(
        self, rel: str, document: Document, problems: list[Problem], known: Iterable[str]
    ) -> None:
        self.rel, self.document, self.problems = rel, document, problems
        self.failed = False
        problems.extend(_unknown_fields(rel, document.fields, document.lines, known))
        for key, line in document.duplicate_keys:
            problems.append(
                _warning(rel, line, f"'{key}' is given twice", "keep one; the last one is used")
            )

    def required(self, name: str, reader: Callable[[object, str], Any]) -> Any:
        """A field that must be there."""
        if name not in self.document.fields:
            self.failed = True
            self.problems.append(
                _error(self.rel, 1, f"'{name}' is missing", f"add a line '{name}: …'", name)
            )
            return None
        return self.optional(name, reader)

    def optional(self, name: str, reader: Callable[[object, str], Any]) -> Any:
        """A field that may be absent (None); a present but unusable one is an error."""
        if name not in self.document.fields:
            return None
        try:
            return reader(self.document.fields[name], name)
        except FieldError as error:
            self.failed = True
            self.problems.append(
                _error(self.rel, self.document.line(name), error.message, error.hint, name)
            )
            return None

    def warn(self, name: str, message: str, hint: str) -> None:
        """Record a warning at a field's line."""
        self.problems.append(_warning(self.rel, self.document.line(name), message, hint, name))


def _document(rel: str, text: str, problems: list[Problem]) -> Document | None:
    """Parse front matter, or record why it cannot be parsed."""
    try:
        return parse(text)
    except FrontMatterError as error:
        problems.append(_error(rel, error.line, error.message, error.hint))
        return None


def _unknown_fields(
    rel: str, data: Mapping[str, Any], lines: Mapping[str, int], known: Iterable[str]
) -> list[Problem]:
    """Warn about fields nobody reads, usually typos."""
    known = list(known)
    problems = []
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(known)}"
            problems.append(_warning(rel, lines.get(str(key), 1), f"unknown field '{key}'", hint))
    return problems


def _read_text(root: Path, rel: str) -> str | Problem:
    """A file's text, decoded as UTF-8 (a BOM is fine), or the problem reading it."""
    try:
        data = (root / rel).read_bytes()
    except OSError as error:
        return _error(
            rel, 1, f"cannot read the file: {error.strerror}", "check it exists and is readable"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return _error(
            rel,
            line,
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x})",
            "save the file as UTF-8 in your editor",
        )


def _error(path: str, line: int, message: str, hint: str, key: str | None = None) -> Problem:
    return Problem(path, line, Severity.ERROR, message, hint, key)


def _warning(path: str, line: int, message: str, hint: str, key: str | None = None) -> Problem:
    return Problem(path, line, Severity.WARNING, message, hint, key)
