"""The feeds' hot path: prepared responses, conditional GET and gzip, in plain WSGI.

Aggregators poll every feed every few minutes, forever, so a feed request must
cost next to nothing: each feed is rendered and compressed once per change,
and answered here, in front of Flask, from bytes and headers made in advance.
The bytes count against the worker's render budget and may be let go; each
feed's validators are kept apart, so that a 304 never waits for a render.
Anything that is not a known feed goes on to Flask.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from werkzeug.http import parse_accept_header, parse_date, parse_etags

from feedsvc import feeds
from feedsvc.catalog import Catalog
from feedsvc.feeds import EntryCache, Spec, specs
from feedsvc.feeds.budget import ITEM_BYTES, text_bytes
from feedsvc.http.prepared import Encoded, Known, Prepared, encode, variants
from feedsvc.live import Library, utc_now
from feedsvc.urls import FORMATS, FeedKey, parse_feed_path

RENDER_STRIPES = 16
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FeedResponses:
    """Answers for the current catalog's feeds, re-rendered only when what they show changes.

    Three stores, each bounded: per catalog, the `Prepared` headers of the feeds asked
    for (only feeds that exist, so no sequence of requests grows it); per feed that
    exists, its `Known` validators, which carry a feed across catalogs while what it
    shows is the same; and the bytes, in the worker's `RenderBudget` with the entries,
    rendered again on a 200 when they were let go. A 304 or a HEAD never renders
    unless what the feed shows changed.
    """

    def __init__(
        self,
        library: Library,
        entries: EntryCache | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.library = library
        self.entries = entries or EntryCache()
        self.budget = self.entries.budget  # one budget: feeds' bytes and their entries
        # The real time, which Last-Modified never passes, as the Date header says it
        # (the library's clock decides publication, and tests move it).
        self.clock = clock
        # The catalog and its prepared feeds, swapped together as one tuple.
        self._state: tuple[Catalog | None, dict[FeedKey, Prepared]] = (None, {})
        self._known: dict[tuple[str, str], Known] = {}  # (kind, value) → validators
        self._lock = threading.Lock()  # for `_known`, shared by every thread
        # One render of a feed at a time: after an edit, every thread asks for the same
        # feed at once, and all but one wait for its bytes instead of rendering them too.
        # Striped, so that any number of paths asked for holds a fixed number of locks.
        self._rendering = [threading.RLock() for _ in range(RENDER_STRIPES)]

    def get(self, path: str) -> Prepared | None:
        """The prepared feed at `path`, or None if there is no such feed."""
        key = parse_feed_path(path)
        return None if key is None else self.prepared(self.library.catalog(), key)

    def prepared(self, catalog: Catalog, key: FeedKey) -> Prepared | None:
        """The feed `key` prepared for `catalog`, or None if it has no such feed."""
        state = self._state  # one read: another thread may swap it meanwhile
        if state[0] is not catalog:  # content changed, or an article went live
            state = self._swap(catalog)
        prepared = state[1].get(key)
        if prepared is None:
            with self._rendering[hash((key.kind, key.value)) % RENDER_STRIPES]:
                prepared = state[1].get(key)  # rendered while this thread waited?
                if prepared is None:
                    found = self._prepare(catalog, key.kind, key.value, key.fmt)
                    if found is None:
                        return None
                    state[1].update(found)  # into this catalog's dict only
                    prepared = found[key]
        return prepared

    def answer(self, prepared: Prepared, gzipped: bool) -> tuple[list[tuple[str, str]], bytes]:
        """A 200's headers and bytes: the bytes kept, or rendered again if they were let go."""
        variant = prepared.gzipped if gzipped else prepared.identity
        kept = self.budget.get(("feed", prepared.identity.etag))
        if not isinstance(kept, Encoded):
            # Feeds are pure functions of the catalog, so these are the same bytes; the
            # headers come from them all the same: a request that began before two edits
            # may find an article's old body gone (and the feed shows it empty).
            feed = feeds.feed(prepared.catalog, prepared.spec, self.entries.get)
            kept = encode(feeds.WRITERS[prepared.fmt](feed))
            validators = kept.validators
            self._keep(validators[0].etag, kept)
            site = prepared.catalog.site
            again = variants(
                validators, _content_type(prepared.fmt), prepared.last_modified, site.ttl
            )
            variant = again[1] if gzipped else again[0]
        return variant.headers, kept.gzipped if gzipped else kept.identity

    def shown(self, catalog: Catalog, kind: str, value: str = "") -> feeds.Feed | None:
        """The feed of `kind` for `value` as readers get it (the entries its bytes carry),
        for the pages that show it; None if there is no such feed."""
        prepared = self.prepared(catalog, FeedKey(kind, value, next(iter(FORMATS))))
        return None if prepared is None else feeds.feed(catalog, prepared.spec, self.entries.get)

    def _swap(self, catalog: Catalog) -> tuple[Catalog | None, dict[FeedKey, Prepared]]:
        """The state for a new catalog; validators of feeds it no longer has are let go."""
        with self._lock:
            if self._state[0] is not catalog:
                for kind, value in list(self._known):
                    if feeds.spec(catalog, kind, value) is None:  # an author removed, say
                        self._forget(self._known.pop((kind, value)))
                self._state = (catalog, {})
            return self._state

    def _prepare(
        self, catalog: Catalog, kind: str, value: str, fmt: str
    ) -> dict[FeedKey, Prepared] | None:
        """A feed prepared for `catalog` in `fmt` and in every format already known: from
        its validators while what it shows is the same, else rendered (and kept)."""
        spec = feeds.spec(catalog, kind, value)
        if spec is None:
            return None
        fingerprint = feeds.fingerprint(catalog, spec)
        known = self._known.get((kind, value))
        if known is None or known.fingerprint != fingerprint:
            known = self._render(catalog, spec, fingerprint, fmt)
        elif fmt not in known.formats:  # the same feed, first asked for in this format
            known = self._render_format(catalog, spec, known, fmt)
        shown = spec.first(known.count)
        # Never later than the Date header: file times can be in the future.
        last_modified = min(specs.last_modified(catalog, shown), self.clock())
        last_modified = last_modified.replace(microsecond=0)
        prepared = {}
        for each, validators in known.formats.items():
            plain, zipped = variants(
                validators, _content_type(each), last_modified, catalog.site.ttl
            )
            key = FeedKey(kind, value, each)
            prepared[key] = Prepared(plain, zipped, last_modified, catalog, shown, each)
        return prepared

    def _render(self, catalog: Catalog, spec: Spec, fingerprint: bytes, fmt: str) -> Known:
        """Render a feed in `fmt` (in every format if it must be cut to the size budget);
        keep its bytes and its validators (in place of its previous version's)."""
        fitted = feeds.fit(catalog, spec, self.entries.get, formats=[fmt])
        formats = {}
        for each, body in fitted.bodies.items():
            encoded = encode(body)
            formats[each] = encoded.validators
            self._keep(formats[each][0].etag, encoded)
        known = Known(fingerprint, len(fitted.spec.articles), formats)
        with self._lock:
            old = self._known.get((spec.kind, spec.value))
            self._known[(spec.kind, spec.value)] = known
        if old is not None:
            self._forget(old, keep=known)
        return known

    def _render_format(self, catalog: Catalog, spec: Spec, known: Known, fmt: str) -> Known:
        """A feed already rendered in other formats, now in `fmt` too, with the same
        entries (its count was decided when it was first rendered)."""
        body = feeds.WRITERS[fmt](feeds.feed(catalog, spec.first(known.count), self.entries.get))
        encoded = encode(body)
        self._keep(encoded.validators[0].etag, encoded)
        grown = Known(known.fingerprint, known.count, {**known.formats, fmt: encoded.validators})
        with self._lock:
            if self._known.get((spec.kind, spec.value)) is known:  # not rendered anew meanwhile
                self._known[(spec.kind, spec.value)] = grown
        return grown

    def _keep(self, etag: str, encoded: Encoded) -> None:
        """Keep a format's bytes in the budget, under their plain ETag."""
        cost = text_bytes(encoded.identity, encoded.gzipped) + ITEM_BYTES
        self.budget.put(("feed", etag), encoded, cost)

    def _forget(self, old: Known, keep: Known | None = None) -> None:
        """Let the bytes of a feed's previous version go: nothing asks for them again."""
        still = {v[0].etag for v in keep.formats.values()} if keep else set()
        for plain, _ in old.formats.values():
            if plain.etag not in still:  # an edit that changed nothing shown keeps them
                self.budget.discard(("feed", plain.etag))


def _content_type(fmt: str) -> str:
    """A format's Content-Type header."""
    return f"{FORMATS[fmt].media_type}; charset=utf-8"


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
        if method == "HEAD":  # the headers are known without the bytes
            start_response("200 OK", variant.headers)
            return []
        headers, body = self.responses.answer(prepared, gzipped)
        start_response("200 OK", headers)
        return [body]


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
