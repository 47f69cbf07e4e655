"""Markdown to the HTML that feeds and pages show, and HTML to plain text.

markdown-it-py renders CommonMark (plus tables and strikethrough); nh3
(ammonia) then removes what readers flag as unsafe (`<script>`, `<iframe>`,
`on*=` attributes, `javascript:` URLs) and hands every `href` and `src` that is
not absolute to `Urls.resolve`, since many readers ignore `xml:base`: a path
written `/media/x.png` is a path of the site, kept under its sub-path, and a
relative one (`x.png`, `../other/`) resolves against the page that shows it.
Jekyll's Liquid tags and Hugo's shortcodes are expanded first (`shortcodes`), so
that what they mean reaches the Markdown and none of them the reader.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from feedsvc.shortcodes import UNPUBLISHED, Targets, expand
from feedsvc.urls import Urls

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# XML 1.0 §2.2 forbids these; feedgen (lxml) refuses text that has them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SUMMARY_LENGTH = 280  # characters: about two sentences, what readers show in a list


def xml_text(text: str) -> str:
    """Drop the characters that XML 1.0 cannot carry."""
    return _XML_ILLEGAL.sub("", text)


# Not cached here: `feeds.EntryCache` keeps each article's HTML and each bio within the
# worker's render budget; a cache by count held any number of bytes (4,096 bodies).
# nh3's own list, without `cite` (on blockquote, q, ins, del): a URL it does not resolve,
# so a relative one would point off the site's sub-path, and one no reader shows.
_ATTRIBUTES = {tag: names - {"cite"} for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}


def render(markdown: str, page: str, site: str, targets: Targets | None = None) -> str:
    """Markdown → sanitized HTML whose links and images are absolute.

    `page` is the absolute URL of the page the HTML is shown on (an article's, an
    author's), `site` the site's URL (`Site.url`); `targets`, where the body's links to
    articles lead (`shortcodes.expand`): one to an article that is not public is text.
    """
    unsafe = _MARKDOWN.render(expand(xml_text(markdown), site, targets))
    urls = Urls(site)
    return _bare_unpublished_removed(
        nh3.clean(
            unsafe,
            attributes=_ATTRIBUTES,
            link_rel=None,  # keep links as written; readers add their own rel
            url_schemes={"http", "https", "mailto"},
            # nh3 calls this for every href/src that has no scheme; its own
            # "rewrite_with_base" would resolve `/media/x` against the host's root and lose
            # the site's sub-path
            url_relative=lambda link: resolve_link(urls, link, page),
        )
    )


def _bare_unpublished_removed(text: str) -> str:
    """`text` without the `UNPUBLISHED` written outside a link (the sanitizer dropped
    those in links)."""
    return text.replace(UNPUBLISHED, "") if UNPUBLISHED in text else text


# How a browser reads a URL attribute before resolving it (WHATWG URL): C0 controls and
# spaces at either end go, tabs and newlines anywhere go, and against an http(s) page a
# backslash before the query is a slash (so `/\host` is protocol-relative, as it is there).
_URL_EDGES = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = re.compile("[\t\n\r]")
_BEFORE_QUERY = re.compile(r"^[^?#]*")
# What a browser percent-encodes in each part of a URL it writes out; nh3's own resolving
# did the same, so an href with a space or an accent stays a valid URL.
_PATH_UNSAFE = re.compile('[\x00-\x20\x7f-\U0010ffff"<>`{}]')
_QUERY_UNSAFE = re.compile("[\x00-\x20\x7f-\U0010ffff\"<>']")
_FRAGMENT_UNSAFE = re.compile('[\x00-\x20\x7f-\U0010ffff"<>`]')


def _percent(match: re.Match[str]) -> str:
    """One character as its UTF-8 bytes, percent-encoded."""
    return "".join(f"%{byte:02X}" for byte in match[0].encode())


def resolve_link(urls: Urls, link: str, page: str) -> str | None:
    """A link without a scheme, written in a body shown on `page`, as an absolute URL;
    None (nh3 then drops the attribute) if it cannot be one."""
    link = _TAB_NEWLINE.sub("", link.strip(_URL_EDGES))
    link = _BEFORE_QUERY.sub(lambda m: m[0].replace("\\", "/"), link, count=1)
    try:
        if link.startswith("//") and not urlsplit(link).netloc:  # `///x`: no host
            return None
        url = urls.resolve(link, page)
        parts = urlsplit(url)
    except ValueError:  # a malformed host, such as `//[oops/`
        return None
    start = len(parts.scheme) + 3 + len(parts.netloc)  # the host is left as written
    rest, hash_, fragment = url[start:].partition("#")
    path, mark, query = rest.partition("?")
    return (
        url[:start]
        + _PATH_UNSAFE.sub(_percent, path)
        + mark
        + _QUERY_UNSAFE.sub(_percent, query)
        + hash_
        + _FRAGMENT_UNSAFE.sub(_percent, fragment)
    )


# Plain text, as readers show it in a list: elements that are boxes or lines of their own
# (and line breaks) separate words, an image is its alt text, and what a browser never shows
# as text is left out with its content.
_BLOCK_TAGS = {
    *("address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div"),
    *("dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table"),
    *("tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
}
_HIDDEN_TAGS = {"script", "style", "template", "iframe", "noembed", "noframes"}
_TEXT_CLEANER = nh3.Cleaner(
    tags=_BLOCK_TAGS | {"img"},
    clean_content_tags=_HIDDEN_TAGS,
    attributes={"img": {"alt"}},
)
# nh3 writes what it keeps in one form: `<p>`, `</p>`, `<img alt="…">` (`"`, `<` and `>`
# escaped in the value), every `<` of the text as `&lt;`; so a regex can read it back.
_KEPT_TAG = re.compile(r'<img(?: alt="([^"]*)")?>|(<[^>]*>)')

# What removed content leaves behind, on text whose whitespace is single spaces. A mark
# that prose may write after a space stays when a letter or digit follows it (".5", ".gov",
# an apostrophe before "90s"), as does a spaced "..."; \u2018 \u2019 are the single quotes
# and \u2013 the en dash.
_CLOSE = r".,;:!?)\]}»”\u2019"  # the inside of a character class
_OPEN = r"(\[{«“\u2018"
_EMPTY_PAIR = re.compile(
    r"(?:^| )(?:\( ?\)|\[ ?\]|\{ ?\}|“ ?”|\u2018 ?\u2019|« ?»|\" ?\")(?=[ .,;:!?]|$)"
)
_WEAK_BEFORE_MARK = re.compile(  # "said, ." → "said ."; "said — ." → "said ."
    rf"(?: ?[,;:]| [—\u2013])(?= ?[.,;:!?](?:[ {_CLOSE}]|$))"
)
_OPEN_BEFORE_MARK = re.compile(rf"(?:^| )[{_OPEN}] ?(?=[.,;:!?](?: |$))")  # "said (. " → "said. "
_LONE_MARK = re.compile(  # ". , he said" → ". he said"; "said. ." is for the stop rules
    r"(?:(?<=[.,;:!?]) |^)[,;:!?](?= |$)|^\.(?= |$)(?! \.)|(?<=[—\u2013]) [—\u2013](?= |$)"
)
_SPACE_BEFORE_CLOSER = re.compile(  # "this ." → "this."; not in "a ..." or "a . . ."
    rf"(?<!\. \.)(?! \. \. \.)(?!(?<=\.) \. \.) (?!\.\.)([,;]|[{_CLOSE}](?=[ {_CLOSE}]|$))"
)
# \u2018 after a letter may be an apostrophe
_SPACE_AFTER_OPENER = re.compile(r"([(\[{«“]|(?<![^ (\[{«“\u2018])\u2018) ")
_DOUBLED_STOP = re.compile(rf"(?<=\w\.)\.(?!\.)|(?<=[!?])\.(?=[ {_CLOSE}]|$)")  # alt "A chart."

_PLACEHOLDER = " …"
_DANGLING = " ,;:([{«“\u2018—\u2013-"  # never left just before the placeholder


def _close_up(text: str) -> str:
    """Text on one line with single spaces, without the holes that removed content leaves."""
    text = " ".join(text.split())
    text = _EMPTY_PAIR.sub("", text)
    text = _WEAK_BEFORE_MARK.sub("", text)
    text = _LONE_MARK.sub("", text)
    text = _OPEN_BEFORE_MARK.sub("", text)
    text = _SPACE_BEFORE_CLOSER.sub(r"\1", text)
    text = _SPACE_AFTER_OPENER.sub(r"\1", text)
    return _DOUBLED_STOP.sub("", text).strip()


# Where content was replaced or removed (an image, inline HTML): only a paragraph with one
# is closed up, so text as the author wrote it (`?` in code, French "Quoi ?") stays as is.
# A character of the Private Use Area, which no body keeps (`summarize` drops it first).
_HOLE = "\ue000"
_IMAGE = re.compile(r"<img[^>]*>")


def _without_captioned_images(cleaned: str) -> str:
    """`cleaned` without the images of captioned figures (an `<img>` with a `<figcaption>`
    after it before the next `</figure>`): Hugo's `figure` gives the image the caption as
    its alt text, which the summary would then say twice.

    One pass: the next caption and figure end are found once for all the images before
    them. A lookahead from each image made a paragraph of 8,000 images take 6 s to
    summarize, in the request that renders its feed.
    """
    end = len(cleaned)
    caption = close = -1  # where the next of each starts (`end`: there is none)

    def drop(image: re.Match[str]) -> str:
        nonlocal caption, close
        if caption < image.end():
            caption = _next(cleaned, "<figcaption>", image.end())
        if close < image.end():
            close = _next(cleaned, "</figure>", image.end())
        return "" if caption < min(close, end) else image[0]

    return _IMAGE.sub(drop, cleaned)


def _next(text: str, part: str, start: int) -> int:
    """Where `part` next starts in `text` from `start`, or the end of `text`."""
    found = text.find(part, start)
    return len(text) if found < 0 else found


def _kept_tag_text(match: re.Match[str]) -> str:
    """A block's edge or a line break separates words; an image is its alt text."""
    return " " if match[2] else _HOLE + (match[1] or "") + _HOLE


def plain_text(fragment: str) -> str:
    """The readable text of an HTML fragment, on one line: images as their alt text,
    no `<script>` or `<style>` content, entities decoded once, XML-safe; closed up where
    something was removed."""
    return _text_of(_TEXT_CLEANER.clean(fragment))


def _text_of(cleaned: str) -> str:
    """`plain_text` of a fragment that `_TEXT_CLEANER` has cleaned already."""
    cleaned = _without_captioned_images(cleaned)
    kept = xml_text(html.unescape(_KEPT_TAG.sub(_kept_tag_text, cleaned)))
    if UNPUBLISHED in kept:  # a link's address written as text (`<…>`): a hole, closed up
        kept = kept.replace(UNPUBLISHED, _HOLE)
    if _HOLE in kept:
        return _close_up(kept.replace(_HOLE, ""))
    return " ".join(kept.split())


class _SummaryRenderer(RendererHTML):
    """Inline HTML for summaries: an image is its description (the alt text), as markup,
    and each is marked as a place where content was replaced."""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """The description's own inline HTML, which `plain_text` reduces to its text."""
        return _HOLE + self.renderInline(tokens[idx].children or [], options, env) + _HOLE

    def html_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        """Inline HTML as written, marked: nh3 may remove it and what it holds."""
        return _HOLE + tokens[idx].content


_SUMMARY_RENDERER = _SummaryRenderer()
# A paragraph of only these is a figure: the entry shows the image; a summary is prose.
_FIGURE_PARTS = {"image", "link_open", "link_close", "softbreak", "hardbreak"}
_WORDY = re.compile(r"\w")


def _is_figure(inline: Token) -> bool:
    """Whether a paragraph is only images (maybe linked), not text."""
    children = inline.children or []
    return any(c.type == "image" for c in children) and all(
        c.type in _FIGURE_PARTS or (c.type == "text" and not c.content.strip()) for c in children
    )


def _shorten(text: str, length: int) -> str:
    """`text` if it fits in `length`, else cut at a word with " …" and no dangling marks."""
    if len(text) <= length:
        return text
    room = length - len(_PLACEHOLDER)
    head = text[: max(text.rfind(" ", 0, max(room + 1, 0)), 0)].rstrip(_DANGLING)
    if not head:  # a first word longer than the summary: cut inside it
        return text[: max(length - 1, 0)] + "…"
    return head + _PLACEHOLDER


def summarize(
    markdown: str, length: int = SUMMARY_LENGTH, *, site: str = "/", targets: Targets | None = None
) -> str:
    """A plain-text summary from a body's paragraphs (not its headings), cut at a word.

    Paragraphs (an HTML block's `<p>`s too) are joined with a space, a list's items with
    "; "; a paragraph that is only an image, or that has no word once markup is removed,
    is skipped. Only as many paragraphs as the cut needs are converted. Tags and
    shortcodes are expanded as for `render`; `site`, the site's URL, is what
    `{{ site.url }}` writes, and `targets` where links to articles lead.
    """
    env: EnvType = {}  # the parse's link references, which the paragraphs' links use
    source = expand(xml_text(markdown).replace(_HOLE, ""), site, targets)
    parts: list[str] = []
    items: list[str] = []  # the paragraphs of the list being read
    depth, text = 0, ""
    tokens = _MARKDOWN.parse(source, env)
    for opening, inline in itertools.zip_longest(tokens, tokens[1:]):
        if opening.type in _LIST_OPENS:
            depth += 1
        elif opening.type in _LIST_CLOSES:
            depth -= 1
            if not depth and items:
                parts.append(_listed(items))
                items = []
        found = _paragraphs(opening, inline, env)
        (items if depth else parts).extend(p for p in found if _WORDY.search(p))
        text = " ".join([*parts, _listed(items)] if items else parts)
        if len(text) > length:  # a list too: a body may be one list of thousands of items
            break
    return _shorten(text, length)


_LIST_OPENS = {"bullet_list_open", "ordered_list_open"}
_LIST_CLOSES = {"bullet_list_close", "ordered_list_close"}
_HTML_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def _paragraphs(opening: Token, inline: Token | None, env: EnvType) -> list[str]:
    """The plain text of a Markdown paragraph that is prose (not a figure), or of each
    paragraph (`<p>`) of an HTML block, as a body imported from HTML has them."""
    if opening.type == "html_block":  # closed up as a whole: nh3 may have removed anything
        cleaned = _TEXT_CLEANER.clean(opening.content)
        return [_text_of(_HOLE + p) for p in _HTML_PARAGRAPH.findall(cleaned)]
    if opening.type != "paragraph_open" or inline is None or inline.type != "inline":
        return []
    if _is_figure(inline):
        return []
    return [
        plain_text(_SUMMARY_RENDERER.renderInline(inline.children or [], _MARKDOWN.options, env))
    ]


def _listed(items: list[str]) -> str:
    """A list's items as one run of text: separated by "; " unless an item ends a sentence
    or a clause itself."""
    return "".join(
        item + ("" if at == len(items) - 1 else " " if item[-1] in ".!?;:," else "; ")
        for at, item in enumerate(items)
    )
