"""Feeds: what goes in one (pure data from the catalog), and one writer per format.

The only module that knows feedgen. Rendering never reads the clock and never
does I/O: the same catalog gives the same bytes in every process.

feedgen 1.0.0 needs four things handled, each locked by a test:
- entry links lose `rel`, `title` and `type` in Atom (upstream issue #135), so a
  related link would come out as a second alternate: related links are written
  by our own extension (`_RelatedLinks`), in Atom and (as `atom:link`) in RSS;
- the RSS `<channel><link>` is the last link added: the site page goes last;
- `updated` defaults to now and `add_entry()` prepends: both are set explicitly;
- RSS dates are formatted by switching the process-wide locale, which races with
  other threads: feedgen's formatter is replaced by a locale-free one.
"""

from __future__ import annotations

import email.utils
import mimetypes
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

import feedgen.entry
import feedgen.feed
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedsvc.catalog import Catalog, Link
from feedsvc.markup import render, summarize, xml_text
from feedsvc.model import Article, Author, Site

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
FORMATS = {"rss": RSS_TYPE, "atom": ATOM_TYPE}
GENERATOR = "feedsvc"
ATOM_NS = "http://www.w3.org/2005/Atom"
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)  # a fixed date for a feed with no entries


def _rfc822(date: datetime) -> str:
    """RFC 822 date with English names, whatever the process locale."""
    return email.utils.format_datetime(date)


# feedgen calls `formatRFC2822` by the name it imported; replacing both names
# keeps its locale switching (upstream util.formatRFC2822) out of our process.
feedgen.feed.formatRFC2822 = _rfc822
feedgen.entry.formatRFC2822 = _rfc822


@dataclass(frozen=True)
class Entry:
    """One article as a feed shows it."""

    id: str
    slug: str
    title: str
    link: str
    published: datetime
    updated: datetime
    authors: tuple[Author, ...]
    author_uris: tuple[str, ...]
    summary: str
    content: str  # HTML, links absolute, with the "Related" list at the end
    categories: tuple[str, ...]
    image: str | None
    related: tuple[Link, ...]


@dataclass(frozen=True)
class Feed:
    """Everything in one feed, the same for every format."""

    page: str  # the matching HTML page; the feeds are `rss.xml` and `atom.xml` beside it
    title: str
    subtitle: str
    site: Site
    updated: datetime
    entries: tuple[Entry, ...]

    def url(self, fmt: str) -> str:
        """This feed's own address in a format."""
        return f"{self.page}{fmt}.xml"


def site_feed(catalog: Catalog) -> Feed:
    """The whole site's newest articles."""
    site = catalog.site
    return _feed(catalog, site.url, site.title, site.description, shown(catalog, None))


def author_feed(catalog: Catalog, slug: str) -> Feed | None:
    """One author's newest articles; None for an unknown author."""
    author = catalog.authors.get(slug)
    if author is None:
        return None
    site = catalog.site
    title = f"{author.name} — {site.title}"
    subtitle = f"Articles by {author.name} in {site.title}"
    return _feed(catalog, site.author_url(slug), title, subtitle, shown(catalog, slug))


def shown(catalog: Catalog, author: str | None) -> Sequence[Article]:
    """The articles a feed shows: the newest `feed_size`, of one author or of all."""
    articles = catalog.by_author.get(author, ()) if author else catalog.articles
    return articles[: catalog.site.feed_size]


def fingerprint(catalog: Catalog, author: str | None) -> Hashable:
    """Everything a feed's bytes depend on, cheaply: equal fingerprints, equal feeds.

    Lets a cache keep a feed across catalogs when what it shows did not change:
    an edit to one author's article leaves other authors' feeds as they are.
    """
    return (
        catalog.site,
        catalog.authors.get(author) if author else None,
        tuple(
            (
                article.digest,
                tuple(catalog.authors[slug] for slug in article.authors),
                catalog.related(article),
            )
            for article in shown(catalog, author)
        ),
    )


def _feed(
    catalog: Catalog, page: str, title: str, subtitle: str, articles: Sequence[Article]
) -> Feed:
    """`articles` as a feed."""
    entries = tuple(entry(catalog, article) for article in articles)
    updated = max((e.updated for e in entries), default=EMPTY_FEED_UPDATED)
    return Feed(page, title, subtitle, catalog.site, updated, entries)


def entry(catalog: Catalog, article: Article) -> Entry:
    """An article as a feed entry."""
    site = catalog.site
    authors = tuple(catalog.authors[slug] for slug in article.authors)
    related = catalog.related(article)
    body = article_html(catalog, article)
    image = site.absolute(article.image) if article.image else None
    return Entry(
        id=article.id,
        slug=article.slug,
        title=article.title,
        link=site.article_url(article.slug),
        published=article.published,
        updated=article.updated,
        authors=authors,
        author_uris=tuple(a.url or site.author_url(a.slug) for a in authors),
        summary=article.summary or summarize(catalog.body(article)),
        content=image_html(image) + body + related_html(related),
        categories=article.tags,
        image=image,
        related=related,
    )


def article_html(catalog: Catalog, article: Article) -> str:
    """An article's body as HTML, links resolved against its page."""
    return render(catalog.body(article), catalog.site.article_url(article.slug))


def image_html(url: str | None) -> str:
    """The lead image, first in the content: most readers ignore media:content."""
    return f'<p><img src="{escape(url)}" alt=""></p>\n' if url else ""


def related_html(links: Iterable[Link]) -> str:
    """The visible "Related" list that ends an entry's content."""
    items = "".join(f'<li><a href="{escape(x.url)}">{escape(x.title)}</a></li>' for x in links)
    return f"\n<h2>Related</h2>\n<ul>{items}</ul>\n" if items else ""


# --- writers ---------------------------------------------------------------------------


def rss(feed: Feed) -> bytes:
    """The feed as RSS 2.0."""
    return bytes(_generator(feed, "rss").rss_str(pretty=True))


def atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0 (RFC 4287)."""
    return bytes(_generator(feed, "atom").atom_str(pretty=True))


WRITERS = {"rss": rss, "atom": atom}


def _generator(feed: Feed, fmt: str) -> FeedGenerator:
    """A feedgen generator filled from `feed`, for one format."""
    site = feed.site
    fg = FeedGenerator()
    fg.register_extension("related", _RelatedLinks, _RelatedLinks, atom=True, rss=True)
    fg.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS <author> needs an e-mail
    fg.load_extension("media", atom=True, rss=True)  # media:content for the article image
    fg.id(feed.url("atom"))
    fg.title(xml_text(feed.title))
    fg.subtitle(xml_text(feed.subtitle) or xml_text(feed.title))  # RSS requires a description
    fg.link(href=feed.url(fmt), rel="self", type=FORMATS[fmt])
    fg.link(href=feed.page, rel="alternate", type="text/html")  # last: the RSS channel link
    fg.language(site.language)
    fg.updated(feed.updated)
    fg.generator(GENERATOR)
    fg.ttl(site.ttl)
    if fmt == "atom":
        if site.logo:
            fg.logo(site.logo)
        if site.icon:
            fg.icon(site.icon)
    elif site.icon or site.logo:
        fg.image(site.icon or site.logo)  # RSS caps <image> at 144 px wide: the icon fits
    if site.copyright:
        fg.rights(xml_text(site.copyright))
    for item in feed.entries:
        _add_entry(fg, item, fmt)
    return fg


def _add_entry(fg: FeedGenerator, item: Entry, fmt: str) -> None:
    """Append one entry (feedgen prepends unless told)."""
    fe = fg.add_entry(order="append")
    fe.id(item.id)
    fe.title(xml_text(item.title))
    fe.link(href=item.link, rel="alternate", type="text/html")
    fe.published(item.published)
    fe.updated(item.updated)
    if fmt == "atom":
        for author, uri in zip(item.authors, item.author_uris, strict=True):
            person = {"name": xml_text(author.name), "uri": uri}
            fe.author({**person, "email": author.email} if author.email else person)
        fe.summary(xml_text(item.summary))  # type text: escaped by the XML writer
    else:
        # One dc:creator per author; RSS <author> as well would repeat each name, and
        # two of them in an item are invalid.
        fe.dc.dc_creator([xml_text(a.name) for a in item.authors])
        fe.description(escape(xml_text(item.summary), quote=False))  # RSS: HTML
    fe.content(xml_text(item.content), type="html")
    for tag in item.categories:
        fe.category(term=xml_text(tag))
    if item.image:
        kind = mimetypes.guess_type(item.image)[0] or "image/jpeg"
        fe.media.content(url=item.image, medium="image", type=kind, group=None)
    fe.related.links = item.related


class _RelatedLinks(BaseEntryExtension, BaseExtension):  # type: ignore[misc]
    """Writes an entry's related links with `rel="related"` and a title.

    In Atom a `<link rel="related">`; in RSS an `<atom:link rel="related">` in
    the item (the Atom namespace is already declared on the RSS root).
    """

    def __init__(self) -> None:
        self.links: tuple[Link, ...] = ()

    def extend_atom(self, entry: Any) -> Any:
        """Add the links to an Atom entry."""
        return self._extend(entry, "link")

    def extend_rss(self, item: Any) -> Any:
        """Add the links to an RSS item, in the Atom namespace."""
        return self._extend(item, f"{{{ATOM_NS}}}link")

    def _extend(self, parent: Any, tag: str) -> Any:
        for link in self.links:
            attrs = {"rel": "related", "href": link.url, "title": xml_text(link.title)}
            etree.SubElement(parent, tag, attrs)
        return parent
