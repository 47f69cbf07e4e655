"""The site through HTTP, with Flask's test client over the real app."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from conftest import WriteFile, make_app
from feedcheck import check_atom, check_rss

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
