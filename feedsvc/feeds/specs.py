"""What each feed shows: one definition of a feed, whatever its kind and format.

A feed is named by a `urls.FeedKey`; `spec` turns its kind and value into the
feed's subject, titles and articles (or None: no such feed), and `every_feed`
lists every feed a catalog has. Adding a kind of feed is a row in `KINDS` here
and in `urls.KINDS`. A spec's articles are the most a feed shows (`feed_size`);
a feed whose every format must fit in `feed_max_bytes` carries the newest of
them that fit, decided by rendering (`feeds.fit`), and the pages show the same.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from operator import attrgetter

from feedsvc.catalog import Catalog
from feedsvc.feeds.entries import Entry, entry
from feedsvc.model import Article, Author, Site
from feedsvc.urls import FORMATS, FeedKey, Urls

# The date of an empty feed on a site with nothing published yet: fixed, so every
# process writes the same bytes, and plausible (validators flag 1970 as ImplausibleDate).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """What one feed shows, the same in every format."""

    kind: str
    value: str
    title: str
    subtitle: str
    articles: Sequence[Article]  # newest first, at most the site's feed_size
    subject: Author | None = None  # whom an author feed is about

    def first(self, count: int) -> Spec:
        """The same feed showing only its newest `count` articles: the oldest leave first."""
        return (
            self if count >= len(self.articles) else replace(self, articles=self.articles[:count])
        )


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


# Every field of an author, as a plain tuple.
_AUTHOR = attrgetter(*(field.name for field in fields(Author)))


def fingerprint(catalog: Catalog, spec: Spec) -> bytes:
    """Everything a feed's bytes depend on, as a 16-byte digest: equal digests, equal feeds.

    Lets a cache keep a feed across catalogs when what it shows did not change:
    an edit to one author's article leaves other authors' feeds as they are. A digest,
    since the hot path keeps one for every feed, outside the render budget: the values
    themselves took 25 KB for a 50-entry feed (its related links are made anew). It is
    of plain values pickled (which unpickle to the same values: equal digests mean equal
    values; four times faster than their repr), each author once.
    """
    people = {slug: _AUTHOR(catalog.authors[slug]) for a in spec.articles for slug in a.authors}
    parts = (
        spec.kind,
        spec.value,
        repr(catalog.site),  # every field but the tzinfo, whose name is there
        spec.subject and _AUTHOR(spec.subject),
        None if spec.articles else empty_feed_updated(catalog).isoformat(),  # its only date
        sorted(people.items()),
        [
            (
                a.digest,
                a.authors,
                [(x.url, x.title) for x in catalog.related(a)],
                catalog.link_targets(a.links),
            )
            for a in spec.articles
        ],
    )
    return hashlib.blake2b(pickle.dumps(parts, protocol=5), digest_size=16).digest()


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
    by: tuple[str, str]  # whom the feed is by (name, page): its subject, else the site

    @property
    def page(self) -> str:
        """The HTML page that shows this feed."""
        return self.urls.page(self.kind, self.value)

    def url(self, fmt: str) -> str:
        """This feed's own address in a format."""
        return self.urls.feed(FeedKey(self.kind, self.value, fmt))


def empty_feed_updated(catalog: Catalog) -> datetime:
    """The date of a feed with no entries: the `updated` of the site's newest published
    article, else `EMPTY_FEED_UPDATED`. Taken from the content, like every date in a feed."""
    return catalog.articles[0].updated if catalog.articles else EMPTY_FEED_UPDATED


def last_modified(catalog: Catalog, spec: Spec) -> datetime:
    """The feed's HTTP `Last-Modified`, before the server caps it at the current time.

    While a process runs, a feed's bytes change only when a file in the content
    folder does or an article goes live. So this is the newest of: the folder's
    newest file time (`Catalog.changed`; any file counts, since an edit can take an
    article out of a feed and leave no file the feed still shows changed), the
    `updated` of the site's newest published article (never before its `date`, the
    moment it went live: a release changes the feeds it enters and those whose
    related links now reach it), the newest expiry that has passed (an article that
    left), and the feed's own date, so that the header is
    never earlier than the `updated` the feed writes. From the content alone, so
    every process and restart agrees; a step forward where these bytes did not
    change costs a client that sends only If-Modified-Since one download.
    """
    newest = max((article.updated for article in spec.articles), default=catalog.changed)
    return max(catalog.changed, catalog.expired, empty_feed_updated(catalog), newest)


def feed(catalog: Catalog, spec: Spec, make: Callable[[Catalog, Article], Entry] = entry) -> Feed:
    """A spec's articles as entries, each made by `make` (an `EntryCache.get`, say)."""
    return assembled(catalog, spec, tuple(make(catalog, article) for article in spec.articles))


def assembled(catalog: Catalog, spec: Spec, entries: tuple[Entry, ...]) -> Feed:
    """A spec's feed with these entries, made already (its articles' or its newest ones')."""
    updated = max((e.updated for e in entries), default=empty_feed_updated(catalog))
    urls, subject = catalog.urls, spec.subject
    by = (
        (subject.name, subject.url or urls.author(subject.slug))
        if subject
        else (catalog.site.title, urls.page(spec.kind, spec.value))
    )
    return Feed(
        spec.kind,
        spec.value,
        spec.title,
        spec.subtitle,
        catalog.site,
        catalog.urls,
        updated,
        entries,
        by,
    )
