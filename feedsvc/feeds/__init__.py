"""Feeds as pure functions from a catalog to bytes.

`specs` says what each feed shows (one definition, whatever its kind), `entries`
turns an article into an entry, and `writers` holds one writer per format; `fit`
cuts a feed to the site's size budget, the same in every format.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from feedsvc.catalog import Catalog
from feedsvc.feeds.budget import RenderBudget
from feedsvc.feeds.entries import Entry, EntryCache, article_html, entry
from feedsvc.feeds.specs import Feed, Spec, assembled, every_feed, feed, fingerprint, spec
from feedsvc.feeds.writers import WRITERS
from feedsvc.model import Article

__all__ = [
    "WRITERS",
    "Entry",
    "EntryCache",
    "Feed",
    "Fitted",
    "RenderBudget",
    "Spec",
    "article_html",
    "build",
    "entry",
    "every_feed",
    "feed",
    "fingerprint",
    "fit",
    "spec",
]


@dataclass(frozen=True)
class Fitted:
    """A feed as it is served: what it shows within the size budget, and its bytes."""

    spec: Spec  # the articles it carries: the newest of the spec's that fit
    feed: Feed
    bodies: Mapping[str, bytes]  # format → the feed's bytes in it


ENTRY_MARKUP = 4096  # bytes of tags, dates and indentation an entry adds, at most, in any format
FEED_MARKUP = 8192  # the same for a feed's own elements


def _xml_bytes(text: str | None) -> int:
    """The most bytes `text` takes in a feed: UTF-8, with every character XML may escape
    (`<` `>` `&`, and quotes in attributes) written as its entity."""
    if not text:
        return 0
    return (
        len(text.encode())
        + 3 * (text.count("<") + text.count(">"))
        + 4 * text.count("&")
        + 5 * (text.count('"') + text.count("'"))
    )


def bound(feed: Feed) -> int:
    """More bytes than any format writes for `feed`: each text at most twice, escaped, and
    the markup around it. Exact enough to tell, without writing it, that a feed fits."""
    texts = [feed.title, feed.subtitle, feed.site.copyright, feed.site.logo, feed.site.icon]
    total = FEED_MARKUP + 2 * sum(map(_xml_bytes, texts)) + 4 * len(feed.urls.base)
    for item in feed.entries:
        parts = [item.id, item.title, item.link, item.summary, item.content, item.image]
        parts += item.categories
        parts += (x for a in item.authors for x in (a.name, a.email))
        parts += item.author_uris
        parts += (x for link in item.related for x in (link.url, link.title))
        total += ENTRY_MARKUP + 2 * sum(map(_xml_bytes, parts))
    return total


def fit(
    catalog: Catalog,
    spec: Spec,
    make: Callable[[Catalog, Article], Entry] = entry,
    formats: Iterable[str] | None = None,
) -> Fitted:
    """The feed of `spec` with as many of its newest entries as fit, in every format, in the
    site's `feed_max_bytes`; the oldest leave first, and the newest always stays.

    Readers and validators refuse oversized documents (lxml, newsboat, the W3C validator
    over 5 MB), and an entry is never shortened in its place: readers that refresh stored
    items would lose the text. The count is decided once, on the largest format, and every
    format carries the same entries. A single entry over the budget still makes a feed of
    one: a feed never goes empty over one article (the per-file size limit bounds it).
    Deterministic: the same content gives the same count and bytes in every process.

    When `bound` shows that every entry fits, nothing is written to find out, and only
    `formats` (default: all) are written: a feed well within its budget (the common case)
    costs one format's writing per request for it.
    """
    limit = catalog.site.feed_max_bytes
    # Every format carries each entry's text in full, escaped or not, and a character
    # is at least a byte: entries past the first whose text passes the budget cannot
    # fit, so they are neither made nor rendered to find out (fifty 1 MB articles
    # would be a 50 MB feed first).
    made: list[Entry] = []
    total = 0
    for article in spec.articles:
        item = make(catalog, article)
        total += len(item.content or "") + len(item.summary or "")
        if made and total > limit:
            break
        made.append(item)
    count = len(made)

    def bodies(feed: Feed) -> dict[str, bytes]:
        """The feed in every format."""
        return {fmt: write(feed) for fmt, write in WRITERS.items()}

    def size(write: Callable[[Feed], bytes], n: int) -> int:
        """The bytes of the feed of the newest `n` entries, written by `write`."""
        return len(write(assembled(catalog, spec, tuple(made[:n]))))

    shown = assembled(catalog, spec, tuple(made[:count]))
    if bound(shown) <= limit:
        wanted = WRITERS if formats is None else formats
        return Fitted(spec.first(count), shown, {fmt: WRITERS[fmt](shown) for fmt in wanted})
    written = bodies(shown)
    while count > 1 and max(map(len, written.values())) > limit:
        largest = max(written.items(), key=lambda item: len(item[1]))[0]  # ties: the first
        # Sizes grow with the count: the largest count under `count` that fits, else 1.
        fits = bisect.bisect_right(range(1, count), limit, key=partial(size, WRITERS[largest]))
        count = max(fits, 1)
        shown = assembled(catalog, spec, tuple(made[:count]))
        written = bodies(shown)  # another format may now be the largest: check again
    return Fitted(spec.first(count), shown, written)


def build(
    catalog: Catalog, kind: str, value: str = "", entries: EntryCache | None = None
) -> Feed | None:
    """The feed of `kind` for `value` as readers get it, cut to the size budget (entries
    from `entries` if given), or None if there is no such feed."""
    found = spec(catalog, kind, value)
    if found is None:
        return None
    return fit(catalog, found, entries.get if entries else entry).feed
