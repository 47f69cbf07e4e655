"""The pages in a real headless browser (Debian's chromium) against gunicorn."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lxml import html

from server import gunicorn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
]


def browse(url: str, profile: Path, *extra: str) -> str:
    """What chromium prints for `url` with `extra` flags."""
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_author_page_shows_the_feed_as_readers_see_it(content: Path, tmp_path: Path) -> None:
    """An author checking their page sees their entries, summaries, related links, feed links."""
    with gunicorn(content, env={"FEEDSVC_BASE_URL": "http://127.0.0.1:1/"}) as url:
        dom = html.fromstring(
            browse(url + "/authors/j-williams/", tmp_path / "profile", "--dump-dom")
        )
        shot = tmp_path / "author.png"
        browse(url + "/authors/j-williams/", tmp_path / "profile", f"--screenshot={shot}")
    titles = [h.text_content() for h in dom.xpath("//li[@class='entry']/h2")]
    assert "Trump and Putin Agree to Meet in Budapest Over the War in Ukraine" in titles
    assert dom.xpath("//aside[@class='related']//a/text()")
    assert dom.xpath("//head/link[@rel='alternate']/@href")[0].endswith(
        "/authors/j-williams/rss.xml"
    )
    assert shot.stat().st_size > 10_000  # a real rendering, not a blank page
