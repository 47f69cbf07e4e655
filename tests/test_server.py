"""End to end: the WSGI factory under a real gunicorn, through real HTTP."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from feedcheck import check_atom, check_rss
from server import gunicorn


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
