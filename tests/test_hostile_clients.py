"""Hostile clients against a real `feedsvc serve`: idle and slow connections, hostile headers.

On loopback only; every wait is bounded, and generous: these check what is served,
never how fast (that is the benchmark's business).
"""

from __future__ import annotations

import http.client
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import SAMPLE
from feedcheck import check_rss
from server import crowd, feedsvc_serve, gunicorn

SITE = "https://news.example.org/"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled articles, shared by this module's servers (none changes it)."""
    root = tmp_path_factory.mktemp("hostile") / "articles"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.fixture(scope="module")
def served(sample: Path) -> Iterator[str]:
    """`feedsvc serve` over the sample, for every hostile-header case."""
    with feedsvc_serve(sample) as url:
        yield url


@pytest.fixture(scope="module")
def plain_gunicorn(sample: Path) -> Iterator[str]:
    """`gunicorn 'feedsvc:create_app()'` over the sample."""
    with gunicorn(sample) as url:
        yield url


def fetch(url: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """A GET with exactly these headers (urllib would add its own Host), read in full."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    names = {name.lower() for name in headers or {}}
    connection.putrequest("GET", path, skip_host="host" in names, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_idle_and_slow_connections_do_not_stop_the_feeds(content: Path) -> None:
    """300 connections that send nothing and 50 that drip a header byte by byte, all held
    open, leave the feeds and pages served (before: 8 such connections took the service
    offline, one gunicorn thread each)."""
    env = {"FEEDSVC_HEADER_TIMEOUT": "120"}  # they stay for the whole test
    with (
        feedsvc_serve(content, "--workers", "2", env=env) as url,
        crowd(url, idle=300, slow=50) as held,
    ):
        time.sleep(1)  # let the workers take them all
        for _ in range(10):
            for path in ("/rss.xml", "/authors/m-okafor/atom.xml", "/"):
                with urllib.request.urlopen(url + path, timeout=60) as response:
                    assert response.status == 200
                    body = response.read()
            check_rss(urllib.request.urlopen(url + "/rss.xml", timeout=60).read())
        assert body
        assert held.closed() == (0, 0)  # held all along: the feeds were served beside them


def test_header_timeout_lets_go_of_idle_and_slow_connections(content: Path) -> None:
    """FEEDSVC_HEADER_TIMEOUT bounds the whole request header, not each read: an idle
    connection and one that keeps dripping a byte every 0.2 s are both closed by the
    server once it has passed."""
    with (
        feedsvc_serve(content, env={"FEEDSVC_HEADER_TIMEOUT": "1"}) as url,
        crowd(url, idle=5, slow=5, drip=0.2) as held,
    ):
        deadline = time.monotonic() + 60
        while held.closed() != (5, 5) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert held.closed() == (5, 5)
        with urllib.request.urlopen(url + "/rss.xml", timeout=60) as response:
            assert response.status == 200


HOSTILE = [
    # (path, headers, status, Location)
    ("/articles/anything", {"Host": "evil.example"}, 308, f"{SITE}articles/anything/"),
    ("/authors/m-okafor", {"Host": "evil.example:8080"}, 308, f"{SITE}authors/m-okafor/"),
    ("/articles/x?utm=1", {"Host": "evil.example"}, 308, f"{SITE}articles/x/?utm=1"),
    ("/articles//x/", {"Host": "evil.example"}, 308, f"{SITE}articles/x/"),
    (
        "/articles/new-rail-timetable/",
        {"Host": "evil.example"},
        301,
        f"{SITE}articles/regional-rail-winter-timetable/",
    ),
    (
        "/articles/anything",
        {
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Prefix": "/evil",
            "Forwarded": "host=evil.example;proto=http",
        },
        308,
        f"{SITE}articles/anything/",
    ),
    ("/rss.xml", {"SCRIPT_NAME": "/x"}, 200, None),
    ("/articles/anything", {"SCRIPT_NAME": "/articles"}, 308, f"{SITE}articles/anything/"),
    ("/x/rss.xml", {"SCRIPT_NAME": "/x"}, 404, None),
    (
        "/",
        {"SCRIPT_NAME": "/evil", "Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        200,
        None,
    ),
    ("/articles/anything", {"Host": "ev il..example"}, 308, f"{SITE}articles/anything/"),
    ("/articles/anything", {"Host": "x" * 300}, 400, None),  # a label past 63 characters
    ("/articles/anything", {"Host": "[::1"}, 308, f"{SITE}articles/anything/"),
    ("/articles/anything", {"Host": "évil.example"}, 308, f"{SITE}articles/anything/"),
]


@pytest.mark.parametrize(("path", "headers", "status", "location"), HOSTILE)
def test_requests_never_build_urls(
    served: str, path: str, headers: dict[str, str], status: int, location: str | None
) -> None:
    """Under `feedsvc serve`, a hostile Host, SCRIPT_NAME or X-Forwarded-* header never
    reaches a redirect or a link, and never gives a 5xx: every redirect is under the site's
    url (before: `Location: http://evil.example/…`, and a 500 for SCRIPT_NAME)."""
    response = fetch(served, path, headers)
    assert response.status == status
    assert response.getheader("Location") == location
    assert_no_injected_links(response.body, headers.get("SCRIPT_NAME"))


def assert_no_injected_links(body: bytes, script_name: str | None) -> None:
    """Nothing the request said shows in what was sent back."""
    text = body.decode("utf-8")
    assert "evil" not in text
    if script_name:  # never put in front of the site's paths, nor of the request's
        prefix = script_name.strip("/") + "/"
        assert SITE + prefix + prefix not in text
        assert f'href="{script_name}' not in text
        if prefix == "x/":  # no path of the site
            assert SITE + prefix not in text


@pytest.mark.parametrize(
    ("path", "script_name", "status"),
    [("/articles/anything", "/articles", 308), ("/rss.xml", "/rss.xml", 200), ("/x/", "/x", 404)],
)
def test_script_name_header_is_ignored_under_plain_gunicorn(
    plain_gunicorn: str, path: str, script_name: str, status: int
) -> None:
    """`gunicorn 'feedsvc:create_app()'` maps a SCRIPT_NAME header from loopback into the
    environ, cut off the path: the app serves the path as requested all the same. (One that
    is no prefix of the path gunicorn answers 500 itself, before any app: `feedsvc serve`
    drops the header, see the README.)"""
    response = fetch(plain_gunicorn, path, {"SCRIPT_NAME": script_name})
    assert response.status == status
    assert response.getheader("Location") in (None, f"{SITE}articles/anything/")
    assert_no_injected_links(response.body, script_name)
