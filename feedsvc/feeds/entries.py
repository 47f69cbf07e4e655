"""An article as a feed entry: what every format and page shows of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape

from feedsvc.catalog import Catalog, Link
from feedsvc.feeds.budget import ITEM_BYTES, RenderBudget, text_bytes
from feedsvc.markup import render, summarize
from feedsvc.model import Article, Author


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
    # None when empty, never "": feeds leave out what an entry does not have (an article
    # with no body has neither) instead of writing an empty element
    summary: str | None  # plain text
    body: str  # the body as HTML, links absolute ("" for none): what the article page shows
    categories: tuple[str, ...]
    image: str | None
    related: tuple[Link, ...]

    @property
    def content(self) -> str | None:
        """The full text as feeds carry it: the image, the body, the "Related" list.

        Put together when asked, so that the body's HTML is kept once (the article page
        shows it alone). Only an image or only related links is content too; markup that
        renders to nothing (a comment) is not.
        """
        content = image_html(self.image) + self.body + related_html(self.related)
        return content if content.strip() else None


def entry(catalog: Catalog, article: Article) -> Entry:
    """An article as a feed entry."""
    urls = catalog.urls
    authors = shown_authors(catalog, article)
    related = catalog.related(article)
    targets = dict(catalog.link_targets(article.links))
    markdown = catalog.body(article)  # fetched once: it may be large
    return Entry(
        id=article.id,
        slug=article.slug,
        title=article.title,
        link=urls.article(article.slug),
        published=article.published,
        updated=article.updated,
        authors=authors,
        author_uris=tuple(a.url or urls.author(a.slug) for a in authors),
        summary=article.summary or summarize(markdown, site=urls.base, targets=targets) or None,
        body=render(markdown, urls.article(article.slug), urls.base, targets),
        categories=article.tags,
        image=urls.absolute(article.image) if article.image else None,
        related=related,
    )


def shown_authors(catalog: Catalog, article: Article) -> tuple[Author, ...]:
    """An article's authors as its entry shows them: without their bios, which no entry
    shows (pages take them from the catalog), so that a bio edit neither renders every
    entry again nor keeps the old bio alive in the entries kept."""
    return tuple(replace(catalog.authors[slug], bio="", links=()) for slug in article.authors)


# "And" in a byline, by primary language subtag (RSS `<language>`, site.yaml's
# `language`); any other language gets "&", which needs no translation.
CONJUNCTIONS: dict[str, str] = {
    "en": "and",
    "de": "und",
    "fr": "et",
    "es": "y",
    "it": "e",
    "nl": "en",
    "pt": "e",
    "sv": "och",
    "da": "og",
    "nb": "og",
    "no": "og",
    "fi": "ja",
    "pl": "i",
}


def byline(names: Sequence[str], language: str) -> str:
    """Names as one byline, in order, as news sites print it: "A", "A and B", "A, B and C";
    the conjunction in the site's `language` (`en`, `en-us`, `de`), else "&"."""
    if len(names) <= 1:
        return "".join(names)
    conjunction = CONJUNCTIONS.get(language.partition("-")[0].lower(), "&")
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def article_html(catalog: Catalog, article: Article) -> str:
    """An article's body as HTML, links resolved against its page and the site."""
    urls, targets = catalog.urls, dict(catalog.link_targets(article.links))
    return render(catalog.body(article), urls.article(article.slug), urls.base, targets)


def image_html(url: str | None) -> str:
    """The lead image, first in the content: most readers ignore media:content."""
    return f'<p><img src="{escape(url)}" alt=""></p>\n' if url else ""


def related_html(links: Iterable[Link]) -> str:
    """The visible "Related" list that ends an entry's content."""
    items = "".join(f'<li><a href="{escape(x.url)}">{escape(x.title)}</a></li>' for x in links)
    return f"\n<h2>Related</h2>\n<ul>{items}</ul>\n" if items else ""


class EntryCache:
    """Entries kept by content, so that an edit renders only the entry it touches.

    The key is everything an entry is made of: the article (its file's digest and
    every field read from it), its authors as shown, its related links as shown and the
    site's URL. Rendering Markdown and sanitizing it is most of a feed's cost; a feed is then
    only its entries reassembled. Authors' bios, which pages show, are kept the same
    way. Both count against the worker's `RenderBudget`, which the hot path's feed
    bytes share; safe to share between threads.
    """

    def __init__(self, budget: RenderBudget | None = None) -> None:
        self.budget = budget if budget is not None else RenderBudget()

    def get(self, catalog: Catalog, article: Article) -> Entry:
        """The entry for `article` as `catalog` shows it, rendered once per content."""
        key = (
            "entry",
            article,
            shown_authors(catalog, article),
            catalog.related(article),
            catalog.link_targets(article.links),
            catalog.urls.base,
        )
        found = self.budget.get(key)
        if isinstance(found, Entry):
            return found
        made = entry(catalog, article)
        # The key holds the article, whose own summary and title may be other texts.
        cost = text_bytes(made.body, made.summary, made.title, article.summary) + ITEM_BYTES
        self.budget.put(key, made, cost)
        return made

    def bio(self, catalog: Catalog, author: Author) -> str:
        """An author's bio as HTML, links resolved against their page: rendered once per
        bio and state of the articles it links to."""
        targets = catalog.link_targets(author.links)
        key = ("bio", author, targets, catalog.urls.base)
        found = self.budget.get(key)
        if isinstance(found, str):
            return found
        urls = catalog.urls
        made = render(author.bio, urls.author(author.slug), urls.base, dict(targets))
        self.budget.put(key, made, text_bytes(made, author.bio) + ITEM_BYTES)
        return made
