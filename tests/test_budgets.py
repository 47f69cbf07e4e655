"""Memory and size stay bounded: the render budget of a worker, and the size budget of a feed.

A worker keeps rendered entries, bios and feeds' bytes within `FEEDSVC_RENDER_BUDGET`,
however many edits come, and answers 304s from validators kept apart; a feed carries
as many of its newest entries as fit in `site.yaml`'s `feed_max_bytes`, the same in
every format and on the pages that show it.
"""

from __future__ import annotations

import gc
import textwrap
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask.testing import FlaskClient
from lxml import html

from conftest import make_app
from feedcheck import check_atom, check_rss
from feedsvc import feeds
from feedsvc.feeds import EntryCache, RenderBudget
from feedsvc.http.serving import FeedResponses, FeedServer
from feedsvc.live import Library
from feedsvc.loading.site import read_site
from feedsvc.settings import DEFAULT_RENDER_BUDGET, Settings, SettingsError

Answer = tuple[int, dict[str, str], bytes]
SITE_FEEDS = ["/rss.xml", "/atom.xml"]


def small_site(root: Path, bodies: Iterable[str], settings: str = "") -> Path:
    """A content folder: one author and one article per body, the first the newest."""
    files = {
        "site.yaml": f"url: https://news.example.org/\ntitle: T\nid_authority: news.example.org\n{settings}",
        "authors/a.md": "---\nname: A. Writer\n---\nWrites.\n",
    }
    for n, body in enumerate(bodies):
        date = f"2025-10-{28 - n:02d} 09:00"
        files[f"2025/a{n}.md"] = f"---\ntitle: Article {n}\nauthor: a\ndate: {date}\n---\n{body}\n"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def prose(kilobytes: int, word: str = "harbor") -> str:
    """Markdown of about this many kilobytes, with marks that formats escape differently."""
    paragraph = f"The {word} & the <city> council met on Thursday, as *planned*. " * 8
    return "\n\n".join([paragraph] * max(1, kilobytes * 1024 // len(paragraph)))


def poll(server: FeedServer, path: str, method: str = "GET", **headers: str) -> Answer:
    """One request through the hot path; `headers` as WSGI names (HTTP_IF_NONE_MATCH=…)."""
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, **headers}
    answer: list[Any] = []

    def start_response(status: str, sent: list[tuple[str, str]]) -> None:
        answer.extend([int(status[:3]), dict(sent)])

    body = b"".join(server(environ, start_response))
    return answer[0], answer[1], body


def not_a_feed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The app behind the hot path: every request in these tests is a feed."""
    raise AssertionError(f"{environ['PATH_INFO']} is not a feed")


def counting_writers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count each feed written, by format, from now on."""
    written: list[str] = []
    for fmt, write in list(feeds.WRITERS.items()):

        def counted(feed: feeds.Feed, fmt: str = fmt, write: Callable[..., bytes] = write) -> bytes:
            written.append(fmt)
            return write(feed)

        monkeypatch.setitem(feeds.WRITERS, fmt, counted)
    return written


# --- the render budget ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "kept"),
    [
        ([("put", "a", 40), ("put", "b", 40), ("put", "c", 40)], {"b", "c"}),
        ([("put", "a", 40), ("put", "b", 40), ("get", "a", 0), ("put", "c", 40)], {"a", "c"}),
        ([("put", "a", 40), ("put", "huge", 101)], {"a"}),
        ([("put", "a", 50), ("put", "a", 90)], {"a"}),
        ([("put", "a", 50), ("put", "b", 50), ("discard", "a", 0), ("put", "c", 50)], {"b", "c"}),
        ([("put", "a", 100), ("put", "b", 1)], {"b"}),
    ],
    ids=["oldest-out", "used-stays", "too-big-alone", "same-key", "discard", "exact-limit"],
)
def test_the_render_budget_keeps_the_recently_used_within_its_bytes(
    steps: list[tuple[str, str, int]], kept: set[str]
) -> None:
    """Least recently used first out, an item over the whole budget is not kept, a key
    put again is counted once; the bytes counted never pass the limit."""
    budget = RenderBudget(100)
    costs: dict[str, int] = {}
    for step, key, cost in steps:
        if step == "put":
            budget.put(key, key.upper(), cost)
            costs[key] = cost
        elif step == "get":
            assert budget.get(key) == key.upper()
        else:
            budget.discard(key)
        assert budget.size <= budget.limit
    assert {key for key in costs if budget.get(key) is not None} == kept
    assert budget.size == sum(costs[key] for key in kept)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("64M", 64 * 2**20),
        ("64mb", 64 * 2**20),
        ("512K", 512 * 2**10),
        ("1g", 2**30),
        ("1048576", 1048576),
        (" 8 M ", 8 * 2**20),
        ("0", 0),
    ],
)
def test_the_render_budget_setting_reads_sizes(value: str, expected: int) -> None:
    """FEEDSVC_RENDER_BUDGET: bytes, or K, M or G in powers of 1024; 0 keeps nothing."""
    assert Settings.from_env({"FEEDSVC_RENDER_BUDGET": value}).render_budget == expected
    assert Settings.from_env({}).render_budget == DEFAULT_RENDER_BUDGET == 64 * 2**20


@pytest.mark.parametrize("value", ["lots", "-1", "1.5M", "64 MiB", "2T", "9" * 5000])
def test_a_bad_render_budget_names_its_variable(value: str) -> None:
    """A value that is not a size stops the process with the variable's name and a fix."""
    with pytest.raises(SettingsError, match=r"FEEDSVC_RENDER_BUDGET .* e\.g\. 64M"):
        Settings.from_env({"FEEDSVC_RENDER_BUDGET": value})


def test_the_app_keeps_what_it_renders_within_the_setting(tmp_path: Path) -> None:
    """`create_app` gives the worker one budget of FEEDSVC_RENDER_BUDGET bytes, shared
    by the pages' entries and the feeds' bytes."""
    content = small_site(tmp_path / "articles", [prose(8, "one"), prose(8, "two")])
    app = make_app(content, render_budget=40 * 2**10)
    client = app.test_client()
    for path in ["/", "/rss.xml", "/atom.xml", "/authors/a/", "/articles/a1/"]:
        assert client.get(path).status_code == 200
    budget = app.extensions["feedsvc.entries"].budget
    assert budget.limit == 40 * 2**10
    assert 0 < budget.size <= budget.limit


# --- memory flat under edits ----------------------------------------------------------------

EDITS = 1000  # each a new version of the article, of every feed and of their entries
TRACED = 200  # the last ones, under tracemalloc (which slows everything down)


def test_memory_stays_flat_under_an_endless_stream_of_edits(tmp_path: Path) -> None:
    """Edit one article over and over, asking for every feed after each edit (a 200 for
    the new bytes, a 304 for them again): the bytes kept stay within the budget at every
    step, and once it is full, memory stops growing."""
    words = "word " * 400  # plain text: Markdown costs most of an edit, and is not the point
    content = small_site(tmp_path / "articles", [f"first {words}", f"second {words}"])
    budget = RenderBudget(64 * 2**10)  # a few versions: older ones must go
    library = Library(content)
    server = FeedServer(not_a_feed, FeedResponses(library, EntryCache(budget)))
    article = content / "2025/a0.md"
    text = article.read_text(encoding="utf-8")
    paths = [*SITE_FEEDS, "/authors/a/rss.xml", "/authors/a/atom.xml"]

    def edit(n: int) -> None:
        article.write_text(text.replace("first", f"edit{n}x"), encoding="utf-8")
        assert library.refresh({"2025/a0.md"})
        for path in paths:
            status, headers, body = poll(server, path)
            assert status == 200 and f"edit{n}x".encode() in body
            assert poll(server, path, HTTP_IF_NONE_MATCH=headers["ETag"])[0] == 304
        assert budget.size <= budget.limit

    # What a few hundred versions would take if they were kept: tens of megabytes.
    assert memory_kept(EDITS, TRACED, edit) < budget.limit + 512 * 2**10


def memory_kept(steps: int, traced: int, step: Callable[[int], None]) -> int:
    """Run `step(n)` for each of `steps`; the bytes the last `traced` of them left
    allocated (traced by tracemalloc, which slows everything down)."""
    for n in range(steps - traced):
        step(n)
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(steps - traced, steps):
            step(n)
        gc.collect()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


BIO_EDITS = 120
BIO_TRACED = 60


def test_memory_stays_flat_under_edits_of_a_long_bio(tmp_path: Path) -> None:
    """Edit an author's long bio over and over, asking for their feeds and an article page
    after each edit: the page shows the new bio, and memory stops growing once the budget
    is full, however little of an entry the bio is (no entry shows it)."""
    content = small_site(tmp_path / "articles", ["A short first article.", "And a second."])
    author = content / "authors/a.md"
    budget = RenderBudget(64 * 2**10)
    library = Library(content)
    app = make_app(content, render_budget=budget.limit)
    server = FeedServer(not_a_feed, FeedResponses(library, EntryCache(budget)))

    def edit(n: int) -> None:
        bio = f"Bio number {n}. " + prose(100)
        author.write_text(f"---\nname: A. Writer\n---\n{bio}\n", encoding="utf-8")
        assert library.refresh({"authors/a.md"})
        for path in [*SITE_FEEDS, "/authors/a/rss.xml", "/authors/a/atom.xml"]:
            assert poll(server, path)[0] == 200
        assert budget.size <= budget.limit

    # Each bio kept alive would be about 100 KB: 60 of them, six megabytes.
    assert memory_kept(BIO_EDITS, BIO_TRACED, edit) < budget.limit + 512 * 2**10
    app.extensions["feedsvc"].refresh({"authors/a.md"})
    page = app.test_client().get("/articles/a0/").get_data(as_text=True)
    assert f"Bio number {BIO_EDITS - 1}." in page


def test_a_304_and_a_head_need_no_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing kept (a budget of 0), a conditional request whose ETag matches and a
    HEAD are answered from the validators, with no render; a GET renders the very same
    bytes again, in its format only."""
    content = small_site(tmp_path / "articles", [prose(3), prose(3, "other")])
    server = FeedServer(not_a_feed, FeedResponses(Library(content), EntryCache(RenderBudget(0))))
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip"}
    first, zipped = poll(server, "/atom.xml"), poll(server, "/atom.xml", **gzip)
    written = counting_writers(monkeypatch)
    for answer, headers in [(first, {}), (zipped, gzip)]:
        status, sent, body = poll(
            server, "/atom.xml", HTTP_IF_NONE_MATCH=answer[1]["ETag"], **headers
        )
        assert (status, body, sent["ETag"]) == (304, b"", answer[1]["ETag"])
        status, sent, body = poll(server, "/atom.xml", "HEAD", **headers)
        assert (status, body, sent["Content-Length"]) == (200, b"", str(len(answer[2])))
        assert sent["ETag"] == answer[1]["ETag"]
    assert written == []
    assert poll(server, "/atom.xml") == first
    assert written == ["atom"]


# --- the size budget of a feed ----------------------------------------------------------------


def served_ids(bodies: dict[str, bytes]) -> dict[str, list[str]]:
    """Each format's entry ids, in order."""
    return {fmt: [e.id for e in feedparser.parse(body).entries] for fmt, body in bodies.items()}


def fitted(content: Path, kind: str = "site", value: str = "") -> feeds.Fitted:
    """The feed of `kind` for `value` as served from `content`."""
    catalog = Library(content).catalog()
    spec = feeds.spec(catalog, kind, value)
    assert spec is not None
    return feeds.fit(catalog, spec)


@pytest.mark.parametrize(
    ("sizes", "limit", "count"),
    [
        ([3, 3, 3, 3, 3], "2M", 5),  # fits: nothing cut
        ([10, 10, 10, 10, 10, 10], "48K", None),  # cut to some: the test checks which
        ([2, 25, 2], "24K", 1),  # the oldest leave first, even a small one
        ([30, 1, 1], "8K", 1),  # the newest alone is over: it stays, alone
    ],
    ids=["fits", "cut", "oldest-first", "newest-too-big"],
)
def test_a_feed_carries_the_newest_entries_that_fit(
    tmp_path: Path, sizes: list[int], limit: str, count: int | None
) -> None:
    """Past `feed_max_bytes` a feed carries fewer entries, the oldest leaving first, never a
    shortened one: every format the same entries, each format within the budget unless
    the newest entry alone passes it, and one entry more would not fit."""
    bodies = [prose(size, f"w{n}") for n, size in enumerate(sizes)]
    content = small_site(tmp_path / "cut", bodies, f"feed_max_bytes: {limit}\n")
    cut, site = fitted(content), read_site(content).site
    assert site is not None
    ids = served_ids(dict(cut.bodies))
    assert ids["rss"] == ids["atom"] == [e.id for e in cut.feed.entries]
    shown = len(ids["rss"])
    assert shown == count if count is not None else 1 < shown < len(sizes)
    whole = fitted(small_site(tmp_path / "whole", bodies))  # the default budget: no cut
    assert cut.feed.entries == whole.feed.entries[:shown]  # the newest, each in full
    check_rss(cut.bodies["rss"])
    check_atom(cut.bodies["atom"])
    assert max(len(body) for body in cut.bodies.values()) <= site.feed_max_bytes or shown == 1
    if shown < len(sizes):  # one more would not fit, in the largest format
        more = small_site(tmp_path / "more", bodies[: shown + 1], f"feed_max_bytes: {2**30}\n")
        assert max(len(body) for body in fitted(more).bodies.values()) > site.feed_max_bytes


def test_the_cut_is_the_same_in_every_process(tmp_path: Path) -> None:
    """Same content, same count and bytes: each process decides it alone."""
    sizes = [10, 10, 10, 10, 10, 10]
    content = small_site(
        tmp_path / "a", [prose(s, f"w{n}") for n, s in enumerate(sizes)], "feed_max_bytes: 40K\n"
    )
    assert dict(fitted(content).bodies) == dict(fitted(content).bodies)
    assert dict(fitted(content, "author", "a").bodies) == dict(
        fitted(content, "author", "a").bodies
    )


def page_links(client: FlaskClient, path: str) -> list[str]:
    """The entry links a page lists."""
    tree = html.fromstring(client.get(path).data)
    return [str(a) for a in tree.xpath("//ol[@class='entries']/li/h2/a/@href")]


@pytest.mark.parametrize(
    ("page", "feed"), [("/", "/rss.xml"), ("/authors/a/", "/authors/a/atom.xml")]
)
def test_pages_show_the_feed_as_cut(tmp_path: Path, page: str, feed: str) -> None:
    """The front page and an author's page list exactly the entries their feed carries,
    which the hot path serves within the budget."""
    sizes = [10, 10, 10, 10, 10, 10]
    bodies = [prose(size, f"w{n}") for n, size in enumerate(sizes)]
    content = small_site(tmp_path / "articles", bodies, "feed_max_bytes: 40K\n")
    client = make_app(content).test_client()
    served = client.get(feed)
    links = [e.link for e in feedparser.parse(served.data).entries]
    assert 1 < len(links) < len(sizes) and len(served.data) <= 40 * 2**10
    assert page_links(client, page) == links


@pytest.mark.parametrize(
    ("line", "expected", "message"),
    [
        ("", 2 * 2**20, None),
        ("feed_max_bytes: 2M\n", 2 * 2**20, None),
        ("feed_max_bytes: 64k\n", 64 * 2**10, None),
        ("feed_max_bytes: 500000\n", 500000, None),
        ("feed_max_bytes: 2\n", 2 * 2**20, "at least 1,024 bytes"),
        ("feed_max_bytes: lots\n", 2 * 2**20, "must be a size"),
        ("feed_max_bytes: true\n", 2 * 2**20, "must be a size"),
        ("feed_max_bytes: [1]\n", 2 * 2**20, "must be a size"),
    ],
)
def test_feed_max_bytes_in_site_yaml(
    tmp_path: Path, line: str, expected: int, message: str | None
) -> None:
    """`feed_max_bytes`: bytes, or K, M or G; default 2 MiB; a bad value is an error on its
    line with the fix, and the default stands."""
    root = tmp_path / "articles"
    root.mkdir()
    (root / "site.yaml").write_text(
        textwrap.dedent("""\
            url: https://news.example.org/
            title: T
            id_authority: news.example.org
            """)
        + line,
        encoding="utf-8",
    )
    read = read_site(root)
    assert read.site is not None and read.site.feed_max_bytes == expected
    problems = [p for p in read.problems if p.field == "feed_max_bytes"]
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and message in problems[0].message
        assert (problems[0].line, "2M") == (4, problems[0].hint[-2:])


@pytest.mark.parametrize("who", ["site", "j-williams", "m-okafor", "s-lindqvist"])
def test_the_bound_is_above_what_every_format_writes(content: Path, who: str) -> None:
    """`feeds.bound` is never below a feed's size in any format: a feed it says fits,
    written in one format only, would fit in every other too."""
    write_text = (content / "2025/john-bolton-indicted.md").read_text(encoding="utf-8")
    (content / "2025/john-bolton-indicted.md").write_text(
        write_text + "\n\n" + "Tom & Jerry <3 \"quotes\" 'and' ünïcödé — 東京 " * 200,
        encoding="utf-8",
    )
    catalog = Library(content).catalog()
    spec = feeds.spec(catalog, "site" if who == "site" else "author", "" if who == "site" else who)
    assert spec is not None
    feed = feeds.feed(catalog, spec)
    assert all(len(write(feed)) <= feeds.bound(feed) for write in feeds.WRITERS.values())


def test_a_feed_well_within_its_budget_renders_only_the_format_asked_for(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request for the RSS feed writes RSS only; Atom is written when it is asked for,
    with the same entries."""
    written: list[str] = []
    for fmt, real in list(feeds.WRITERS.items()):
        monkeypatch.setitem(
            feeds.WRITERS, fmt, lambda feed, fmt=fmt, real=real: written.append(fmt) or real(feed)
        )
    responses = FeedResponses(Library(content))
    assert responses.get("/rss.xml") is not None
    assert written == ["rss"]
    assert responses.get("/atom.xml") is not None
    assert written == ["rss", "atom"]
