"""Polling through real HTTP: conditional GET, gzip, HEAD, determinism, live edits.

Each test runs gunicorn on a free loopback port over its own copy of the content.
"""

from __future__ import annotations

import gzip
import http.client
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.http import parse_date

from conftest import GOOD_ARTICLE
from filetimes import pin_times
from server import gunicorn

Headers = dict[str, str]


class Client:
    """A tiny HTTP client that sends exactly the headers it is given."""

    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc

    def request(self, path: str, method: str = "GET", **headers: str) -> tuple[int, Headers, bytes]:
        """One request; returns status, headers (lower-case names) and body."""
        connection = http.client.HTTPConnection(self.netloc, timeout=10)
        try:
            connection.request(
                method, path, headers={k.replace("_", "-"): v for k, v in headers.items()}
            )
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()


# Every file time in the served copy: before the newest entry, so that Last-Modified is
# that entry's date (as it would be with the files older than every entry).
PINNED = datetime(2025, 11, 1, tzinfo=UTC)


@pytest.fixture
def client(content: Path, tmp_path: Path) -> Iterator[Client]:
    """gunicorn with two workers over a copy of the sample content, its times pinned."""
    pin_times(content, PINNED)
    with gunicorn(content, "--workers", "2", env={"FEEDSVC_CACHE": str(tmp_path / "cache")}) as url:
        yield Client(url)


def test_feed_carries_validators_and_caching_headers(client: Client) -> None:
    """Strong ETag, Last-Modified (here the newest entry's date: the files are older),
    Cache-Control from ttl, Vary."""
    status, headers, body = client.request("/rss.xml")
    assert status == 200
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert headers["last-modified"] == "Sat, 15 Nov 2025 13:00:00 GMT"
    assert headers["cache-control"] == "public, max-age=300"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)


def test_gzip_has_its_own_etag_and_is_deterministic(client: Client) -> None:
    """The gzip body decompresses to the plain one, has its own ETag, and never varies."""
    _, plain_headers, plain = client.request("/atom.xml")
    _, headers, zipped = client.request("/atom.xml", Accept_Encoding="gzip, deflate")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped) == plain
    assert int(headers["content-length"]) == len(zipped)
    assert headers["etag"] != plain_headers["etag"]
    for _ in range(4):  # both workers, several times
        assert client.request("/atom.xml", Accept_Encoding="gzip")[2] == zipped
    _, refused, _ = client.request("/atom.xml", Accept_Encoding="gzip;q=0, identity")
    assert "content-encoding" not in refused


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
)
def test_if_none_match_answers_304(client: Client, if_none_match: str) -> None:
    """A matching If-None-Match (list, *, weak comparison) gets 304 with validators, no body."""
    _, headers, _ = client.request("/authors/j-williams/rss.xml")
    value = if_none_match.format(etag=headers["etag"])
    status, answer, body = client.request("/authors/j-williams/rss.xml", If_None_Match=value)
    assert (status, body) == (304, b"")
    assert answer["etag"] == headers["etag"]
    assert answer["last-modified"] == headers["last-modified"]
    assert answer["cache-control"] == headers["cache-control"]


def test_if_modified_since(client: Client) -> None:
    """If-Modified-Since at or after Last-Modified gets 304; before it, the feed."""
    _, headers, _ = client.request("/rss.xml")
    assert client.request("/rss.xml", If_Modified_Since=headers["last-modified"])[0] == 304
    assert client.request("/rss.xml", If_Modified_Since="Sat, 15 Nov 2025 12:59:59 GMT")[0] == 200


def test_if_none_match_wins_over_if_modified_since(client: Client) -> None:
    """RFC 9110 §13.2.2: a present If-None-Match decides; If-Modified-Since is ignored."""
    _, headers, _ = client.request("/rss.xml")
    status, _, _ = client.request(
        "/rss.xml", If_None_Match='"stale"', If_Modified_Since=headers["last-modified"]
    )
    assert status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"If_None_Match": "not-quoted, ,,"},
        {"If_Modified_Since": "yesterday"},
        {"If_Modified_Since": "Sat, 99 Foo 2025 99:99:99 GMT"},
        {"Accept_Encoding": ";;q=x,gzip;q=abc"},
    ],
)
def test_malformed_conditional_headers_are_ignored(client: Client, headers: Headers) -> None:
    """Malformed conditional headers are treated as absent: never a 500."""
    assert client.request("/rss.xml", **headers)[0] == 200


def test_head_sends_headers_only(client: Client) -> None:
    """HEAD works on feeds and pages, with the GET's Content-Length."""
    _, _get_headers, body = client.request("/atom.xml")
    status, headers, head_body = client.request("/atom.xml", method="HEAD")
    assert (status, head_body, headers["content-length"]) == (200, b"", str(len(body)))
    assert client.request("/", method="HEAD")[0] == 200


def test_unknown_feed_is_a_404_page(client: Client) -> None:
    """A feed for an author who does not exist is a readable 404."""
    status, _headers, body = client.request("/authors/nobody/rss.xml")
    assert status == 404 and b"No such author" in body


def test_health_answers_json(client: Client) -> None:
    """/healthz through a real server: JSON with the status, version and problem counts."""
    status, headers, body = client.request("/healthz")
    assert status == 200 and headers["content-type"] == "application/json"
    assert b'"errors":0' in body and b'"version":' in body


def test_two_processes_serve_identical_bytes(content: Path, tmp_path: Path) -> None:
    """Separate servers over the same content agree on every byte and every ETag."""
    answers = []
    for run in range(2):
        with gunicorn(content, env={"FEEDSVC_CACHE": str(tmp_path / f"cache{run}")}) as url:
            http_client = Client(url)
            answers.append(
                [
                    http_client.request(path, Accept_Encoding=encoding)[1:]
                    for path in ("/rss.xml", "/atom.xml", "/authors/m-okafor/atom.xml")
                    for encoding in ("gzip", "identity")
                ]
            )
    for (first_headers, first_body), (second_headers, second_body) in zip(*answers, strict=True):
        assert first_body == second_body
        assert first_headers["etag"] == second_headers["etag"]
        assert first_headers["last-modified"] == second_headers["last-modified"]


def wait_for(check: object, timeout: float = 20) -> None:
    """Poll `check()` until true; speed belongs to the benchmark, not to this test."""
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the change never showed"
        time.sleep(0.1)


def test_an_edit_that_keeps_updated_reaches_clients_that_send_only_ims(
    client: Client, content: Path
) -> None:
    """A title fixed without a new `updated`: every worker answers a client holding the old
    version (If-Modified-Since only) with the new one, dated no later than its Date."""
    _, headers, _ = client.request("/rss.xml")
    held = parse_date(headers["last-modified"])
    path = content / "2025" / "john-bolton-indicted.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Former National", "Ex-National"), encoding="utf-8")

    def caught_up() -> bool:
        answers = [
            client.request("/rss.xml", If_Modified_Since=headers["last-modified"])
            for _ in range(4)  # both workers, most likely
        ]
        for status, answer, body in answers:
            if status == 304:  # a worker that has not re-read the file yet
                assert answer["last-modified"] == headers["last-modified"]
                continue
            assert status == 200 and b"Ex-National" in body
            modified, date = parse_date(answer["last-modified"]), parse_date(answer["date"])
            assert held is not None and modified is not None and date is not None
            assert held < modified <= date
        return all(status == 200 for status, _, _ in answers)

    wait_for(caught_up)


def test_live_add_edit_rename_delete_and_broken_edit(client: Client, content: Path) -> None:
    """Every worker follows the folder: each change shows in the feeds without a restart."""

    def feed() -> bytes:
        return client.request("/atom.xml")[2]

    new = content / "2025" / "zz-live.md"
    new.write_text(GOOD_ARTICLE.replace("A Good Article", "Live One"), encoding="utf-8")
    wait_for(lambda: all(b"Live One" in feed() for _ in range(4)))

    new.write_text(GOOD_ARTICLE.replace("A Good Article", "Live Two"), encoding="utf-8")
    wait_for(lambda: all(b"Live Two" in feed() and b"Live One" not in feed() for _ in range(4)))
    assert feed().count(b"tag:news.example.org,2025-10-20:zz-live") == 1

    new.write_text("---\ntitle: [half-saved\n", encoding="utf-8")  # broken: keeps Live Two
    wait_for(lambda: b'"errors":1' in client.request("/healthz")[2])
    assert b"Live Two" in feed()

    moved = content / "zz-moved" / "zz-live.md"
    moved.parent.mkdir()
    moved.write_text(GOOD_ARTICLE.replace("A Good Article", "Live Three"), encoding="utf-8")
    new.unlink()
    wait_for(lambda: all(b"Live Three" in feed() for _ in range(4)))
    assert feed().count(b"tag:news.example.org,2025-10-20:zz-live") == 1

    # The new folder is watched too: an edit inside it shows.
    moved.write_text(GOOD_ARTICLE.replace("A Good Article", "Live Four"), encoding="utf-8")
    wait_for(lambda: all(b"Live Four" in feed() for _ in range(4)))

    shutil.rmtree(moved.parent)  # a folder removed takes its articles along
    wait_for(lambda: all(b"zz-live" not in feed() for _ in range(4)))

    moved.parent.mkdir()  # and one made again is watched again
    moved.write_text(GOOD_ARTICLE.replace("A Good Article", "Live Five"), encoding="utf-8")
    wait_for(lambda: all(b"Live Five" in feed() for _ in range(4)))
    moved.write_text(GOOD_ARTICLE.replace("A Good Article", "Live Six"), encoding="utf-8")
    wait_for(lambda: all(b"Live Six" in feed() for _ in range(4)))
