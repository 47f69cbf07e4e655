"""The feeds' hot path: prepared responses, conditional GET and gzip, in plain WSGI.

Aggregators poll every feed every few minutes, forever, so a feed request must
cost next to nothing: each feed is rendered and compressed once per change,
and answered here, in front of Flask, from bytes and headers made in advance.
Anything that is not a known feed goes on to Flask.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags

from feedsvc import feeds
from feedsvc.catalog import Catalog
from feedsvc.live import Library

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_FEED_PATH = re.compile(r"^/(?:authors/([^/]+)/)?(rss|atom)\.xml$")


@dataclass(frozen=True)
class Variant:
    """One encoding of a feed: its bytes and the headers for 200 and 304 answers."""

    body: bytes
    etag: str  # quoted, strong
    headers: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]


@dataclass(frozen=True)
class Prepared:
    """A rendered feed, ready to send plain or gzipped."""

    identity: Variant
    gzipped: Variant
    last_modified: datetime


def prepare(body: bytes, content_type: str, updated: datetime, ttl_minutes: int) -> Prepared:
    """Compress once and compute every header, so that serving only picks them."""
    shared = [
        ("Last-Modified", http_date(updated)),
        ("Cache-Control", f"public, max-age={ttl_minutes * 60}"),
        ("Vary", "Accept-Encoding"),
    ]
    # mtime=0 keeps gzip deterministic: every worker and restart sends the same bytes.
    zipped = gzip.compress(body, compresslevel=9, mtime=0)

    def variant(data: bytes, extra: list[tuple[str, str]]) -> Variant:
        etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'  # from the exact bytes sent
        validators = [("ETag", etag), *shared]
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *extra]
        return Variant(data, etag, headers + validators, validators)

    gzipped = variant(zipped, [("Content-Encoding", "gzip")])
    return Prepared(variant(body, []), gzipped, updated.replace(microsecond=0))


class FeedResponses:
    """Prepared feeds for the current catalog, re-rendered only when what they show changes."""

    def __init__(self, library: Library, keep: int = 4096) -> None:
        self.library = library
        self.keep = keep  # rendered feeds remembered across catalogs
        # The catalog and its prepared feeds, swapped together as one tuple.
        self._state: tuple[Catalog | None, dict[str, Prepared | None]] = (None, {})
        self._by_fingerprint: OrderedDict[Hashable, Prepared] = OrderedDict()

    def get(self, path: str) -> Prepared | None:
        """The prepared feed at `path`, or None if there is no such feed."""
        catalog = self.library.catalog()
        state = self._state  # one read: another thread may swap it meanwhile
        if state[0] is not catalog:  # content changed, or an article went live
            state = self._state = (catalog, {})
        by_path = state[1]
        if path not in by_path:
            by_path[path] = self._prepare(catalog, path)  # into this catalog's dict only
        return by_path[path]

    def _prepare(self, catalog: Catalog, path: str) -> Prepared | None:
        match = _FEED_PATH.match(path)
        if not match:
            return None
        author, fmt = match.groups()
        if author is not None and author not in catalog.authors:
            return None
        key = (fmt, author, feeds.fingerprint(catalog, author))
        prepared = self._by_fingerprint.get(key)
        if prepared is not None:
            self._by_fingerprint.move_to_end(key)  # least recently used goes first
        else:
            feed = feeds.author_feed(catalog, author) if author else feeds.site_feed(catalog)
            assert feed is not None  # the author exists
            body = feeds.WRITERS[fmt](feed)
            content_type = f"{feeds.FORMATS[fmt]}; charset=utf-8"
            prepared = prepare(body, content_type, feed.updated, catalog.site.ttl)
            self._by_fingerprint[key] = prepared
            while len(self._by_fingerprint) > self.keep:
                self._by_fingerprint.popitem(last=False)
        return prepared


class FeedServer:
    """WSGI middleware: answers GET and HEAD for feeds, passes everything else on."""

    def __init__(self, app: WSGIApp, responses: FeedResponses) -> None:
        self.app = app
        self.responses = responses

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve a feed from its prepared response, or hand the request to `app`."""
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        prepared = None
        if path.endswith(".xml") and method in ("GET", "HEAD"):
            prepared = self.responses.get(path)
        if prepared is None:
            return self.app(environ, start_response)
        gzipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        variant = prepared.gzipped if gzipped else prepared.identity
        if not_modified(environ, variant.etag, prepared.last_modified):
            start_response("304 Not Modified", variant.not_modified)
            return []
        start_response("200 OK", variant.headers)
        return [] if method == "HEAD" else [variant.body]


@functools.lru_cache(maxsize=256)  # clients send a handful of distinct headers
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (a q=0 refuses it)."""
    return bool(accept_encoding) and parse_accept_header(accept_encoding)["gzip"] > 0


def not_modified(environ: dict[str, Any], etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison) first, else If-Modified-Since.

    Malformed headers count as absent: they never cause an error.
    """
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag.strip('"'))
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and last_modified <= since
