"""One writer per format: a `Feed` → bytes. The only module that knows feedgen.

Writing never reads the clock and never does I/O: the same feed gives the same
bytes in every process. Adding a format is a row in `WRITERS` here and in
`urls.FORMATS`.

feedgen 1.0.0 needs five things handled, each locked by a test:
- entry links lose `rel`, `title` and `type` in Atom (upstream issue #135), so a
  related link would come out as a second alternate: related links are written
  by our own extension (`_RelatedLinks`), in Atom and (as `atom:link`) in RSS;
- an RSS item with content and no description gets its content as the
  `<description>`, where readers take it for a summary: such an item's
  `content:encoded` is written by our own extension (`_ContentOnly`);
- the RSS `<channel><link>` is the last link added: the site page goes last;
- `updated` defaults to now and `add_entry()` prepends: both are set explicitly;
- RSS dates are formatted by switching the process-wide locale, which races with
  other threads: feedgen's formatter is replaced by a locale-free one.
"""

from __future__ import annotations

import email.utils
import mimetypes
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

import feedgen.entry
import feedgen.feed
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedsvc.catalog import Link
from feedsvc.feeds.entries import Entry, byline
from feedsvc.feeds.specs import Feed
from feedsvc.markup import xml_text
from feedsvc.urls import FORMATS

GENERATOR = "feedsvc"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"  # feedgen declares it on the root


def _rfc822(date: datetime) -> str:
    """RFC 822 date with English names, whatever the process locale."""
    return email.utils.format_datetime(date)


# feedgen calls `formatRFC2822` by the name it imported; replacing both names
# keeps its locale switching (upstream util.formatRFC2822) out of our process.
feedgen.feed.formatRFC2822 = _rfc822
feedgen.entry.formatRFC2822 = _rfc822


def rss(feed: Feed) -> bytes:
    """The feed as RSS 2.0."""
    return bytes(_generator(feed, "rss").rss_str(pretty=True))


def atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0 (RFC 4287)."""
    return bytes(_generator(feed, "atom").atom_str(pretty=True))


WRITERS: dict[str, Callable[[Feed], bytes]] = {"rss": rss, "atom": atom}


def _generator(feed: Feed, fmt: str) -> FeedGenerator:
    """A feedgen generator filled from `feed`, for one format."""
    site = feed.site
    fg = FeedGenerator()
    fg.register_extension("related", _RelatedLinks, _RelatedLinks, atom=True, rss=True)
    fg.register_extension("content_only", _ContentOnly, _ContentOnly, atom=False, rss=True)
    fg.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS <author> needs an e-mail
    fg.load_extension("media", atom=True, rss=True)  # media:content for the article image
    fg.id(feed.url("atom"))
    fg.title(xml_text(feed.title))
    subtitle = xml_text(feed.subtitle) or xml_text(feed.title)  # RSS requires a description
    # RSS <description> is HTML (readers, feedparser among them, render it): the text
    # is escaped as HTML once more, so that an author's `<script>` shows as text. In
    # Atom, <subtitle> is type text and the XML escaping alone is right.
    fg.subtitle(_html(subtitle) if fmt == "rss" else subtitle)
    fg.link(href=feed.url(fmt), rel="self", type=FORMATS[fmt].media_type)
    fg.link(href=feed.page, rel="alternate", type="text/html")  # last: the RSS channel link
    fg.language(site.language)
    fg.updated(feed.updated)
    fg.generator(GENERATOR)
    fg.ttl(site.ttl)
    if fmt == "atom":
        if not feed.entries:  # RFC 4287 §4.1.1: no entry names an author, so the feed does
            name, page = feed.by
            fg.author({"name": xml_text(name), "uri": page})
        if site.logo:
            fg.logo(site.logo)
        if site.icon:
            fg.icon(site.icon)
    elif site.icon or site.logo:
        fg.image(site.icon or site.logo)  # RSS caps <image> at 144 px wide: the icon fits
    if site.copyright:
        fg.rights(xml_text(site.copyright))
    for item in feed.entries:
        _add_entry(fg, item, fmt, site.language)
    return fg


def _add_entry(fg: FeedGenerator, item: Entry, fmt: str, language: str) -> None:
    """Append one entry (feedgen prepends unless told)."""
    fe = fg.add_entry(order="append")
    fe.id(item.id)
    fe.title(xml_text(item.title))
    fe.link(href=item.link, rel="alternate", type="text/html")
    fe.published(item.published)
    fe.updated(item.updated)
    if fmt == "atom":
        # One <author> each, as RFC 4287 has it: readers list them all.
        for author, uri in zip(item.authors, item.author_uris, strict=True):
            person = {"name": xml_text(author.name), "uri": uri}
            fe.author({**person, "email": author.email} if author.email else person)
        if item.summary:  # an empty <summary> is one readers show as a blank line
            fe.summary(xml_text(item.summary))  # type text: escaped by the XML writer
    else:
        # One dc:creator with the whole byline: readers (feedparser's among them) show
        # only one; RSS <author> as well would repeat the names, and must be an e-mail.
        fe.dc.dc_creator(xml_text(byline([a.name for a in item.authors], language)))
        if item.summary:  # the item has a title, which is all RSS asks without one
            fe.description(_html(xml_text(item.summary)))  # RSS: HTML
    if item.content and fmt == "rss" and not item.summary:
        fe.content_only.content = xml_text(item.content)  # not as feedgen's <description>
    elif item.content:  # without it, Atom needs the alternate link, which every entry has
        fe.content(xml_text(item.content), type="html")
    for tag in item.categories:
        fe.category(term=xml_text(tag))
    if item.image:
        kind = mimetypes.guess_type(item.image)[0] or "image/jpeg"
        fe.media.content(url=item.image, medium="image", type=kind, group=None)
    fe.related.links = item.related


def _html(text: str) -> str:
    """Plain text as HTML that shows it as it is."""
    return escape(text, quote=False)


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


class _ContentOnly(BaseEntryExtension, BaseExtension):  # type: ignore[misc]
    """Writes the `content:encoded` of an RSS item that has no description.

    Given content and no description, feedgen writes the content as the item's
    `<description>`; the item then seems to have a summary, which it does not.
    """

    def __init__(self) -> None:
        self.content: str | None = None

    def extend_rss(self, item: Any) -> Any:
        """Add the content to an RSS item (nothing for the channel, which has none)."""
        if self.content:
            etree.SubElement(item, f"{{{CONTENT_NS}}}encoded").text = self.content
        return item
