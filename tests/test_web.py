"""The site through HTTP, with Flask's test client over the real app."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree, html

from conftest import GOOD_ARTICLE, WriteFile, make_app
from feedcheck import check_atom, check_rss
from test_feeds import write_empty_bodies

FEEDS = ["/rss.xml", "/atom.xml", "/authors/j-williams/rss.xml", "/authors/m-okafor/atom.xml"]
PAGES = ["/", "/authors/s-lindqvist/", "/articles/trump-putin-budapest-summit/"]


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_are_served_with_their_content_type(client: FlaskClient, path: str) -> None:
    """RSS and Atom come with their media types and charset, and are valid."""
    response = client.get(path)
    assert response.status_code == 200
    if path.endswith("rss.xml"):
        assert response.content_type == "application/rss+xml; charset=utf-8"
        check_rss(response.data)
    else:
        assert response.content_type == "application/atom+xml; charset=utf-8"
        check_atom(response.data)


@pytest.mark.parametrize("path", ["/authors/nobody/rss.xml", "/authors/nobody/", "/articles/nope/"])
def test_unknown_things_are_a_short_404(client: FlaskClient, path: str) -> None:
    """Unknown authors and articles get a 404 with a readable message."""
    response = client.get(path)
    assert response.status_code == 404
    assert "No such" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_advertises_its_feeds(client: FlaskClient, path: str) -> None:
    """Pages carry <link rel="alternate"> autodiscovery tags with absolute URLs."""
    tree = html.fromstring(client.get(path).data)
    alternates = {
        (x.get("type"), x.get("href")) for x in tree.xpath("//head/link[@rel='alternate']")
    }
    assert ("application/rss+xml", "https://news.example.org/rss.xml") in alternates
    assert ("application/atom+xml", "https://news.example.org/atom.xml") in alternates
    assert all(x.get("title") for x in tree.xpath("//head/link[@rel='alternate']"))


def test_author_page_shows_bio_feed_and_articles(client: FlaskClient) -> None:
    """The author's page: bio, their own feed advertised first, their articles."""
    tree = html.fromstring(client.get("/authors/j-williams/").data)
    first = tree.xpath("//head/link[@rel='alternate']")[0]
    assert first.get("href") == "https://news.example.org/authors/j-williams/rss.xml"
    text = tree.text_content()
    assert "covers national politics" in text
    assert "Trump and Putin Agree to Meet in Budapest" in text
    assert "Riverside Library" not in text  # another author's article


def test_article_page_has_author_box_and_related(client: FlaskClient) -> None:
    """The article page ends with "About <author>" and the "Related" links."""
    tree = html.fromstring(client.get("/articles/trump-putin-budapest-summit/").data)
    headings = [h.text_content() for h in tree.xpath("//h2|//h3")]
    assert "About J. Williams" in headings
    assert "Related" in headings
    related = tree.xpath("//aside[@class='related']//a/@href")
    assert related == ["https://news.example.org/articles/john-bolton-indicted/"]


def test_old_slug_redirects_permanently(client: FlaskClient) -> None:
    """An alias answers 301 to the article's current address."""
    response = client.get("/articles/new-rail-timetable/")
    assert response.status_code == 301
    assert response.location == "https://news.example.org/articles/regional-rail-winter-timetable/"


def test_nothing_unpublished_is_shown(client: FlaskClient) -> None:
    """Drafts and scheduled articles appear on no page and in no feed."""
    for path in [*FEEDS, *PAGES, "/authors/j-williams/", "/authors/s-lindqvist/rss.xml"]:
        body = client.get(path).get_data(as_text=True)
        assert "Seawall" not in body, path  # the draft
        assert "Tricentennial" not in body, path  # scheduled for 2031
    assert client.get("/articles/harbor-seawall-council-vote/").status_code == 404
    assert client.get("/articles/harbor-tricentennial-festival/").status_code == 404


def test_scheduled_article_goes_live_without_restart(app: Flask, client: FlaskClient) -> None:
    """When its time comes, the next request serves the scheduled article."""
    assert b"Tricentennial" not in client.get("/rss.xml").data
    app.extensions["feedsvc"].clock = lambda: datetime(2031, 6, 1, 9, 0, 1, tzinfo=UTC)
    assert b"Tricentennial" in client.get("/rss.xml").data
    assert client.get("/articles/harbor-tricentennial-festival/").status_code == 200


def test_base_url_setting_moves_links_not_ids(content: Path) -> None:
    """FEEDSVC_BASE_URL changes every link, never an id; the Host header changes nothing."""
    app = make_app(content, base_url="https://mirror.example.net/news/")
    body = (
        app.test_client().get("/atom.xml", headers={"Host": "evil.example"}).get_data(as_text=True)
    )
    assert "https://mirror.example.net/news/articles/trump-putin-budapest-summit/" in body
    assert "tag:news.example.org,2025-10-16:trump-putin-budapest-summit" in body
    assert "evil.example" not in body and "https://news.example.org/articles" not in body


def test_broken_file_is_left_out_and_the_rest_served(write: WriteFile, content: Path) -> None:
    """A broken article never stops the service, and its name is never shown."""
    write("2025/zz-secret-scoop.md", "---\ntitle: [oops\n---\n")
    client = make_app(content).test_client()
    for path in ["/", "/rss.xml", "/atom.xml"]:
        response = client.get(path)
        assert response.status_code == 200
        assert b"secret-scoop" not in response.data


def test_article_page_offers_the_site_feed_first(client: FlaskClient) -> None:
    """A browser subscribing from an article page gets the site's feed, then the authors'."""
    tree = html.fromstring(client.get("/articles/community-garden-harvest/").data)
    hrefs = [x.get("href") for x in tree.xpath("//head/link[@rel='alternate']")]
    assert hrefs[0] == "https://news.example.org/rss.xml"
    assert "https://news.example.org/authors/m-okafor/rss.xml" in hrefs


def test_media_files_are_served(client: FlaskClient) -> None:
    """Images under the content folder's media/ are served, and nothing outside it."""
    response = client.get("/media/harbor.png")
    assert (response.status_code, response.content_type) == (200, "image/png")
    assert client.get("/media/../site.yaml").status_code == 404


def test_pages_show_entries_without_summary(write: WriteFile, content: Path) -> None:
    """The front page, the author's page and the article's page show an entry with no body,
    with no empty summary paragraph and no "None"."""
    write_empty_bodies(write)
    client = make_app(content).test_client()
    for path in ["/", "/authors/j-williams/", "/articles/zz-nothing/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "zz-nothing" in page and "None" not in page, path
        assert '<p class="summary"></p>' not in page, path
    home = html.fromstring(client.get("/").data)
    summaries = {
        li.findtext("h2/a"): [p.text for p in li.xpath("p[@class='summary']")]
        for li in home.xpath("//li[@class='entry']")
    }
    assert summaries["zz-nothing"] == []
    assert summaries["zz-only-summary"] == ["A summary written by hand."]


# --- a site under a sub-path ------------------------------------------------------------

SUB = "https://example.com/news/"
LINKS_ARTICLE = """
---
title: Links Of Every Kind
author: j-williams
date: 2025-12-01
image: /media/harbor.png
related:
  - john-bolton-indicted
  - url: https://other.example.org/report
    title: The report
---
A [site link](/articles/john-bolton-indicted/) and ![an image](/media/harbor.png), a relative
![picture](pic.png) and [a sibling](../community-garden-harvest/), raw
<a href="/media/x.pdf">a file</a> and <img src="/media/raw.png" alt="raw">, then a
[protocol-relative link](//cdn.example.net/lib.png), an [absolute one](https://other.example.org/page)
and [a note](#notes).
"""


def site_under_sub_path(content: Path, write: WriteFile, via: str) -> FlaskClient:
    """The sample under `SUB`, set `via` site.yaml or the setting, with a body, a bio and an
    avatar that use every kind of link."""
    if via == "site.yaml":
        site = (content / "site.yaml").read_text(encoding="utf-8")
        (content / "site.yaml").write_text(
            site.replace("https://news.example.org/", SUB), encoding="utf-8"
        )
    write("2025/zz-links.md", LINKS_ARTICLE)
    write(
        "authors/j-williams.md",
        """
        ---
        name: J. Williams
        email: jwilliams@news.example.org
        avatar: /media/j-williams.png
        ---
        Covers [the courts](/articles/john-bolton-indicted/); ![portrait](portrait.png)
        """,
    )
    app = make_app(content) if via == "site.yaml" else make_app(content, base_url=SUB)
    return app.test_client()


def urls_in_html(fragment: str) -> list[str]:
    """Every href and src in an HTML fragment or page."""
    if not fragment.strip():
        return []
    return [
        value
        for element in html.fragments_fromstring(fragment)
        if not isinstance(element, str)
        for node in element.iter()
        for name, value in node.attrib.items()
        if name in ("href", "src")
    ]


def urls_in_feed(body: bytes) -> list[str]:
    """Every URL an RSS or Atom document writes: in attributes, in URL elements, in HTML."""
    found: list[str] = []
    for node in etree.fromstring(body).iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        found += [v for k, v in node.attrib.items() if k in ("href", "src", "url")]
        text = (node.text or "").strip()
        if name in ("link", "logo", "icon", "url", "uri") and text:
            found.append(text)
        if name == "id" and text.startswith("http"):  # a feed's own id is its URL
            found.append(text)
        if name in ("description", "encoded", "content") and node.text:
            found += urls_in_html(node.text)
    return found


@pytest.mark.parametrize("via", ["site.yaml", "FEEDSVC_BASE_URL"])
def test_every_link_keeps_the_sites_sub_path(content: Path, write: WriteFile, via: str) -> None:
    """Under `https://example.com/news/`, every link to the site in every feed, page and
    header keeps `/news/`: site paths resolve against the site, relative links against the
    page, links elsewhere are only made absolute."""
    client = site_under_sub_path(content, write, via)
    written: dict[str, list[str]] = {}
    for slug in ("", "authors/j-williams/", "authors/m-okafor/", "authors/s-lindqvist/"):
        for name in ("rss.xml", "atom.xml"):
            response = client.get(f"/{slug}{name}")
            assert response.status_code == 200
            (check_rss if name == "rss.xml" else check_atom)(response.data)
            written[f"/{slug}{name}"] = urls_in_feed(response.data)
    pages = ["/", "/authors/j-williams/", "/authors/m-okafor/", "/articles/zz-links/"]
    pages += [f"/articles/{a}/" for a in ("john-bolton-indicted", "community-garden-harvest")]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200
        written[path] = urls_in_html(response.get_data(as_text=True))
    moved = client.get("/articles/new-rail-timetable/")
    written["Location"] = [moved.headers["Location"]]
    for where, urls in written.items():
        assert urls, where
        for url in urls:
            parts = urlsplit(url)
            assert parts.scheme in ("https", "mailto"), (where, url)
            if parts.hostname == "example.com":
                assert url.startswith(SUB), (where, url)
    feed = " ".join(written["/atom.xml"])
    article = " ".join(written["/articles/zz-links/"])
    for url in [
        f"{SUB}articles/john-bolton-indicted/",
        f"{SUB}media/harbor.png",
        f"{SUB}articles/zz-links/pic.png",
        f"{SUB}articles/community-garden-harvest/",
        f"{SUB}media/x.pdf",
        f"{SUB}media/raw.png",
        f"{SUB}articles/zz-links/#notes",
        "https://cdn.example.net/lib.png",
        "https://other.example.org/page",
        "https://other.example.org/report",
    ]:
        assert url in feed.split() and url in article.split(), url
    assert f"{SUB}static/logo.png" in written["/atom.xml"]
    assert f"{SUB}static/icon.png" in written["/atom.xml"]
    assert f"{SUB}static/icon.png" in written["/rss.xml"]
    author = written["/authors/j-williams/"]
    assert f"{SUB}media/j-williams.png" in author
    assert f"{SUB}articles/john-bolton-indicted/" in author
    assert f"{SUB}authors/j-williams/portrait.png" in author
    assert f"{SUB}authors/j-williams/portrait.png" in article  # the author box
    assert written["Location"] == [f"{SUB}articles/regional-rail-winter-timetable/"]


def test_health_reports_counts_not_names(content: Path, write: WriteFile) -> None:
    """/healthz counts the problems of broken and odd files, and names none of them: a
    file name can give away a story that is not published."""
    write("2025/secret-merger-talks.md", "---\ntitle: [half-saved\n")
    write("2025/quiet-takeover-bid.md", GOOD_ARTICLE.replace("tags:", "tagz:"))
    response = make_app(content).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["problems"] == {"errors": 1, "warnings": 1}
    text = response.get_data(as_text=True)
    assert "secret" not in text and "takeover" not in text and ".md" not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_site_without_id_authority_serves(content: Path) -> None:
    """site.yaml without `id_authority` starts and serves, with ids from the host of its url."""
    site = content / "site.yaml"
    lines = site.read_text(encoding="utf-8").splitlines()
    site.write_text("\n".join(x for x in lines if not x.startswith("id_authority")) + "\n")
    client = make_app(content, base_url="http://127.0.0.1:8000/").test_client()
    response = client.get("/atom.xml")
    assert response.status_code == 200
    assert b"<id>tag:news.example.org,2025-10-16:john-bolton-indicted</id>" in response.data
