"""End to end: the WSGI factory under a real gunicorn, and `feedsvc serve`, through real HTTP."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from feedcheck import check_atom, check_rss
from server import feedsvc_serve, gunicorn


def test_gunicorn_serves_the_factory(content: Path) -> None:
    """`gunicorn 'feedsvc:create_app()'` serves pages and valid feeds."""
    with gunicorn(content) as url:
        with urllib.request.urlopen(url + "/rss.xml") as response:
            assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
            check_rss(response.read())
        with urllib.request.urlopen(url + "/authors/m-okafor/atom.xml") as response:
            check_atom(response.read())
        with urllib.request.urlopen(url + "/") as response:
            assert b"The Harbor Ledger" in response.read()


def test_feedsvc_serve_writes_only_its_cache(content: Path, tmp_path: Path) -> None:
    """`feedsvc serve` runs gunicorn workers that serve the feeds, and writes nowhere but
    its cache folder: not into the content folder, not into the home directory."""
    home = tmp_path / "home"
    home.mkdir()
    before = sorted(content.rglob("*"))
    with feedsvc_serve(content, "--workers", "2", env={"HOME": str(home)}) as url:
        with urllib.request.urlopen(url + "/atom.xml") as response:
            check_atom(response.read())
        with urllib.request.urlopen(url + "/healthz") as response:
            assert b'"status":"ok"' in response.read().replace(b" ", b"")
    assert sorted(content.rglob("*")) == before
    assert list(home.iterdir()) == []
    assert (tmp_path / "cache" / "content.pickle").exists()


def test_serve_runs_without_a_cache(content: Path) -> None:
    """`FEEDSVC_CACHE=off feedsvc serve` starts its workers and serves the feeds."""
    with feedsvc_serve(content, env={"FEEDSVC_CACHE": "off"}) as url:
        response = urllib.request.urlopen(url + "/rss.xml", timeout=30)
        assert response.status == 200
