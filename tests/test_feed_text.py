"""Text stays text in feeds: what an author typed reaches readers as typed, never as markup."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import html

from conftest import WriteFile, make_app

SCRIPT = "<script>alert(document.cookie)</script>"
NAME = f"Zoë & Co {SCRIPT} <b>bold</b>"


def shown(detail: feedparser.FeedParserDict) -> str:
    """What a reader shows for a feedparser text construct: HTML rendered to text."""
    if detail.type == "text/plain":
        return str(detail.value)
    return str(html.fragment_fromstring(detail.value, create_parent="div").text_content())


@pytest.mark.parametrize("fmt", ["rss.xml", "atom.xml"])
def test_author_text_stays_text_in_feeds(write: WriteFile, content: Path, fmt: str) -> None:
    """An author name, a title and a summary with markup in them reach readers as the text
    that was typed (feedparser treats RSS descriptions as HTML: before, the author feed's
    description lost its `<script>` as live markup, stripped by the sanitizer)."""
    write(
        "authors/zoe.md",
        f"""
        ---
        name: "{NAME}"
        ---
        Bio.
        """,
    )
    write(
        "2025/markup.md",
        f"""
        ---
        title: "Use {SCRIPT} & <b>tags</b>"
        author: zoe
        date: 2025-10-20 09:00
        summary: "Summary {SCRIPT} & <i>more</i>"
        ---
        Body.
        """,
    )
    parsed = feedparser.parse(make_app(content).test_client().get(f"/authors/zoe/{fmt}").data)
    assert parsed.bozo == 0
    assert shown(parsed.feed.subtitle_detail) == f"Articles by {NAME} in The Harbor Ledger"
    assert shown(parsed.feed.title_detail) == f"{NAME} — The Harbor Ledger"
    entry = parsed.entries[0]
    assert shown(entry.title_detail) == f"Use {SCRIPT} & <b>tags</b>"
    assert shown(entry.summary_detail) == f"Summary {SCRIPT} & <i>more</i>"
    assert entry.author == NAME
