"""What each feed shows: one definition of a feed, whatever its kind and format.

A feed is named by a `urls.FeedKey`; `spec` turns its kind and value into the
feed's subject, titles and articles (or None: no such feed), and `every_feed`
lists every feed a catalog has. Adding a kind of feed is a row in `KINDS` here
and in `urls.KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedsvc.catalog import Catalog
from feedsvc.feeds.entries import Entry, entry
from feedsvc.model import Article, Author, Site
from feedsvc.urls import FORMATS, FeedKey, Urls

EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)  # a fixed date for a feed with no entries


@dataclass(frozen=True)
class Spec:
    """What one feed shows, the same in every format."""

    kind: str
    value: str
    title: str
    subtitle: str
    articles: Sequence[Article]  # newest first, at most the site's feed_size
    subject: Author | None = None  # whom an author feed is about


@dataclass(frozen=True)
class Kind:
    """A kind of feed: the values it has in a catalog, and the spec of one."""

    values: Callable[[Catalog], Iterable[str]]
    spec: Callable[[Catalog, str], Spec | None]


def _site(catalog: Catalog, value: str) -> Spec | None:
    """The whole site's newest articles."""
    if value:
        return None
    site = catalog.site
    return Spec("site", "", site.title, site.description, catalog.articles[: site.feed_size])


def _author(catalog: Catalog, slug: str) -> Spec | None:
    """One author's newest articles; None for an unknown author."""
    author = catalog.authors.get(slug)
    if author is None:
        return None
    site = catalog.site
    return Spec(
        "author",
        slug,
        f"{author.name} — {site.title}",
        f"Articles by {author.name} in {site.title}",
        catalog.by_author.get(slug, ())[: site.feed_size],
        author,
    )


KINDS: dict[str, Kind] = {
    "site": Kind(lambda catalog: [""], _site),
    "author": Kind(lambda catalog: catalog.authors, _author),
}


def spec(catalog: Catalog, kind: str, value: str = "") -> Spec | None:
    """The feed of `kind` for `value`, or None if the catalog has no such feed."""
    found = KINDS.get(kind)
    return found.spec(catalog, value) if found else None


def every_feed(catalog: Catalog) -> Iterator[FeedKey]:
    """Every feed the catalog has, in every format."""
    for kind, found in KINDS.items():
        for value in found.values(catalog):
            for fmt in FORMATS:
                yield FeedKey(kind, value, fmt)


def fingerprint(catalog: Catalog, spec: Spec) -> Hashable:
    """Everything a feed's bytes depend on, cheaply: equal fingerprints, equal feeds.

    Lets a cache keep a feed across catalogs when what it shows did not change:
    an edit to one author's article leaves other authors' feeds as they are.
    """
    return (
        spec.kind,
        spec.value,
        catalog.site,
        spec.subject,
        tuple(
            (
                article.digest,
                tuple(catalog.authors[slug] for slug in article.authors),
                catalog.related(article),
            )
            for article in spec.articles
        ),
    )


@dataclass(frozen=True)
class Feed:
    """Everything in one feed, ready for any format's writer."""

    kind: str
    value: str
    title: str
    subtitle: str
    site: Site
    urls: Urls
    updated: datetime
    entries: tuple[Entry, ...]

    @property
    def page(self) -> str:
        """The HTML page that shows this feed."""
        return self.urls.page(self.kind, self.value)

    def url(self, fmt: str) -> str:
        """This feed's own address in a format."""
        return self.urls.feed(FeedKey(self.kind, self.value, fmt))


def feed(catalog: Catalog, spec: Spec, make: Callable[[Catalog, Article], Entry] = entry) -> Feed:
    """A spec's articles as entries, each made by `make` (an `EntryCache.get`, say)."""
    entries = tuple(make(catalog, article) for article in spec.articles)
    updated = max((e.updated for e in entries), default=EMPTY_FEED_UPDATED)
    return Feed(
        spec.kind,
        spec.value,
        spec.title,
        spec.subtitle,
        catalog.site,
        catalog.urls,
        updated,
        entries,
    )
