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
    """feedparser reads it cleanly, and every entry has what readers need."""
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    keys = ["id", "title", "link", "published", "author", "summary"]
    if version == "atom10":
        keys.append("updated")  # RSS items carry one date, pubDate
    for entry in parsed.entries:
        for key in keys:
            assert entry.get(key), (key, entry.get("id"))
        assert absolute(entry.link)
    return parsed


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
        check_html(item.findtext("content:encoded", namespaces=NS) or "")
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
    for entry in entries:
        assert entry.findall(f"{ATOM}author/{ATOM}name"), "every entry has an author"
        for tag in ("updated", "published"):
            check_rfc3339(entry.findtext(f"{ATOM}{tag}") or "")
        links = entry.findall(f"{ATOM}link")
        alternates = [x for x in links if x.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1, "one alternate link per entry"
        for link in links:
            assert absolute(link.get("href", ""))
            if link.get("rel") == "related":
                assert link.get("title")
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        check_html(content.text or "")
    return parsed


def check_rfc3339(text: str) -> None:
    """An RFC 3339 date-time with a zone."""
    assert "T" in text
    assert datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None, text
