"""A Jekyll site and a Hugo site, copied in as they are (tests/fixtures/), publish.

End to end through the real app: what publishes (and what must not), ids kept
for dated file names, the generators' fields mapped, their markup rendered,
old URLs answering 301 over HTTP, a bundle's files served (a draft's not), and
`check` grouping what it reports. These need the loader and the markup that
understand both generators, as well as the serving side.
"""

from __future__ import annotations

import http.client
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from feedcheck import check_atom, check_rss
from feedsvc.cli import main
from feedsvc.urls import FORMATS, FeedKey
from server import gunicorn

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MEDIA_RSS = "{http://search.yahoo.com/mrss/}content"


@dataclass(frozen=True)
class Site:
    """What a fixture should give once loaded."""

    name: str
    base: str
    ids: dict[str, str | None]  # every published slug → its id (None: not checked here)
    unpublished: tuple[str, ...]  # slugs of drafts, scheduled, expired and refused files
    authors: dict[str, str]  # slug → byline, for articles that name theirs another way
    summaries: dict[str, str]  # slug → summary (from `excerpt` / `description`)
    tags: dict[str, set[str]]  # slug → some of its categories
    redirects: dict[str, str]  # old path → slug
    gone: tuple[str, ...]  # old paths of unpublished articles: 404
    media: dict[str, str]  # served path → Content-Type
    hidden: tuple[str, ...]  # files that must be a 404
    literal: dict[str, list[str]]  # slug → text that comes out as written (escaped forms)
    links: dict[str, list[str]]  # slug → hrefs its content must have
    errors: tuple[str, ...]  # files `check` reports an error for
    warnings: tuple[str, ...]  # files with a warning that changes the article
    unknown: dict[str, int]  # unknown field → how many files have it
    updated: dict[str, str] = field(default_factory=dict)  # slug → Atom <updated>


JEKYLL = Site(
    name="jekyll",
    base="https://tramway.example.net/",
    ids={
        "tram-line-opens": "tag:tramway.example.net,2016-03-01:2016-03-01-tram-line-opens",
        "night-service": "tag:tramway.example.net,2016-04-12:2016-04-12-night-service",
        "fare-changes": "tag:tramway.example.net,2016-05-20:2016-05-20-fare-changes",
        "depot-tour": "tag:tramway.example.net,2016-07-04:2016-07-04-depot-tour",
    },
    unpublished=("unpublished-idea", "broken-date"),
    authors={
        "tram-line-opens": "Matt Rourke",  # `mattr-`: a handle ending in '-'
        "night-service": "Kay Barnes",  # `KBarnes`: authors/kbarnes.md
        "fare-changes": "Lena Ortiz",  # by the author's name
    },
    summaries={
        "tram-line-opens": "The first line runs from the station to the harbour, every eight "
        "minutes at peak times.",
        "fare-changes": "Single tickets go up by ten pence; day passes stay as they are.",
    },
    tags={"tram-line-opens": {"transit", "city"}, "night-service": {"transit", "night"}},
    redirects={
        "/night-buses/": "night-service",
        "/night-buses": "night-service",
        "/2016/04/12/night.html": "night-service",
        "/fares/2016/": "fare-changes",
        "/articles/2016-03-01-tram-line-opens/": "tram-line-opens",  # the old name
    },
    gone=("/idea/", "/articles/2016-06-01-unpublished-idea/", "/articles/unpublished-idea/"),
    media={"/media/route.png": "image/png"},
    hidden=("/posts/2016-06-01-unpublished-idea.markdown", "/media/route.markdown"),
    literal={"fare-changes": ["{{ fare.zone }}"]},
    links={
        "night-service": ["https://tramway.example.net/articles/tram-line-opens/"],
        "tram-line-opens": ["https://tramway.example.net/media/route.png"],
    },
    errors=("posts/2016-08-15-broken-date.markdown",),
    warnings=("posts/2016-07-04-depot-tour.md",),  # `{% include %}`: dropped, said once
    unknown={"tram_colour": 3},
)

HUGO = Site(
    name="hugo",
    base="https://ferries.example.org/",
    ids={
        "new-timetable": "tag:ferries.example.org,2024-01-10:new-timetable",
        "winter-schedule": "tag:ferries.example.org,2024-02-01:winter-schedule",
        "quick-note": "tag:ferries.example.org,2023-12-20:quick-note",
        "summer-ferries": None,
    },
    unpublished=("night-crossing", "new-pier", "draft-notes", "index"),
    authors={
        "new-timetable": "The Editorial Desk",  # the site's default author
        "quick-note": "The Editorial Desk",
        "winter-schedule": "Ana Pereira",  # `authors: [ana-p]`
    },
    summaries={
        "new-timetable": "Boats leave every forty minutes from March, and the last one is "
        "later on Fridays."
    },
    tags={"new-timetable": {"routes", "timetables"}, "summer-ferries": {"routes", "summer"}},
    redirects={
        "/timetable-2024/": "new-timetable",
        "/timetable-2024": "new-timetable",
        "/news/old-timetable.html": "new-timetable",
    },
    gone=("/festival-night/",),  # an expired article's alias
    media={"/articles/new-timetable/harbour.png": "image/png"},
    hidden=(
        "/articles/draft-notes/sketch.png",  # a draft's bundle
        "/articles/night-crossing/poster.png",  # an expired one's
        "/articles/new-pier/index.md",
        "/articles/new-timetable/index.md",
    ),
    literal={"winter-schedule": ['{{< figure src="photo.jpg" >}}']},
    links={
        "winter-schedule": ["https://ferries.example.org/articles/new-timetable/"],
        "new-timetable": ["https://ferries.example.org/articles/new-timetable/harbour.png"],
    },
    errors=(),
    warnings=(),
    unknown={"ferry_class": 2},
    updated={"winter-schedule": "2024-02-03T08:00:00+00:00"},
)


@pytest.fixture(params=[JEKYLL, HUGO], ids=lambda site: site.name)
def site(request: pytest.FixtureRequest) -> Site:
    """Each generator's expectations."""
    expected: Site = request.param
    return expected


@pytest.fixture
def content(site: Site, tmp_path: Path) -> Path:
    """A copy of the fixture's content folder, in place of the bundled articles (so the
    shared `app` and `client` fixtures serve it)."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / site.name, root)
    return root


def path_of(site: Site, url: str) -> str:
    """A URL of the site as the path the service answers."""
    assert url.startswith(site.base), url
    return "/" + url.removeprefix(site.base)


def atom_entries(client: FlaskClient) -> dict[str, feedparser.FeedParserDict]:
    """The site's Atom feed, checked, by each entry's slug."""
    parsed = check_atom(client.get("/atom.xml").data)
    return {entry.link.rstrip("/").rpartition("/")[2]: entry for entry in parsed.entries}


def test_every_article_publishes_that_should(site: Site, app: Flask, client: FlaskClient) -> None:
    """Each post publishes; the draft, scheduled, expired and refused ones do not, and no
    page, feed or bundle file shows them."""
    catalog = app.extensions["feedsvc"].catalog()
    assert {a.slug for a in catalog.articles} == set(site.ids)
    assert set(atom_entries(client)) == set(site.ids)
    for slug in site.ids:
        assert client.get(f"/articles/{slug}/").status_code == 200, slug
    for slug in site.unpublished:
        assert slug not in catalog.by_slug
        assert client.get(f"/articles/{slug}/").status_code == 404, slug


def test_site_and_author_feeds_pass_the_feed_checks(
    site: Site, app: Flask, client: FlaskClient
) -> None:
    """RSS 2.0 and Atom rules for the site's feed and every author's."""
    catalog = app.extensions["feedsvc"].catalog()
    keys = [FeedKey("site", "", fmt) for fmt in FORMATS]
    keys += [FeedKey("author", slug, fmt) for slug in catalog.authors for fmt in FORMATS]
    for key in keys:
        response = client.get(key.path())
        assert response.status_code == 200, key
        (check_rss if key.fmt == "rss" else check_atom)(response.data)


def test_ids_are_those_of_the_file_names(site: Site, client: FlaskClient) -> None:
    """A dated name's id keeps its full stem (the id the article had under it)."""
    entries = atom_entries(client)
    for slug, expected in site.ids.items():
        if expected is not None:
            assert entries[slug].id == expected, slug


def test_the_generators_fields_are_mapped(site: Site, client: FlaskClient) -> None:
    """Authors by handle, case or name (or the site's), summaries from `excerpt` and
    `description`, categories as tags, `lastmod` as updated."""
    entries = atom_entries(client)
    for slug, byline in site.authors.items():
        assert entries[slug].author_detail.name == byline, slug
    for slug, summary in site.summaries.items():
        assert entries[slug].summary == summary, slug
    for slug, tags in site.tags.items():
        assert tags <= {t.term for t in entries[slug].tags}, slug
    for slug, when in site.updated.items():
        updated = datetime(*entries[slug].updated_parsed[:6], tzinfo=UTC)
        assert updated == datetime.fromisoformat(when), slug


def test_markup_never_reaches_the_feeds_as_literal_text(site: Site, client: FlaskClient) -> None:
    """Liquid tags and Hugo shortcodes are rendered or dropped; their escaped forms come
    out as written; links they make point at the articles."""
    for slug, entry in atom_entries(client).items():
        body = entry.content[0].value
        text = lxml.html.fromstring(f"<div>{body}</div>").text_content()
        for literal in site.literal.get(slug, []):
            assert literal in text, slug
            text = text.replace(literal, "")
        for mark in ("{%", "%}", "{{<", ">}}", "{{%", "%}}", "{{"):
            assert mark not in text, (slug, mark)
        hrefs = lxml.html.fromstring(f"<div>{body}</div>").xpath("//@href | //@src")
        for link in site.links.get(slug, []):
            assert link in hrefs, (slug, link)


def test_every_image_in_the_feeds_is_served(site: Site, client: FlaskClient) -> None:
    """Images in the content and lead images (`images`, `image`), bundle files included."""
    body = client.get("/rss.xml").data
    urls = {node.get("url") for node in etree.fromstring(body).iter(MEDIA_RSS)}
    for entry in feedparser.parse(body).entries:
        urls.update(lxml.html.fromstring(f"<div>{entry.content[0].value}</div>").xpath("//@src"))
    assert urls
    for url in urls:
        assert client.get(path_of(site, url)).status_code == 200, url


def test_media_and_bundle_files_are_served_and_unpublished_ones_not(
    site: Site, client: FlaskClient
) -> None:
    """Files beside a public bundle's index are served; a draft's or an expired article's
    are a 404, as is any Markdown file."""
    for path, content_type in site.media.items():
        response = client.get(path)
        assert (response.status_code, response.content_type) == (200, content_type), path
    for path in site.hidden:
        assert client.get(path).status_code == 404, path


def answer(base: str, path: str) -> tuple[int, str | None]:
    """A GET over real HTTP, its redirect not followed: the status and Location."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def test_old_urls_answer_301_over_http(site: Site, content: Path) -> None:
    """`redirect_from`, `permalink`, path `aliases` and the old dated name, through a real
    server; an unpublished article's old URLs stay 404."""
    with gunicorn(content) as base:
        for path, slug in site.redirects.items():
            assert answer(base, path) == (301, site.base + f"articles/{slug}/"), path
        for path in site.gone:
            assert answer(base, path)[0] == 404, path


def sections(output: str) -> dict[str, list[str]]:
    """`check`'s text output by heading (its first word), each with its lines."""
    found: dict[str, list[str]] = {}
    current = found.setdefault("", [])
    for line in output.splitlines()[:-1]:  # the last is the summary
        if not line.startswith(" ") and line.endswith(":") and ":" not in line[:-1].split("(")[0]:
            current = found.setdefault(line.split()[0], [])
        else:
            current.append(line)
    return found


def test_check_reports_what_stops_or_changes_an_article(site: Site, content: Path) -> None:
    """Errors by file, then warnings that change an article, then each unknown field on
    one line with its count; presentation fields say nothing; JSON keeps every one."""
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == (1 if site.errors else 0), result.output
    found = sections(result.output)
    assert not found[""], result.output  # nothing before the first heading
    errors = {line.split(":")[0] for line in found.get("Errors", []) if not line.startswith(" ")}
    warnings = {
        line.split(":")[0] for line in found.get("Warnings", []) if not line.startswith(" ")
    }
    assert (errors, warnings) == (set(site.errors), set(site.warnings)), result.output
    folded = [line for line in found["Unknown"] if not line.startswith("    ")]
    assert len(folded) == len(site.unknown), result.output
    for line, (name, count) in zip(folded, site.unknown.items(), strict=True):
        assert line.startswith(f"  '{name}' in {count} files: "), line
    assert "unknown field" not in result.output
    report = json.loads(
        CliRunner().invoke(main, ["check", "--json", "--content", str(content)]).output
    )
    unknown = [p for p in report["problems"] if p["message"].startswith("unknown field")]
    assert len(unknown) == sum(site.unknown.values())
