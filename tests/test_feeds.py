"""Feeds built from the sample: valid, complete, deterministic; feedgen's quirks handled."""

from __future__ import annotations

import dataclasses
import locale
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import SAMPLE, WriteFile
from feedcheck import ATOM, check_atom, check_rss
from feedsvc import feeds
from feedsvc.catalog import Catalog, build_catalog
from feedsvc.feeds import specs
from feedsvc.feeds.entries import byline
from feedsvc.loading import load

NOW = datetime(2026, 1, 1, tzinfo=UTC)
AUTHORS = ["j-williams", "m-okafor", "s-lindqvist"]


def catalog_of(root: Path = SAMPLE, now: datetime = NOW) -> Catalog:
    """The catalog of a content folder at `now`."""
    loaded = load(root)
    return build_catalog(loaded.site, loaded.authors, loaded.articles, now, loaded.body)


def every_feed(catalog: Catalog) -> list[feeds.Feed]:
    """The site's feed and each author's."""
    found = [feeds.build(catalog, "author", slug) for slug in AUTHORS]
    return [feeds.build(catalog, "site"), *(f for f in found if f)]


@pytest.mark.parametrize("who", [None, *AUTHORS])
def test_every_feed_is_valid_in_both_formats(who: str | None) -> None:
    """Each feed passes the RSS 2.0 and Atom checks, with the same entries in each."""
    catalog = catalog_of()
    feed = feeds.build(catalog, "author", who) if who else feeds.build(catalog, "site")
    assert feed is not None
    rss, atom = check_rss(feeds.WRITERS["rss"](feed)), check_atom(feeds.WRITERS["atom"](feed))
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    assert len(atom.entries) == len(feed.entries) > 0


def test_site_feed_entries() -> None:
    """Newest first, no drafts, no scheduled; each entry complete."""
    parsed = feedparser.parse(feeds.WRITERS["atom"](feeds.build(catalog_of(), "site")))
    slugs = [e.link.rstrip("/").rsplit("/", 1)[-1] for e in parsed.entries]
    assert "harbor-seawall-council-vote" not in slugs  # draft
    assert "harbor-tricentennial-festival" not in slugs  # scheduled for 2031
    dates = [e.published_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)
    summit = parsed.entries[slugs.index("trump-putin-budapest-summit")]
    assert summit.id == "tag:news.example.org,2025-10-16:trump-putin-budapest-summit"
    assert summit.published == "2025-10-16T22:30:00+00:00"
    assert [t.term for t in summit.tags] == ["politics", "diplomacy", "russia", "ukraine"]
    assert summit.authors == [
        {
            "name": "J. Williams",
            "email": "jwilliams@news.example.org",
            "href": "https://news.example.org/authors/j-williams/",
        }
    ]
    assert (
        summit.content[0]
        .value.rstrip()
        .endswith(
            '<h2>Related</h2>\n<ul><li><a href="https://news.example.org/articles/john-bolton-indicted/">'
            "Former National Security Adviser John Bolton Indicted Over Classified Documents</a></li></ul>"
        )
    )


def test_feed_level_fields() -> None:
    """Title, subtitle, self and alternate links, language, logo, icon, updated."""
    catalog = catalog_of()
    feed = feeds.build(catalog, "author", "m-okafor")
    assert feed is not None
    parsed = feedparser.parse(feeds.WRITERS["atom"](feed)).feed
    assert parsed.title == "Maya Okafor — The Harbor Ledger"
    assert parsed.subtitle == "Articles by Maya Okafor in The Harbor Ledger"
    links = {(x.rel, x.href) for x in parsed.links}
    assert ("self", "https://news.example.org/authors/m-okafor/atom.xml") in links
    assert ("alternate", "https://news.example.org/authors/m-okafor/") in links
    assert parsed.id == "https://news.example.org/authors/m-okafor/atom.xml"
    assert (parsed.logo, parsed.icon) == (
        "https://news.example.org/static/logo.png",
        "https://news.example.org/static/icon.png",
    )
    assert parsed.updated == max(e.updated for e in feed.entries).isoformat()
    rss = feedparser.parse(feeds.WRITERS["rss"](feed)).feed
    assert (rss.language, rss.ttl, rss.link) == (
        "en",
        "5",
        "https://news.example.org/authors/m-okafor/",
    )


def test_co_authored_article_is_in_both_feeds_with_both_authors() -> None:
    """A co-authored article lists every author and appears in each author's feed."""
    catalog = catalog_of()
    for slug in ("m-okafor", "s-lindqvist"):
        feed = feeds.build(catalog, "author", slug)
        assert feed is not None
        garden = next(e for e in feed.entries if e.slug == "community-garden-harvest")
        assert [a.slug for a in garden.authors] == ["m-okafor", "s-lindqvist"]


def test_name_only_author_does_not_vanish_from_rss() -> None:
    """RSS <author> needs an e-mail; a name-only author is still in the dc:creator byline."""
    feed = feeds.build(catalog_of(), "author", "m-okafor")
    assert feed is not None
    root = etree.fromstring(feeds.WRITERS["rss"](feed))
    for item in root.iter("item"):
        creators = item.findall("{http://purl.org/dc/elements/1.1/}creator")
        assert len(creators) == 1 and "Maya Okafor" in (creators[0].text or "")


def test_derived_summary_is_plain_text_cut_at_a_word() -> None:
    """An article without `summary` gets one from its body: plain text, whole words."""
    catalog = catalog_of()
    entry = feeds.entry(catalog, catalog.by_slug["john-bolton-indicted"])
    assert "<" not in entry.summary and "\n" not in entry.summary
    assert len(entry.summary) <= 280
    assert entry.summary.endswith(" …")
    body_words = feeds.article_html(catalog, catalog.by_slug["john-bolton-indicted"])
    assert entry.summary.removesuffix(" …").split()[-1] in body_words


def test_image_is_shown_and_machine_readable() -> None:
    """The image leads the content (most readers ignore media:) and is media:content too."""
    catalog = catalog_of()
    entry = feeds.entry(catalog, catalog.by_slug["science-museum-tides-exhibit"])
    image = "https://news.example.org/media/harbor.png"
    assert entry.content.startswith(f'<p><img src="{image}" alt=""></p>')
    feed = feeds.Feed("site", "", "T", "S", catalog.site, catalog.urls, NOW, (entry,), ("T", "/"))
    atom = etree.fromstring(feeds.WRITERS["atom"](feed))
    related = atom.findall(f"{ATOM}entry/{ATOM}link[@rel='related']")
    assert [(x.get("href"), x.get("title")) for x in related] == [
        ("https://tidesandcurrents.noaa.gov/", "NOAA Tides & Currents")
    ]
    media = atom.find(".//{http://search.yahoo.com/mrss/}content")
    assert media is not None
    assert (media.get("url"), media.get("type"), media.get("medium")) == (
        image,
        "image/png",
        "image",
    )


def test_rss_names_each_author_once() -> None:
    """RSS: one dc:creator with the whole byline and no <author>, so readers (which show one
    dc:creator) show every name, each once."""
    body = feeds.WRITERS["rss"](feeds.build(catalog_of(), "site"))
    root = etree.fromstring(body)
    garden = next(i for i in root.iter("item") if "garden" in (i.findtext("link") or ""))
    creators = garden.findall("{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Maya Okafor and Sven Lindqvist"]
    assert root.find(".//item/author") is None
    parsed = feedparser.parse(body)
    entry = next(e for e in parsed.entries if "garden" in e.link)
    assert entry.author == "Maya Okafor and Sven Lindqvist"
    assert [a.name for a in entry.authors] == ["Maya Okafor and Sven Lindqvist"]
    summit = next(e for e in parsed.entries if "budapest" in e.link)
    assert summit.author == "J. Williams"


def test_atom_has_one_author_element_per_author() -> None:
    """Atom (RFC 4287): each co-author is an <author> of their own, in byline order, with
    their page and, when known, e-mail."""
    parsed = feedparser.parse(feeds.WRITERS["atom"](feeds.build(catalog_of(), "site")))
    garden = next(e for e in parsed.entries if "garden" in e.link)
    assert garden.authors == [
        {"name": "Maya Okafor", "href": "https://news.example.org/authors/m-okafor/"},
        {
            "name": "Sven Lindqvist",
            "email": "slindqvist@news.example.org",
            "href": "https://news.example.org/authors/s-lindqvist/",
        },
    ]


@pytest.mark.parametrize(
    ("names", "language", "line"),
    [
        ([], "en", ""),
        (["A"], "en", "A"),
        (["A", "B"], "en", "A and B"),
        (["A", "B", "C"], "en", "A, B and C"),
        (["A", "B", "C", "D"], "en", "A, B, C and D"),
        (["A", "B"], "en-us", "A and B"),
        (["A", "B"], "EN-GB", "A and B"),
        (["A", "B", "C"], "de", "A, B und C"),
        (["A", "B"], "de-at", "A und B"),
        (["A", "B"], "fr", "A et B"),
        (["A", "B"], "es", "A y B"),
        (["A", "B"], "it", "A e B"),
        (["A", "B"], "nl", "A en B"),
        (["A", "B"], "pt-br", "A e B"),
        (["A", "B"], "sv", "A och B"),
        (["A", "B"], "da", "A og B"),
        (["A", "B"], "nb", "A og B"),
        (["A", "B"], "no", "A og B"),
        (["A", "B"], "fi", "A ja B"),
        (["A", "B"], "pl", "A i B"),
        (["A", "B", "C"], "ja", "A, B & C"),
        (["A", "B"], "zh-hant", "A & B"),
        (["A"], "ja", "A"),
    ],
)
def test_byline(names: list[str], language: str, line: str) -> None:
    """Authors as one byline: commas, then the site language's "and" (else "&")."""
    assert byline(names, language) == line


def test_rss_byline_uses_the_sites_language(content: Path) -> None:
    """The RSS byline's conjunction follows `language` in site.yaml."""
    site = (content / "site.yaml").read_text(encoding="utf-8")
    (content / "site.yaml").write_text(
        site.replace("language: en", "language: de"), encoding="utf-8"
    )
    parsed = check_rss(feeds.WRITERS["rss"](feeds.build(catalog_of(content), "site")))
    garden = next(e for e in parsed.entries if "garden" in e.link)
    assert garden.author == "Maya Okafor und Sven Lindqvist"


def test_summary_is_plain_text_everywhere(write: WriteFile, content: Path) -> None:
    """A summary with markup-like text stays text: escaped in RSS, headings left out."""
    write(
        "2025/zz-code.md",
        "---\ntitle: Code\nauthor: j-williams\ndate: 2025-12-01\n---\n"
        "# A heading\n\nUse `<script>` & friends.\n\n## Another\n\nMore text.\n",
    )
    catalog = catalog_of(content)
    entry = feeds.entry(catalog, catalog.by_slug["zz-code"])
    assert entry.summary == "Use <script> & friends. More text."
    one = feeds.Feed("site", "", "T", "S", catalog.site, catalog.urls, NOW, (entry,), ("T", "/"))
    atom = feedparser.parse(feeds.WRITERS["atom"](one)).entries[0].summary_detail
    assert (atom.type, atom.value) == ("text/plain", "Use <script> & friends. More text.")
    rss = (
        feedparser.parse(feeds.WRITERS["rss"](one)).entries[0].summary_detail
    )  # HTML, shown as text
    assert (rss.type, rss.value) == ("text/html", "Use &lt;script&gt; &amp; friends. More text.")


EMPTY_BODIES = {
    "zz-nothing": "",
    "zz-only-image": "image: /media/harbor.png\n",
    "zz-only-related": "related: [john-bolton-indicted]\n",
    "zz-only-summary": "summary: A summary written by hand.\n",
    "zz-only-comment": "",
}


def write_empty_bodies(write: WriteFile) -> None:
    """Articles whose files are front matter only (one has only an HTML comment)."""
    for slug, more in EMPTY_BODIES.items():
        body = "<!-- nothing to show yet -->\n" if slug == "zz-only-comment" else ""
        write(
            f"2025/{slug}.md",
            f"---\ntitle: {slug}\nauthor: j-williams\ndate: 2025-12-01\n{more}---\n{body}",
        )


def test_empty_body_gives_no_empty_elements(write: WriteFile, content: Path) -> None:
    """An article with no body has no summary or content, unless it has something else to
    show (a written summary, an image, related links); the feeds then leave those elements
    out instead of writing them empty, and stay valid."""
    write_empty_bodies(write)
    catalog = catalog_of(content)
    entries = {slug: feeds.entry(catalog, catalog.by_slug[slug]) for slug in EMPTY_BODIES}
    for slug in ("zz-nothing", "zz-only-comment"):
        assert (entries[slug].summary, entries[slug].content) == (None, None), slug
    assert entries["zz-only-image"].summary is None
    assert entries["zz-only-image"].content == (
        '<p><img src="https://news.example.org/media/harbor.png" alt=""></p>\n'
    )
    assert entries["zz-only-related"].summary is None
    assert "<h2>Related</h2>" in (entries["zz-only-related"].content or "")
    assert entries["zz-only-summary"].summary == "A summary written by hand."
    assert entries["zz-only-summary"].content is None

    feed = feeds.build(catalog, "site")
    rss, atom = feeds.WRITERS["rss"](feed), feeds.WRITERS["atom"](feed)
    parsed = {"rss": check_rss(rss), "atom": check_atom(atom)}
    items = {i.findtext("title"): i for i in etree.fromstring(rss).iter("item")}
    atom_entries = {
        e.findtext(f"{ATOM}title"): e for e in etree.fromstring(atom).iter(f"{ATOM}entry")
    }
    content_tag = "{http://purl.org/rss/1.0/modules/content/}encoded"
    for slug, item in entries.items():
        rss_item, atom_entry = items[slug], atom_entries[slug]
        assert (rss_item.find("description") is None) == (item.summary is None), slug
        assert (rss_item.find(content_tag) is None) == (item.content is None), slug
        assert (atom_entry.find(f"{ATOM}summary") is None) == (item.summary is None), slug
        assert (atom_entry.find(f"{ATOM}content") is None) == (item.content is None), slug
        for fmt in ("rss", "atom"):
            read = next(e for e in parsed[fmt].entries if e.title == slug)
            assert read.link == f"https://news.example.org/articles/{slug}/"
            if item.content is None:
                assert "content" not in read, (fmt, slug)
            if item.summary is None and item.content is None:
                assert not read.get("summary"), (fmt, slug)


def test_feed_size_limits_entries(content: Path) -> None:
    """Only the newest `feed_size` entries are shown."""
    site = (content / "site.yaml").read_text(encoding="utf-8")
    (content / "site.yaml").write_text(
        site.replace("feed_size: 50", "feed_size: 3"), encoding="utf-8"
    )
    catalog = catalog_of(content)
    assert [e.slug for e in feeds.build(catalog, "site").entries] == [
        a.slug for a in catalog.articles[:3]
    ]


def test_scheduled_article_enters_at_its_time() -> None:
    """The same content, later: the scheduled article is now the newest entry."""
    catalog = catalog_of(now=datetime(2031, 6, 1, 9, 0, tzinfo=UTC))
    assert feeds.build(catalog, "site").entries[0].slug == "harbor-tricentennial-festival"


def test_bytes_depend_only_on_content() -> None:
    """Two catalogs of the same content, built at different times, give identical bytes."""
    first, later = catalog_of(now=NOW), catalog_of(now=datetime(2027, 5, 5, tzinfo=UTC))
    for a, b in zip(every_feed(first), every_feed(later), strict=True):
        assert feeds.WRITERS["rss"](a) == feeds.WRITERS["rss"](b)
        assert feeds.WRITERS["atom"](a) == feeds.WRITERS["atom"](b)


def test_empty_author_feed_is_valid_and_fixed(write: WriteFile, content: Path) -> None:
    """An author with nothing published has a valid, empty feed (in Atom by the author, as
    RFC 4287 wants of a feed with no entry to name one), dated by the site's newest
    published article (never 1970, which validators call implausible); a new date there
    is a new date here, and a new fingerprint, so the hot path renders it again."""
    write("authors/new-hire.md", "---\nname: New Hire\n---\nJust joined.\n")
    catalog = catalog_of(content)
    feed = feeds.build(catalog, "author", "new-hire")
    assert feed is not None and feed.entries == ()
    assert check_atom(feeds.WRITERS["atom"](feed)).feed.author == "New Hire"  # its subject
    check_rss(feeds.WRITERS["rss"](feed))
    assert feed.updated == catalog.articles[0].updated == datetime(2025, 11, 15, 13, tzinfo=UTC)
    newest = content / "2025/autumn-bird-migration-count.md"
    text = newest.read_text(encoding="utf-8")
    newest.write_text(text.replace("date:", "updated: 2025-11-16T10:00:00Z\ndate:"), "utf-8")
    edited = catalog_of(content)
    again = feeds.build(edited, "author", "new-hire")
    assert again is not None and again.updated == datetime(2025, 11, 16, 10, tzinfo=UTC)
    before, after = (specs.spec(c, "author", "new-hire") for c in (catalog, edited))
    assert before is not None and after is not None
    assert specs.fingerprint(catalog, before) != specs.fingerprint(edited, after)


def test_a_site_with_nothing_published_has_the_fixed_date(content: Path) -> None:
    """With no article published at all, an empty feed has `EMPTY_FEED_UPDATED`, a
    documented constant, and stays valid (in Atom by the site)."""
    for folder in ("2025", "2031"):
        shutil.rmtree(content / folder)
    feed = feeds.build(catalog_of(content), "site")
    assert feed is not None and feed.entries == ()
    assert feed.updated == specs.EMPTY_FEED_UPDATED == datetime(2000, 1, 1, tzinfo=UTC)
    assert check_atom(feeds.WRITERS["atom"](feed)).feed.author == "The Harbor Ledger"
    check_rss(feeds.WRITERS["rss"](feed))


def test_last_modified_is_never_before_the_feed_date_nor_the_folder_time() -> None:
    """`specs.last_modified`: the feed's own date without file times; the folder's newest
    file time when later; and a release anywhere dates every feed."""
    loaded = load(SAMPLE)
    parts = (loaded.site, loaded.authors, loaded.articles)
    catalog = build_catalog(*parts, NOW, loaded.body)
    okafor = specs.spec(catalog, "author", "m-okafor")
    assert okafor is not None
    assert specs.last_modified(catalog, okafor) == datetime(2025, 11, 15, 13, tzinfo=UTC)
    later = datetime(2025, 12, 24, 18, 30, tzinfo=UTC)
    dated = build_catalog(*parts, NOW, loaded.body, changed=later)
    assert specs.last_modified(dated, okafor) == later
    released = build_catalog(*parts, datetime(2031, 6, 2, tzinfo=UTC), loaded.body)
    okafor = specs.spec(released, "author", "m-okafor")
    assert okafor is not None  # the release is not hers, but could be linked from her feed
    assert specs.last_modified(released, okafor) == datetime(2031, 6, 1, 9, tzinfo=UTC)


def test_xml_illegal_characters_and_cdata_end_are_harmless(write: WriteFile, content: Path) -> None:
    """Control characters are dropped; `]]>` and `&nbsp;` in a body stay valid XML."""
    write(
        "2025/zz-odd-bytes.md",
        '---\ntitle: "Bell \\a and \\x0b tab"\nauthor: j-williams\ndate: 2025-12-01\n---\n'
        "Text with ]]> and &nbsp; and a \x0c form feed.\n",
    )
    catalog = catalog_of(content)
    feed = feeds.build(catalog, "site")
    for body in (feeds.WRITERS["rss"](feed), feeds.WRITERS["atom"](feed)):
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Bell  and  tab"


def test_unsafe_html_is_removed_and_links_made_absolute(write: WriteFile, content: Path) -> None:
    """Scripts, iframes, on* attributes and javascript: URLs never reach a feed."""
    write(
        "2025/zz-unsafe.md",
        """
        ---
        title: Unsafe
        author: j-williams
        date: 2025-12-01
        ---
        <script>alert(1)</script><iframe src="https://e.org/"></iframe>
        <a href="javascript:alert(1)" onclick="x()">bad</a> [rel](notes/) ![pic](/static/a.png)
        """,
    )
    catalog = catalog_of(content)
    html = feeds.entry(catalog, catalog.by_slug["zz-unsafe"]).content
    check_atom(feeds.WRITERS["atom"](feeds.build(catalog, "site")))
    assert "alert" not in html and "onclick" not in html and "iframe" not in html
    assert 'href="https://news.example.org/articles/zz-unsafe/notes/"' in html
    assert 'src="https://news.example.org/static/a.png"' in html


# --- feedgen 1.0.0's quirks, each handled on purpose -----------------------------------


def test_related_links_keep_rel_and_title_in_atom() -> None:
    """feedgen #135 turns related links into extra alternates; ours keep rel and title."""
    atom = etree.fromstring(feeds.WRITERS["atom"](feeds.build(catalog_of(), "site")))
    for entry in atom.iter(f"{ATOM}entry"):
        links = entry.findall(f"{ATOM}link")
        assert sum(1 for x in links if x.get("rel", "alternate") == "alternate") == 1
    related = atom.findall(f".//{ATOM}link[@rel='related']")
    assert related and all(x.get("title") for x in related)


def test_rss_channel_link_is_the_site_page() -> None:
    """feedgen uses the last link added as the channel link: it is the HTML page."""
    root = etree.fromstring(feeds.WRITERS["rss"](feeds.build(catalog_of(), "site")))
    assert root.findtext("channel/link") == "https://news.example.org/"


def test_entries_keep_catalog_order() -> None:
    """feedgen prepends entries by default; they come out newest first."""
    catalog = catalog_of()
    parsed = feedparser.parse(feeds.WRITERS["rss"](feeds.build(catalog, "site")))
    assert [e.id for e in parsed.entries] == [a.id for a in catalog.articles]


def test_rendering_never_touches_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """feedgen switches the process locale to format dates; ours never calls setlocale."""

    def refuse(*args: object) -> str:
        raise AssertionError("setlocale called while rendering")

    monkeypatch.setattr(locale, "setlocale", refuse)
    body = feeds.WRITERS["rss"](feeds.build(catalog_of(), "site"))
    assert b"<pubDate>Sat, 15 Nov 2025 13:00:00 +0000</pubDate>" in body


def test_rss_content_without_summary_is_not_a_description() -> None:
    """feedgen writes an item's content as <description> when it has none; ours stays in
    content:encoded, so readers do not take it for a summary."""
    catalog = catalog_of()
    shown = feeds.entry(catalog, catalog.by_slug["science-museum-tides-exhibit"])
    entry = dataclasses.replace(shown, summary=None)
    feed = feeds.Feed("site", "", "T", "S", catalog.site, catalog.urls, NOW, (entry,), ("T", "/"))
    body = feeds.WRITERS["rss"](feed)
    item = etree.fromstring(body).find("channel/item")
    assert item is not None and item.find("description") is None
    assert item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") == entry.content
    check_rss(body)
