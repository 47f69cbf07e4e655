"""Every path the service answers and every absolute URL it writes, from one place.

A feed is named by a `FeedKey`: its kind (`site`, `author`), the kind's value
(an author's slug; empty for the site) and its format. Paths are the service's
own (it answers at `/`); URLs are the site's public `url` joined with them, so a
site under a sub-path (`https://example.com/news/`) keeps it everywhere, with
the proxy in front stripping the prefix.

Adding a kind of feed or a format: a row in `KINDS` or `FORMATS` here, and the
matching row in `feeds.specs.KINDS` or `feeds.writers.WRITERS`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urljoin, urlsplit


@dataclass(frozen=True)
class Format:
    """A feed format as HTTP sees it."""

    name: str
    filename: str  # the last part of every feed path of this format
    media_type: str
    label: str  # what a person calls it, in links and titles


FORMATS: dict[str, Format] = {
    "rss": Format("rss", "rss.xml", "application/rss+xml", "RSS"),
    "atom": Format("atom", "atom.xml", "application/atom+xml", "Atom"),
}

# The page of each kind of feed, below the site's URL; `{}` is the kind's value.
# A kind's feeds sit beside its page: /authors/j-williams/rss.xml.
KINDS: dict[str, str] = {"site": "", "author": "authors/{}/"}
ARTICLE = "articles/{}/"
STATIC = "static/"
MEDIA = "media/"


@dataclass(frozen=True, order=True)
class FeedKey:
    """One feed: of which kind, for which value, in which format."""

    kind: str
    value: str = ""
    fmt: str = "rss"

    def path(self) -> str:
        """The path the service answers this feed at."""
        return "/" + KINDS[self.kind].format(self.value) + FORMATS[self.fmt].filename


def _feed_pattern() -> re.Pattern[str]:
    """One expression matching every feed path of every kind and format."""
    kinds = "|".join(
        f"(?P<{kind}>{re.escape(page).replace(re.escape('{}'), '[^/]+')})"
        for kind, page in KINDS.items()
    )
    files = "|".join(re.escape(f.filename) for f in FORMATS.values())
    return re.compile(rf"^/(?:{kinds})(?P<file>{files})$")


_FEED_PATH = _feed_pattern()
_BY_FILENAME = {f.filename: f.name for f in FORMATS.values()}


def parse_feed_path(path: str) -> FeedKey | None:
    """The feed a request path names, or None; its value is not checked to exist."""
    match = _FEED_PATH.match(path)
    if match is None:
        return None
    fmt = _BY_FILENAME[match["file"]]
    for kind, page in KINDS.items():
        found = match[kind]
        if found is not None:
            prefix, _, suffix = page.partition("{}")
            value = found[len(prefix) : len(found) - len(suffix)] if "{}" in page else ""
            return FeedKey(kind, value, fmt)
    return None  # pragma: no cover - one group always matches


def is_relative(link: str) -> bool:
    """A link that is neither a path of the site nor has a scheme (`cover.png`): in a
    page bundle, a file beside its index."""
    return not link.startswith("/") and ":" not in link


def web_parts(url: str) -> SplitResult:
    """A URL's parts, its host and port checked as a client would use them; ValueError if
    they cannot be: a '[' or ']' outside an IPv6 address, a port that is no number up to
    65535, an empty or overlong label (which makes every redirect to it fail)."""
    parts = urlsplit(url)
    parts.port  # noqa: B018 (raises on a bad port)
    (parts.hostname or "").encode("idna")  # UnicodeError is a ValueError
    return parts


def site_path(link: str) -> str:
    """A path of the site as written in content (`redirect_from`, `permalink`, Hugo's
    `aliases`) or requested, in the one form both are compared in.

    Only the path of a URL counts; it is percent-decoded, starts with '/' and has no
    '.', '..' or empty segments and no trailing '/': `/news/0-20-1/`, `news/0-20-1`
    and `/news//0-20-1` are one path. The site's root is '/'. A URL whose host is not
    one (`//[oops/`) raises ValueError.
    """
    path = unquote(urlsplit(link.strip()).path)
    normal = posixpath.normpath("/" + path)
    return "/" + normal.lstrip("/")


class Urls:
    """Absolute URLs under the site's public `url` (absolute, ending with '/')."""

    def __init__(self, base: str) -> None:
        self.base = base

    def absolute(self, link: str) -> str:
        """A link as written in content or settings, made absolute.

        A path that starts with '/' is a path of the site, so it keeps the site's
        sub-path; anything else resolves as a browser would against the site's URL.
        """
        if link.startswith("/") and not link.startswith("//"):
            return self.base + link[1:]
        return urljoin(self.base, link)

    def resolve(self, link: str, page: str) -> str:
        """A link inside a page's body (`page`: that page's absolute URL), made absolute."""
        if link.startswith("/") and not link.startswith("//"):
            return self.base + link[1:]
        return urljoin(page, link)

    def page(self, kind: str, value: str = "") -> str:
        """The HTML page of a kind of feed (the site's front page, an author's page)."""
        return self.base + KINDS[kind].format(value)

    def feed(self, key: FeedKey) -> str:
        """A feed's own address."""
        return self.base + key.path()[1:]

    def article(self, slug: str) -> str:
        """An article's page."""
        return self.base + ARTICLE.format(slug)

    def author(self, slug: str) -> str:
        """An author's page."""
        return self.page("author", slug)

    def static(self, name: str) -> str:
        """A file the service ships (style sheet, default icons)."""
        return self.base + STATIC + name

    @property
    def home(self) -> str:
        """The front page."""
        return self.base
