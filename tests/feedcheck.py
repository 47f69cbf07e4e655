"""Checks a feed document against the RSS 2.0 / Atom (RFC 4287) rules in FEEDS.md.

Used by the structural tests on every feed the sample has; each check says
which rule it is.
"""

from __future__ import annotations

import email.utils
from datetime import datetime
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


def absolute(url: str) -> bool:
    """An absolute http(s) URL (readers ignore xml:base)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "mailto") and (
        parts.netloc or parts.scheme == "mailto"
    )


def check_html(fragment: str) -> None:
    """Escaped HTML content: every href/src absolute, nothing readers flag as unsafe."""
    for element in lxml.html.fragments_fromstring(fragment):
        if isinstance(element, str):
            continue
        for node in element.iter():
            assert node.tag not in ("script", "iframe", "object", "embed"), node.tag
            for name, value in node.attrib.items():
                assert not name.startswith("on"), name
                if name in ("href", "src"):
                    assert absolute(value), value


def check_parsed(body: bytes, version: str) -> feedparser.FeedParserDict:
    """feedparser reads it cleanly, and every entry has what readers need.

    A summary is not among them: an article with no body has none, and a reader shows
    its title. Where the feed has a summary or content, `check_text` checks that readers
    get it (feedparser's `summary` alone would not tell: it falls back to the content).
    """
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    keys = ["id", "title", "link", "published", "author"]
    if version == "atom10":
        keys.append("updated")  # RSS items carry one date, pubDate
    for entry in parsed.entries:
        for key in keys:
            assert entry.get(key), (key, entry.get("id"))
        assert absolute(entry.link)
    return parsed


def check_text(
    entry: feedparser.FeedParserDict, summary: etree._Element | None, content: etree._Element | None
) -> None:
    """An entry's summary and content elements are each either absent or not empty (an
    empty one is a blank line in a reader), and the reader gets what they hold."""
    for element in (summary, content):
        assert element is None or (element.text or "").strip(), ("empty", entry.get("id"))
    if summary is not None:
        assert entry.get("summary"), entry.get("id")
    if content is not None:
        assert entry.content[0].value.strip(), entry.get("id")
    else:
        assert "content" not in entry, entry.get("id")
    if summary is None and content is None:
        assert not entry.get("summary"), entry.get("id")


def check_rss(body: bytes) -> feedparser.FeedParserDict:
    """RSS 2.0 rules from FEEDS.md."""
    parsed = check_parsed(body, "rss20")
    root = etree.fromstring(body)
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description"):
        assert (channel.findtext(tag) or "").strip(), tag
    assert absolute(channel.findtext("link") or "")
    self_links = channel.findall(f"{ATOM}link[@rel='self']")
    assert len(self_links) == 1
    assert self_links[0].get("type") == "application/rss+xml"
    assert absolute(self_links[0].get("href", ""))
    language = channel.findtext("language") or ""
    assert language.replace("-", "").isalpha() and len(language.split("-")[0]) in (2, 3)
    check_rfc822(channel.findtext("lastBuildDate") or "")
    guids = []
    for item, entry in zip(channel.iter("item"), parsed.entries, strict=True):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        guids.append(guid.text)
        check_rfc822(item.findtext("pubDate") or "")
        assert item.find("{http://purl.org/dc/elements/1.1/}date") is None  # not both dates
        authors = item.findall("author")
        assert len(authors) <= 1 and all("@" in (a.text or "") for a in authors), "e-mail"
        # Readers show one dc:creator: it is the whole byline, every name, e-mail or not.
        creators = item.findall("dc:creator", NS)
        assert len(creators) == 1 and (creators[0].text or "").strip(), "one dc:creator"
        assert entry.author == creators[0].text, "the reader shows the whole byline"
        assert item.findtext("title") or item.findtext("description"), "a title or description"
        content = item.find("content:encoded", NS)
        check_text(entry, item.find("description"), content)
        if content is not None:
            check_html(content.text or "")
        for link in item.findall(f"{ATOM}link"):
            assert link.get("rel") == "related" and link.get("title"), etree.tostring(link)
    assert len(guids) == len(set(guids)), "guids are unique"
    return parsed


def check_rfc822(text: str) -> None:
    """An RFC 822 date whose day name is right for the date."""
    parsed = email.utils.parsedate_to_datetime(text)
    assert parsed.tzinfo is not None
    assert text.startswith(parsed.strftime("%a, ")), text


def check_atom(body: bytes) -> feedparser.FeedParserDict:
    """Atom (RFC 4287) rules from FEEDS.md."""
    parsed = check_parsed(body, "atom10")
    feed = etree.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{tag}") or "").strip(), tag
    assert urlsplit(feed.findtext(f"{ATOM}id") or "").scheme
    self_links = feed.findall(f"{ATOM}link[@rel='self']")
    assert len(self_links) == 1 and self_links[0].get("type") == "application/atom+xml"
    check_rfc3339(feed.findtext(f"{ATOM}updated") or "")
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids)), "entry ids are unique"
    if not entries:  # RFC 4287 §4.1.1: an author in every entry, or one for the feed
        assert (feed.findtext(f"{ATOM}author/{ATOM}name") or "").strip(), "the feed's author"
    for entry, read in zip(entries, parsed.entries, strict=True):
        assert entry.findall(f"{ATOM}author/{ATOM}name"), "every entry has an author"
        for tag in ("updated", "published"):
            check_rfc3339(entry.findtext(f"{ATOM}{tag}") or "")
        links = entry.findall(f"{ATOM}link")
        alternates = [x for x in links if x.get("rel", "alternate") == "alternate"]
        # RFC 4287 allows one per type and language, and an entry without content needs one
        assert len(alternates) == 1, "one alternate link per entry"
        for link in links:
            assert absolute(link.get("href", ""))
            if link.get("rel") == "related":
                assert link.get("title")
        summary, content = entry.find(f"{ATOM}summary"), entry.find(f"{ATOM}content")
        check_text(read, summary, content)
        if summary is not None:
            assert summary.get("type", "text") == "text", "summaries are plain text"
        if content is not None:
            assert content.get("type") == "html"
            check_html(content.text or "")
    return parsed


def check_rfc3339(text: str) -> None:
    """An RFC 3339 date-time with a zone."""
    assert "T" in text
    assert datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None, text
