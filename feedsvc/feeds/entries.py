"""An article as a feed entry: what every format and page shows of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from feedsvc.catalog import Catalog, Link
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
    content: str | None  # HTML, links absolute, with the "Related" list at the end
    categories: tuple[str, ...]
    image: str | None
    related: tuple[Link, ...]


def entry(catalog: Catalog, article: Article) -> Entry:
    """An article as a feed entry."""
    urls = catalog.urls
    authors = tuple(catalog.authors[slug] for slug in article.authors)
    related = catalog.related(article)
    body = article_html(catalog, article)
    image = urls.absolute(article.image) if article.image else None
    # Only an image or only related links is content too; markup that renders to
    # nothing (a comment) is not.
    content = image_html(image) + body + related_html(related)
    return Entry(
        id=article.id,
        slug=article.slug,
        title=article.title,
        link=urls.article(article.slug),
        published=article.published,
        updated=article.updated,
        authors=authors,
        author_uris=tuple(a.url or urls.author(a.slug) for a in authors),
        summary=article.summary or summarize(catalog.body(article)) or None,
        content=content if content.strip() else None,
        categories=article.tags,
        image=image,
        related=related,
    )


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
    urls = catalog.urls
    return render(catalog.body(article), urls.article(article.slug), urls.base)


def image_html(url: str | None) -> str:
    """The lead image, first in the content: most readers ignore media:content."""
    return f'<p><img src="{escape(url)}" alt=""></p>\n' if url else ""


def related_html(links: Iterable[Link]) -> str:
    """The visible "Related" list that ends an entry's content."""
    items = "".join(f'<li><a href="{escape(x.url)}">{escape(x.title)}</a></li>' for x in links)
    return f"\n<h2>Related</h2>\n<ul>{items}</ul>\n" if items else ""
