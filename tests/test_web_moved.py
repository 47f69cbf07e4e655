"""Old URLs answer 301 to their article, and a page bundle's files are served beside it.

The loader fills `Article.redirects` and `Article.bundle` from Jekyll and Hugo
front matter; here they are set on the catalog directly, so that these tests
pin the serving side on its own: what answers, and what never leaks.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree, html

from conftest import WriteFile, make_app
from feedcheck import ATOM
from feedsvc.catalog import Catalog, build_catalog
from feedsvc.urls import site_path
from test_web_safety import PNG, SCRIPT, get_bounded

SITE = "https://news.example.org/"
RAIL = SITE + "articles/regional-rail-winter-timetable/"
OLD_PATHS = [
    "/2025/10/01/rail-timetable.html",
    "/news/rail/",
    "/caf%C3%A9-rail",
    "/100%25",
    "/articles/gone-rail",
    "/rss.xml",  # a real route: never shadowed
    "/authors/j-williams/",
]


def reshape(app: Flask, changes: dict[str, dict[str, Any]]) -> Catalog:
    """Serve the app's catalog with some articles' fields changed (by slug), as the loader
    would have set them, published as of now."""
    library = app.extensions["feedsvc"]
    current = library.catalog()
    every = (*current.articles, *current.drafts, *current.scheduled)
    articles = [dataclasses.replace(a, **changes.get(a.slug, {})) for a in every]
    built = build_catalog(
        current.site,
        current.authors,
        articles,
        datetime.now(UTC),
        current.body,
        changed=current.changed,
    )
    library.catalog = lambda: built
    return built


@pytest.fixture
def moved(app: Flask) -> FlaskClient:
    """The sample, with old site paths on the rail article and on a draft."""
    reshape(
        app,
        {
            "regional-rail-winter-timetable": {"redirects": tuple(map(site_path, OLD_PATHS))},
            "harbor-seawall-council-vote": {"redirects": ("/drafts/seawall",)},  # a draft
        },
    )
    return app.test_client()


@pytest.mark.parametrize(
    "path",
    [
        "/2025/10/01/rail-timetable.html",
        "/news/rail",
        "/news/rail/",
        "/news//rail//",
        "/news/./rail",
        "/news/rail?from=old-site",
        "/caf%C3%A9-rail/",
        "/café-rail",
        "/100%25/",
        "/articles/gone-rail/",
    ],
)
def test_an_old_url_answers_301_to_its_article(moved: FlaskClient, path: str) -> None:
    """Any shape of an old path (slash or not, `.html`, percent-encoded or not, a query)
    answers 301 to the article's absolute URL."""
    for method in (moved.get, moved.head):
        response = method(path)
        assert (response.status_code, response.location) == (301, RAIL)


def test_an_old_url_without_its_slash_under_articles_arrives_too(moved: FlaskClient) -> None:
    """`/articles/gone-rail` first gets Werkzeug's slash redirect, then the 301."""
    first = moved.get("/articles/gone-rail")
    assert (first.status_code, first.location) == (308, SITE + "articles/gone-rail/")
    second = moved.get(first.location.removeprefix(SITE[:-1]))
    assert (second.status_code, second.location) == (301, RAIL)


@pytest.mark.parametrize(
    "path",
    [
        "/drafts/seawall",  # a draft's old URL: nothing unpublished leaks
        "/100%2525",  # the path '/100%25', not '/100%'
        "/news/rail/more",
        "/news",
        "/2025/10/01/rail-timetable",
    ],
)
def test_other_paths_stay_404(moved: FlaskClient, path: str) -> None:
    """Only the listed paths of published articles redirect; the 404 names nothing."""
    response = moved.get(path)
    assert response.status_code == 404
    assert "seawall" not in response.get_data(as_text=True).lower()


def test_only_reads_redirect(moved: FlaskClient) -> None:
    """A POST to an old URL is a plain 404: a 301 would turn it into a GET."""
    assert moved.post("/news/rail").status_code == 404


@pytest.mark.parametrize(("path", "kind"), [("/rss.xml", "rss"), ("/authors/j-williams/", "html")])
def test_an_old_url_never_shadows_a_route(moved: FlaskClient, path: str, kind: str) -> None:
    """A redirect is looked up only where the answer would be a 404."""
    response = moved.get(path)
    assert response.status_code == 200
    assert kind in response.content_type


def test_redirects_carry_the_headers_of_the_alias_redirect(moved: FlaskClient) -> None:
    """The same security and caching headers as `/articles/<old-slug>/`'s 301."""
    alias = moved.get("/articles/new-rail-timetable/")
    old = moved.get("/news/rail")
    assert alias.status_code == old.status_code == 301
    skip = {"Content-Length", "Location"}
    assert {k: v for k, v in old.headers if k not in skip} == {
        k: v for k, v in alias.headers if k not in skip
    }


# --- page bundles --------------------------------------------------------------------

BUNDLE = """\
---
title: The Tram Line Opens
author: j-williams
date: 2025-10-20 09:00
slug: {slug}
{extra}
---
Riders queued before dawn.

![The first tram](photo.jpg)
"""
NOW = datetime.now(UTC)


@pytest.fixture
def bundles(content: Path, write: WriteFile, tmp_path: Path) -> FlaskClient:
    """Bundles in the content folder: a public one with files of every kind, a draft, a
    scheduled one, an expired one, and a draft bundle nested in the public one."""
    write("news/tram/index.md", BUNDLE.format(slug="tram-line", extra="aliases: [old-tram]"))
    write("news/tram/notes.markdown", "not served\n")
    write("news/tram/nested/index.md", BUNDLE.format(slug="nested", extra="draft: true"))
    write("news/draft/index.md", BUNDLE.format(slug="draft-bundle", extra="draft: true"))
    write("news/later/index.md", BUNDLE.format(slug="later", extra="date: 2031-01-01"))
    write("news/gone/index.md", BUNDLE.format(slug="gone", extra=""))
    tram = content / "news" / "tram"
    (tram / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0jpeg")
    (tram / "sub").mkdir()
    (tram / "sub" / "map.png").write_bytes(PNG)
    (tram / "sub" / "chart.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg">{SCRIPT}</svg>'
    )
    (tram / ".hidden.png").write_bytes(PNG)
    (tram / "_private.png").write_bytes(PNG)
    (tram / "nested" / "secret.jpg").write_bytes(b"\xff\xd8secret")
    (tram / "same.png").symlink_to("sub/map.png")
    (tram / "media.png").symlink_to(content / "media" / "harbor.png")  # out of the bundle
    (tram / "passwd.png").symlink_to("/etc/passwd")
    (tram / "index.png").symlink_to("index.md")
    os.mkfifo(tram / "pipe.png")
    for name in ("draft", "later", "gone"):
        (content / "news" / name / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0jpeg")
    app = make_app(content)
    reshape(
        app,
        {
            "tram-line": {"bundle": "news/tram"},
            "nested": {"bundle": "news/tram/nested"},
            "draft-bundle": {"bundle": "news/draft"},
            "later": {"bundle": "news/later"},
            "gone": {"bundle": "news/gone", "expires": NOW - timedelta(days=1)},
        },
    )
    return app.test_client()


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/articles/tram-line/photo.jpg", 200, "image/jpeg"),
        ("/articles/tram-line/sub/map.png", 200, "image/png"),
        ("/articles/tram-line/sub/chart.svg", 200, "image/svg+xml; charset=utf-8"),
        ("/articles/tram-line/same.png", 200, "image/png"),  # a symlink inside
        ("/articles/tram-line/index.md", 404, None),
        ("/articles/tram-line/notes.markdown", 404, None),
        ("/articles/tram-line/index.png", 404, None),  # a symlink to the index
        ("/articles/tram-line/.hidden.png", 404, None),
        ("/articles/tram-line/_private.png", 404, None),
        ("/articles/tram-line/media.png", 404, None),  # a symlink out of the bundle
        ("/articles/tram-line/passwd.png", 404, None),
        ("/articles/tram-line/pipe.png", 404, None),
        ("/articles/tram-line/nested/secret.jpg", 404, None),  # another (draft) bundle's
        ("/articles/tram-line/nested/index.md", 404, None),
        ("/articles/tram-line/%2e%2e/draft/photo.jpg", 404, None),
        ("/articles/tram-line/sub/../photo.jpg", 404, None),
        ("/articles/tram-line/sub/", 404, None),
        ("/articles/tram-line/missing.jpg", 404, None),
        ("/articles/nested/secret.jpg", 404, None),  # a draft
        ("/articles/draft-bundle/photo.jpg", 404, None),
        ("/articles/later/photo.jpg", 404, None),  # scheduled
        ("/articles/gone/photo.jpg", 404, None),  # expired
        ("/articles/community-garden-harvest/photo.jpg", 404, None),  # not a bundle
        ("/articles/nobody/photo.jpg", 404, None),
    ],
)
def test_a_bundles_files_are_served_by_the_rules_of_media(
    bundles: FlaskClient, path: str, status: int, content_type: str | None
) -> None:
    """Files beside a public bundle's index are served with the type table's type, as in
    media/; never a Markdown file, a hidden one, one through a symlink out, another
    bundle's, or any file of an article the public may not see."""
    code, headers = get_bounded(bundles, path)
    assert code == status
    if content_type:
        assert headers["Content-Type"] == content_type
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_bundles_active_files_are_sandboxed(bundles: FlaskClient) -> None:
    """An SVG beside an article runs no script, as one in media/."""
    policy = bundles.get("/articles/tram-line/sub/chart.svg").headers["Content-Security-Policy"]
    assert "sandbox" in [x.strip() for x in policy.split(";")]


def test_a_bundle_file_answers_ranges_and_conditional_requests(bundles: FlaskClient) -> None:
    """The same machinery as media/: ranges, ETag, 304."""
    part = bundles.get("/articles/tram-line/sub/map.png", headers={"Range": "bytes=0-3"})
    assert (part.status_code, part.data) == (206, PNG[:4])
    etag = bundles.get("/articles/tram-line/sub/map.png").headers["ETag"]
    again = bundles.get("/articles/tram-line/sub/map.png", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_bundle_file_under_an_old_slug_moves_with_it(bundles: FlaskClient) -> None:
    """An alias of the article moves its files too."""
    response = bundles.get("/articles/old-tram/sub/map.png")
    assert (response.status_code, response.location) == (
        301,
        SITE + "articles/tram-line/sub/map.png",
    )


def test_a_relative_image_in_a_bundle_lands_on_its_file(bundles: FlaskClient) -> None:
    """`![](photo.jpg)` in the bundle's body resolves against the article's page, in the
    page and in the feeds, to the file that is served."""
    image = SITE + "articles/tram-line/photo.jpg"
    page = html.fromstring(bundles.get("/articles/tram-line/").data)
    assert image in page.xpath("//article//img/@src")
    feed = etree.fromstring(bundles.get("/atom.xml").data)
    content = next(
        e.findtext(f"{ATOM}content") or ""
        for e in feed.iter(f"{ATOM}entry")
        if e.findtext(f"{ATOM}title") == "The Tram Line Opens"
    )
    assert f'src="{image}"' in content
    assert bundles.get(image.removeprefix(SITE[:-1])).status_code == 200
