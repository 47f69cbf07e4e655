"""The feeds' hot path on its own: what is re-rendered when, and the header rules."""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import WriteFile
from feedsvc import feeds
from feedsvc.feeds import EntryCache, RenderBudget, entries
from feedsvc.http.prepared import encode, variants
from feedsvc.http.serving import FeedResponses, accepts_gzip, not_modified
from feedsvc.live import Library

LAST_MODIFIED = datetime(2025, 11, 15, 13, 0, tzinfo=UTC)
FEEDS = [
    "/rss.xml",
    "/atom.xml",
    "/authors/j-williams/rss.xml",
    "/authors/m-okafor/rss.xml",
    "/authors/s-lindqvist/atom.xml",
]


def body(responses: FeedResponses, path: str) -> bytes:
    """A feed's plain bytes as a GET gets them: the very object until it is rendered again."""
    prepared = responses.get(path)
    assert prepared is not None
    return responses.answer(prepared, gzipped=False)[1]


def test_an_edit_re_renders_only_the_feeds_it_is_in(write: WriteFile, content: Path) -> None:
    """Editing a J. Williams article re-renders the site's and his feeds, no one else's."""
    library = Library(content)
    responses = FeedResponses(library)
    before = {path: body(responses, path) for path in FEEDS}
    text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
    write("2025/john-bolton-indicted.md", text.replace("Former National", "Ex-National"))
    assert library.refresh({"2025/john-bolton-indicted.md"})
    after = {path: body(responses, path) for path in FEEDS}
    # Every feed may be dated anew (any edit moves Last-Modified), but only these render.
    same = {path for path in FEEDS if after[path] is before[path]}
    assert same == {"/authors/m-okafor/rss.xml", "/authors/s-lindqvist/atom.xml"}


def test_a_release_re_renders_exactly_the_feeds_it_enters(content: Path) -> None:
    """The 2031 article goes live: the site's and its author's feeds change, others stay."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    library = Library(content, clock=lambda: now[0])
    responses = FeedResponses(library)
    before = {path: body(responses, path) for path in FEEDS}
    now[0] = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
    after = {path: body(responses, path) for path in FEEDS}
    changed = {path for path in FEEDS if after[path] is not before[path]}
    assert changed == {"/rss.xml", "/atom.xml", "/authors/s-lindqvist/atom.xml"}


def test_unknown_paths_are_not_feeds(content: Path) -> None:
    """Only the site's and existing authors' feeds are served here; the rest goes to Flask."""
    responses = FeedResponses(Library(content))
    for path in [
        "/authors/nobody/rss.xml",
        "/feed.xml",
        "/authors/j-williams/json.xml",
        "/x/rss.xml",
    ]:
        assert responses.get(path) is None


def test_prepared_variants() -> None:
    """gzip is deterministic and has its own strong ETag; headers are complete and need
    only the validators, not the bytes."""
    encoded, again = encode(b"<rss/>" * 100), encode(b"<rss/>" * 100)
    assert encoded.gzipped == again.gzipped
    assert gzip.decompress(encoded.gzipped) == encoded.identity
    plain, zipped = encoded.validators
    assert plain.etag != zipped.etag
    assert (plain.length, zipped.length) == (len(encoded.identity), len(encoded.gzipped))
    identity, gzipped = variants(encoded.validators, "application/rss+xml", LAST_MODIFIED, 5)
    headers = dict(gzipped.headers)
    assert (headers["ETag"], headers["Content-Encoding"]) == (zipped.etag, "gzip")
    assert headers["Content-Length"] == str(len(encoded.gzipped))
    assert headers["Last-Modified"] == "Sat, 15 Nov 2025 13:00:00 GMT"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert "Content-Length" not in dict(gzipped.not_modified)
    assert dict(identity.headers)["Content-Length"] == str(len(encoded.identity))


def test_the_same_bytes_dated_anew_keep_their_etags(write: WriteFile, content: Path) -> None:
    """An edit that changes what no feed shows of an author moves their feed's
    Last-Modified and keeps its bytes and ETags."""
    library = Library(content)
    responses = FeedResponses(library)
    path = "/authors/m-okafor/rss.xml"
    before, kept = responses.get(path), body(responses, path)
    text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
    write("2025/john-bolton-indicted.md", text.replace("Former National", "Ex-National"))
    assert library.refresh({"2025/john-bolton-indicted.md"})
    after = responses.get(path)
    assert before is not None and after is not None and after is not before
    assert (after.identity.etag, after.gzipped.etag) == (before.identity.etag, before.gzipped.etag)
    assert after.last_modified >= before.last_modified
    assert body(responses, path) is kept


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"HTTP_IF_NONE_MATCH": '"abc"'}, True),
        ({"HTTP_IF_NONE_MATCH": 'W/"abc"'}, True),
        ({"HTTP_IF_NONE_MATCH": '"x", "abc"'}, True),
        ({"HTTP_IF_NONE_MATCH": "*"}, True),
        ({"HTTP_IF_NONE_MATCH": '"x"'}, False),
        ({"HTTP_IF_NONE_MATCH": "garbage"}, False),
        (
            {
                "HTTP_IF_NONE_MATCH": '"x"',
                "HTTP_IF_MODIFIED_SINCE": "Sun, 16 Nov 2025 00:00:00 GMT",
            },
            False,
        ),
        ({"HTTP_IF_MODIFIED_SINCE": "Sat, 15 Nov 2025 13:00:00 GMT"}, True),
        ({"HTTP_IF_MODIFIED_SINCE": "Sat, 15 Nov 2025 12:59:59 GMT"}, False),
        ({"HTTP_IF_MODIFIED_SINCE": "not a date"}, False),
        ({}, False),
    ],
)
def test_conditional_rules(headers: dict[str, str], expected: bool) -> None:
    """RFC 9110: If-None-Match (weak comparison) first; else If-Modified-Since; junk ignored."""
    assert not_modified(headers, '"abc"', LAST_MODIFIED) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("*", True),
        ("gzip;q=0", False),
        ("", False),
        ("br", False),
    ],
)
def test_accepts_gzip(header: str, expected: bool) -> None:
    """Accept-Encoding with qualities; `*` counts, q=0 refuses."""
    assert accepts_gzip(header) is expected


def test_a_feed_rendered_for_an_old_catalog_stays_out_of_the_new(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render that raced a content change is never served for the new catalog."""
    library = Library(content)
    responses = FeedResponses(library)
    real = feeds.WRITERS["rss"]
    raced: list[bool] = []

    def racing(feed: feeds.Feed) -> bytes:
        result = real(feed)
        if not raced:  # meanwhile: an edit lands and another request sees it
            raced.append(True)
            text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
            write("2025/john-bolton-indicted.md", text.replace("Former National", "Ex-National"))
            library.refresh({"2025/john-bolton-indicted.md"})
            responses.get("/atom.xml")
        return result

    monkeypatch.setitem(feeds.WRITERS, "rss", racing)
    responses.get("/rss.xml")  # rendered from the old catalog
    assert b"Ex-National" in body(responses, "/rss.xml")


def test_an_edit_renders_only_the_entry_it_touches(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered entries are kept by content: after an edit, the feeds it is in are
    reassembled from kept entries and only the edited one is rendered again."""
    library = Library(content)
    responses = FeedResponses(library)
    for path in FEEDS:
        responses.get(path)
    made: list[str] = []
    real = entries.entry
    monkeypatch.setattr(entries, "entry", lambda c, a: made.append(a.slug) or real(c, a))
    text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
    write("2025/john-bolton-indicted.md", text.replace("grand jury", "jury"))  # the body only
    assert library.refresh({"2025/john-bolton-indicted.md"})
    for path in FEEDS:
        assert responses.get(path) is not None
    assert made == ["john-bolton-indicted"]


def test_kept_entries_stay_within_their_budget(content: Path) -> None:
    """The entry cache never holds more bytes than its budget, however many it has seen."""
    library = Library(content)
    budget = RenderBudget(6000)
    cache = EntryCache(budget)
    catalog = library.catalog()
    for _ in range(3):
        for article in catalog.articles:
            assert cache.get(catalog, article).id == article.id
            assert budget.size <= budget.limit


def test_many_threads_over_more_feeds_than_are_kept(write: WriteFile, content: Path) -> None:
    """Threads asking for more feeds than the render budget keeps, while content changes,
    each get a whole, right feed: the budget is safe to share."""
    library = Library(content)
    responses = FeedResponses(library, EntryCache(RenderBudget(40_000)))  # about two feeds
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                for path in FEEDS:
                    prepared = responses.get(path)
                    assert prepared is not None
                    zipped = path.endswith("rss.xml")
                    headers, data = responses.answer(prepared, gzipped=zipped)
                    assert dict(headers)["Content-Length"] == str(len(data))
                    assert (gzip.decompress(data) if zipped else data).startswith(b"<?xml")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            raise

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
    for n in range(20):
        write("2025/john-bolton-indicted.md", text.replace("Former National", f"Former {n}"))
        library.refresh({"2025/john-bolton-indicted.md"})
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_unknown_paths_take_no_memory(content: Path) -> None:
    """Asking for any number of feed paths that name nothing keeps nothing."""
    responses = FeedResponses(Library(content))
    responses.get("/rss.xml")
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for n in range(20_000):
            assert responses.get(f"/authors/nobody-{n}/rss.xml") is None
            assert responses.get(f"/x{n}.xml") is None
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "lineno"))
    finally:
        tracemalloc.stop()
    assert grown < 200_000


def test_threads_asking_for_one_feed_at_once_render_it_once(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an edit, every thread asks for the same feed at once: one renders it, the
    others wait for its bytes rather than rendering them again."""
    library = Library(content)
    responses = FeedResponses(library)
    rendered: list[int] = []
    real = feeds.WRITERS["rss"]

    def slow(feed: feeds.Feed) -> bytes:
        rendered.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive meanwhile
        return real(feed)

    monkeypatch.setitem(feeds.WRITERS, "rss", slow)
    threads = [threading.Thread(target=responses.get, args=("/rss.xml",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(rendered) == 1
