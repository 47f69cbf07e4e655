"""Markdown to the HTML that feeds and pages show, and HTML to plain text.

markdown-it-py renders CommonMark (plus tables and strikethrough); nh3
(ammonia) then removes what readers flag as unsafe (`<script>`, `<iframe>`,
`on*=` attributes, `javascript:` URLs) and resolves every relative `href` and
`src` against the article's own URL, since many readers ignore `xml:base`.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import textwrap

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# XML 1.0 §2.2 forbids these; feedgen (lxml) refuses text that has them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SUMMARY_LENGTH = 280  # characters: about two sentences, what readers show in a list


def xml_text(text: str) -> str:
    """Drop the characters that XML 1.0 cannot carry."""
    return _XML_ILLEGAL.sub("", text)


@functools.lru_cache(maxsize=4096)  # many feeds and pages show the same article
def render(markdown: str, base_url: str) -> str:
    """Markdown → sanitized HTML whose links and images are absolute."""
    unsafe = _MARKDOWN.render(xml_text(markdown))
    return nh3.clean(
        unsafe,
        link_rel=None,  # keep links as written; readers add their own rel
        url_schemes={"http", "https", "mailto"},
        url_relative=("rewrite_with_base", base_url),
    )


def plain_text(fragment: str) -> str:
    """The readable text of an HTML fragment, on one line."""
    text = html.unescape(nh3.clean(fragment, tags=set()))
    return " ".join(text.split())


def summarize(markdown: str, length: int = SUMMARY_LENGTH) -> str:
    """A plain-text summary from a body's paragraphs (not its headings), cut at a word."""
    tokens = _MARKDOWN.parse(xml_text(markdown))
    paragraphs = [
        inline.content
        for opening, inline in itertools.pairwise(tokens)
        if opening.type == "paragraph_open" and inline.type == "inline"
    ]
    html_text = _MARKDOWN.renderInline("\n\n".join(paragraphs))
    return textwrap.shorten(plain_text(html_text), width=length, placeholder=" …")
