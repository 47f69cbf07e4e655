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
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags

from feedsvc import feeds
from feedsvc.catalog import Catalog
from feedsvc.feeds import EntryCache, specs
from feedsvc.live import Library, utc_now
from feedsvc.urls import FORMATS, FeedKey, parse_feed_path

RENDER_STRIPES = 16
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


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


def prepare(body: bytes, content_type: str, last_modified: datetime, ttl_minutes: int) -> Prepared:
    """Compress once and compute every header, so that serving only picks them."""
    shared = [
        ("Last-Modified", http_date(last_modified)),
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
    return Prepared(variant(body, []), gzipped, last_modified.replace(microsecond=0))


def redated(prepared: Prepared, last_modified: datetime) -> Prepared:
    """The same bytes and ETags with another `Last-Modified`."""
    value = http_date(last_modified)

    def variant(old: Variant) -> Variant:
        def swap(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
            return [(name, value if name == "Last-Modified" else v) for name, v in headers]

        return Variant(old.body, old.etag, swap(old.headers), swap(old.not_modified))

    return Prepared(
        variant(prepared.identity), variant(prepared.gzipped), last_modified.replace(microsecond=0)
    )


class FeedResponses:
    """Prepared feeds for the current catalog, re-rendered only when what they show changes."""

    def __init__(
        self,
        library: Library,
        entries: EntryCache | None = None,
        keep: int = 4096,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.library = library
        self.entries = entries or EntryCache()
        self.keep = keep  # rendered feeds remembered across catalogs
        # The real time, which Last-Modified never passes, as the Date header says it
        # (the library's clock decides publication, and tests move it).
        self.clock = clock
        # The catalog and its prepared feeds, swapped together as one tuple. Only
        # feeds that exist are remembered, so its size is bounded by the content.
        self._state: tuple[Catalog | None, dict[FeedKey, Prepared]] = (None, {})
        self._by_fingerprint: OrderedDict[Hashable, Prepared] = OrderedDict()
        self._lock = threading.Lock()  # for the LRU order, shared by every thread
        # One render of a feed at a time: after an edit, every thread asks for the same
        # feed at once, and all but one wait for its bytes instead of rendering them too.
        # Striped, so that any number of paths asked for holds a fixed number of locks.
        self._rendering = [threading.Lock() for _ in range(RENDER_STRIPES)]

    def get(self, path: str) -> Prepared | None:
        """The prepared feed at `path`, or None if there is no such feed."""
        key = parse_feed_path(path)
        if key is None:
            return None
        catalog = self.library.catalog()
        state = self._state  # one read: another thread may swap it meanwhile
        if state[0] is not catalog:  # content changed, or an article went live
            state = self._state = (catalog, {})
        prepared = state[1].get(key)
        if prepared is None:
            with self._rendering[hash(key) % RENDER_STRIPES]:
                prepared = state[1].get(key)  # rendered while this thread waited?
                if prepared is None:
                    prepared = self._prepare(catalog, key)
                    if prepared is not None:
                        state[1][key] = prepared  # into this catalog's dict only
        return prepared

    def _prepare(self, catalog: Catalog, key: FeedKey) -> Prepared | None:
        spec = feeds.spec(catalog, key.kind, key.value)
        if spec is None:
            return None
        fingerprint = (key.fmt, feeds.fingerprint(catalog, spec))
        # Never later than the Date header: file times can be in the future.
        last_modified = min(specs.last_modified(catalog, spec), self.clock())
        last_modified = last_modified.replace(microsecond=0)
        with self._lock:
            prepared = self._by_fingerprint.get(fingerprint)
            if prepared is not None:
                self._by_fingerprint.move_to_end(fingerprint)  # least recently used goes first
                if prepared.last_modified != last_modified:
                    # The same bytes, dated anew: bytes served before (an edit undone)
                    # must not bring back an older date than the version in between.
                    prepared = self._by_fingerprint[fingerprint] = redated(prepared, last_modified)
                return prepared
        feed = feeds.feed(catalog, spec, self.entries.get)
        body = feeds.WRITERS[key.fmt](feed)
        content_type = f"{FORMATS[key.fmt].media_type}; charset=utf-8"
        prepared = prepare(body, content_type, last_modified, catalog.site.ttl)
        with self._lock:
            self._by_fingerprint[fingerprint] = prepared
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
        if method in ("GET", "HEAD"):
            prepared = self.responses.get(_decoded(path))
        if prepared is None:
            return self.app(environ, start_response)
        gzipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        variant = prepared.gzipped if gzipped else prepared.identity
        if not_modified(environ, variant.etag, prepared.last_modified):
            start_response("304 Not Modified", variant.not_modified)
            return []
        start_response("200 OK", variant.headers)
        return [] if method == "HEAD" else [variant.body]


def _decoded(path: str) -> str:
    """PATH_INFO as text: WSGI passes the raw bytes as Latin-1 (PEP 3333)."""
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path


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
