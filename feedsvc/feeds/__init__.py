"""Feeds as pure functions from a catalog to bytes.

`specs` says what each feed shows (one definition, whatever its kind), `entries`
turns an article into an entry, and `writers` holds one writer per format.
"""

from __future__ import annotations

from feedsvc.catalog import Catalog
from feedsvc.feeds.entries import Entry, EntryCache, article_html, entry
from feedsvc.feeds.specs import Feed, Spec, every_feed, feed, fingerprint, spec
from feedsvc.feeds.writers import WRITERS

__all__ = [
    "WRITERS",
    "Entry",
    "EntryCache",
    "Feed",
    "Spec",
    "article_html",
    "build",
    "entry",
    "every_feed",
    "feed",
    "fingerprint",
    "spec",
]


def build(
    catalog: Catalog, kind: str, value: str = "", entries: EntryCache | None = None
) -> Feed | None:
    """The feed of `kind` for `value` with its entries (from `entries` if given), or None
    if there is no such feed."""
    found = spec(catalog, kind, value)
    if found is None:
        return None
    return feed(catalog, found, entries.get) if entries else feed(catalog, found)
