"""Jekyll's Liquid tags and Hugo's shortcodes in article bodies: rendered as what they
mean, or reported and left out, so that none reaches a feed as literal text.

Supported: `{% raw %}`, `{% comment %}`, `{% highlight %}`, `{% link %}`,
`{% post_url %}` and the output tags `{{ site.url }}`, `{{ site.baseurl }}` with
the `relative_url`, `absolute_url`, `prepend` and `append` filters (Jekyll);
`highlight`, `figure`, `ref` and `relref` in `{{< >}}` or `{{% %}}`, and the
escapes `{{</* */>}}`, `{{%/* */%}}` (Hugo). Any other tag is a problem and is
dropped; what a paired one encloses stays. A link target is an article's page,
`names.link_slug` of what is written, so the text alone decides the HTML.

The site's URL already has its sub-path and content paths are the site's, so
`site.url` is that URL without its last '/' and `site.baseurl` is empty.

Code: Hugo expands shortcodes everywhere, code included (hence its escapes), and
Jekyll runs Liquid before Markdown, so `{% raw %}` is how a Jekyll post shows
Liquid in code: both are honoured everywhere. Any other Liquid in a Markdown code
span or block is kept as written: a Jekyll site that builds has no unknown tags,
so Liquid left in code comes from a site whose generator shows it so (Hugo's
`{{ .Title }}` in a template example). Inside a `highlight` all but those
escapes is code, shown as written.

Why not a Liquid library: python-liquid renders whole templates against a context
and stops at the first unknown tag (any Jekyll plugin), and knows no Hugo; this
needs every tag reported with its line, nothing ever failing, and one linear pass
(each closer is found with `str.find`, whose answer is kept) on any input.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from feedsvc import tags
from feedsvc.names import link_slug
from feedsvc.textpass import MAX_NOTES, Problem, TextPass
from feedsvc.urls import Urls

__all__ = ["MAX_NOTES", "UNPUBLISHED", "Markup", "Problem", "Target", "expand", "has_tags", "scan"]

# What a link to an article that is not public (a draft, a scheduled one) writes instead
# of its URL, so that its slug never leaks: as a link's address the sanitizer drops it (no
# allowed scheme) and the text stays; anywhere else `markup` removes it. Random, so that
# no author can write it: nothing of it is ever served.
UNPUBLISHED = f"unpublished-{secrets.token_hex(8)}:"

# A body's link targets as the public sees them: each slug → the published article's slug
# (an alias leads to the renamed article), or None while there is none.
Targets = Mapping[str, str | None]


class Target(NamedTuple):
    """A link in the body to an article: its line, the slug it names, what is written."""

    line: int
    slug: str
    written: str


@dataclass(frozen=True)
class Markup:
    """What a body's tags say: problems to report, the articles it links to."""

    problems: tuple[Problem, ...]
    links: tuple[Target, ...]  # the first of each slug, for the first MAX_NOTES slugs
    targets: tuple[str, ...]  # every slug linked to, in order of first use


def has_tags(body: str) -> bool:
    """Whether a body may hold a tag: every delimiter starts `{%` or `{{` (a `{` alone,
    in CSS or JSON shown as code, is none)."""
    return "{" in body and ("{%" in body or "{{" in body)  # one scan for the usual body


def scan(body: str) -> Markup:
    """The problems and link targets of a body's tags (lines count from 1)."""
    if not has_tags(body):
        return Markup((), (), ())
    run = _Expansion(_lines(body), Urls("/"))
    run.all()
    return Markup(tuple(run.problems), tuple(run.links.values()), tuple(run.targets_seen))


def expand(body: str, site: str, targets: Targets | None = None) -> str:
    """A body with its tags rendered as Markdown/HTML and the rest left out; `site` is
    the site's URL. With `targets`, a link goes only to a published article (any other
    is `UNPUBLISHED`); without, to whatever it names. A body without `{` is returned as
    it is."""
    if not has_tags(body):
        return body
    run = _Expansion(_lines(body), Urls(site), targets)
    run.all()
    return "".join(run.out)


def _lines(text: str) -> str:
    r"""`\n` line ends, as markdown-it reads them, so offsets and lines agree."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Openers in the order they are tried, with their closers.
_ESCAPES = {"{{</*": ("*/>}}", "{{<", ">}}"), "{{%/*": ("*/%}}", "{{%", "%}}")}
_DELIMITERS = (("{{<", ">}}"), ("{{%", "%}}"), ("{%", "%}"), ("{{", "}}"))
_CLOSERS = dict(_DELIMITERS)
_END = {
    "raw": re.compile(r"\{%-?\s*endraw\s*-?%\}"),
    "comment": re.compile(r"\{%-?\s*endcomment\s*-?%\}"),
    "highlight": re.compile(r"\{%-?\s*(endhighlight|raw)\s*-?%\}"),
    "hugo-highlight": re.compile(r"\{\{[<%]\s*/highlight\s*[>%]\}\}"),
}
_BLOCKS = ("raw", "comment", "highlight")  # their end is found first; the inside is theirs
_NAME = re.compile(r"[\w][\w./-]*\Z")
_LIQUID_HINT = "write what it renders to in Markdown, or put it in {% raw %}…{% endraw %}"
_HUGO_HINT = "write what it renders to in Markdown, or escape it as {{</* … */>}}"


class _Expansion(TextPass):
    """One pass over a body: the output, the problems, the link targets."""

    def __init__(self, text: str, urls: Urls, targets: Targets | None = None) -> None:
        super().__init__(text)
        self.urls = urls
        self.targets = targets
        self.links: dict[str, Target] = {}
        # Every slug, however many: each must be looked up to be linked (bounded by the
        # body's size, as the output is).
        self.targets_seen: dict[str, None] = {}
        self.opened: Counter[str] = Counter()  # unknown paired tags not yet closed

    def all(self) -> None:
        """Expand the whole text."""
        self.run(0, len(self.text), verbatim=False)
        self.finish()

    def run(self, start: int, end: int, *, verbatim: bool) -> None:
        """Expand `text[start:end]`; verbatim (code in a highlight): only the escapes."""
        text, pos = self.text, start
        while (brace := text.find("{", pos, end)) >= 0:
            self.emit(text[pos:brace])
            pos = self.markup(brace, end, verbatim)
        self.emit(text[pos:end])

    def markup(self, at: int, end: int, verbatim: bool) -> int:
        """Expand what starts at the `{` at `at`; the offset after it."""
        text = self.text
        for opener, (closer, shown, shown_end) in _ESCAPES.items():
            if text.startswith(opener, at):
                close = self.find(closer, at + len(opener), end)
                if close >= 0:  # Hugo shows `{{</* x */>}}` as `{{< x >}}`
                    self.emit(shown + text[at + len(opener) : close] + shown_end)
                    return close + len(closer)
        for opener, closer in _DELIMITERS:
            if text.startswith(opener, at):
                close = self.find(closer, at + len(opener), end)
                if close >= 0:
                    inner, after = text[at + len(opener) : close], close + len(closer)
                    if opener == "{%":
                        return self.liquid(at, inner, after, end, verbatim)
                    if verbatim:
                        break
                    if opener == "{{":
                        return self.output(at, inner, after)
                    return self.hugo(at, opener, inner, after, end)
        self.emit("{")
        return at + 1

    def end_tag(self, kind: str, start: int, end: int) -> re.Match[str] | None:
        """The end tag of a block (`endraw`, …) after `start`, past any raw block inside
        (as Liquid parses a highlight); not searched again where there is none."""
        key = (kind, end)
        if self._never.get(key, end + 1) <= start:
            return None
        at = start
        while (
            (match := _END[kind].search(self.text, at, end))
            and kind == "highlight"
            and match[1] == "raw"
        ):
            raw_end = self.end_tag("raw", match.end(), end)
            at = raw_end.end() if raw_end else match.end()
        if match is None:
            self._never[key] = start
        return match

    def liquid(self, at: int, inner: str, after: int, end: int, verbatim: bool) -> int:
        """A `{% … %}` tag."""
        trim_before, trim_after = inner.startswith("-"), inner.endswith("-")
        name, args = tags.split(inner.strip("-"))
        if name not in ("raw", "endraw") and (verbatim or self.in_code(at)):
            self.emit(self.text[at:after])  # Liquid in code is shown as written
            return after
        if name in _BLOCKS:
            block_end = self.end_tag(name, after, end)
            if block_end is None:
                hint = f"end it with {{% end{name} %}}"
                self.warn(at, f"{{% {name} %}} is never closed: left out", hint)
                return after
            if name == "highlight":  # a fence needs its own lines: no trimming
                self.highlight(at, tags.split(args)[0], after, block_end.start(), block_end.end())
                return block_end.end()
            if trim_before:
                self.trim()
            self.strip = trim_after
            if name == "raw":
                self.emit(self.text[after : block_end.start()])
            if block_end[0].startswith("{%-"):
                self.trim()
            self.strip = block_end[0].endswith("-%}")
            return block_end.end()
        if trim_before:
            self.trim()
        self.strip = trim_after
        if name in ("link", "post_url"):
            self.link(at, args.strip("\"'"), f"{{% {name} %}}")
        elif name.startswith("end") and self.opened[name[3:]] > 0:
            self.opened[name[3:]] -= 1  # the end of an unknown block, reported at its start
        elif name.startswith("end"):
            self.warn(at, f"{{% {name} %}} ends no {{% {name[3:]} %}}: left out", _LIQUID_HINT)
        elif not name.startswith("#"):  # `{% # a note %}` is a comment
            self.opened[name] += 1
            self.warn(at, f"Liquid tag {{% {name} %}} is not supported: left out", _LIQUID_HINT)
        return after

    def output(self, at: int, inner: str, after: int) -> int:
        """A `{{ … }}` output tag: the site's URLs and paths, or left out."""
        if self.in_code(at):
            self.emit(self.text[at:after])
            return after
        if inner.startswith("-"):
            self.trim()
        self.strip = inner.endswith("-")
        value = tags.output(inner.strip("-"), self.urls)
        if value is None:
            shown = " ".join(inner.strip("-").split())[:60]
            self.warn(at, f"output tag {{{{ {shown} }}}} is not supported: left out", _LIQUID_HINT)
            return after
        self.emit(value)
        return after

    def hugo(self, at: int, opener: str, inner: str, after: int, end: int) -> int:
        """A `{{< … >}}` or `{{% … %}}` shortcode."""
        inner = inner.strip()
        closing, self_closing = inner.startswith("/"), inner.endswith("/")
        name, rest = tags.split(inner.strip("/"))
        positional, named = tags.arguments(rest)
        first = named.get("path", positional[0] if positional else "")
        closer = _CLOSERS[opener]
        shown = f"shortcode {opener} {'/' if closing else ''}{name} {closer}"
        if not _NAME.match(name):
            shown = f"{opener} {' '.join(inner.split())[:60]} {closer}"
            self.warn(at, f"{shown} is not a shortcode: left out", _HUGO_HINT)
        elif closing and self.opened["/" + name] > 0:
            self.opened["/" + name] -= 1  # the end of an unknown one, reported at its start
        elif closing:
            self.warn(at, f"{shown} closes nothing: left out", _HUGO_HINT)
        elif name == "highlight":
            block_end = self.end_tag("hugo-highlight", after, end)
            if block_end is None:
                hint = f"end it with {opener} /highlight {closer}"
                self.warn(at, f"{shown} is never closed: left out", hint)
                return after
            language = named.get("lang", positional[0] if positional else "")
            self.highlight(at, language, after, block_end.start(), block_end.end())
            return block_end.end()
        elif name == "figure":
            figure = tags.figure(named)
            if figure is None:
                self.warn(at, f"{shown} has no src: left out", 'add src="…"')
            self.emit(figure or "")
        elif name in ("ref", "relref"):
            self.link(at, first, shown)
        else:
            self.opened["/" + name] += not self_closing
            self.warn(at, f"{shown} is not supported: left out", _HUGO_HINT)
        return after

    def highlight(self, at: int, language: str, start: int, end: int, after: int) -> None:
        """Code as a fenced block, in the language named if it is one."""
        outer, self.out = self.out, []
        self.run(start, end, verbatim=True)
        code, self.out = "".join(self.out), outer
        if self.in_code(at):  # a fence cannot open inside code: the code alone
            self.emit(code.strip("\n"))
            return
        before = self.text[max(at - 16, 0) : at]  # an indent is short: look back no further
        indent = before[len(before.rstrip(" \t")) :]
        opens_line = at - len(indent) == 0 or before[: len(before) - len(indent)].endswith("\n")
        self.emit(tags.fence(code, language, indent if opens_line else None))
        self.emit("" if self.text.startswith("\n", after) else "\n")

    def link(self, at: int, written: str, shown: str) -> None:
        """A link to an article's page (with the anchor written), or to one on this page;
        `shown` is the tag as a problem names it."""
        path, hash_, anchor = written.partition("#")
        anchor = hash_ + quote(anchor, safe=tags.URL_SAFE)
        slug = link_slug(path) if path and "{" not in path else ""
        if not slug:
            if not path and anchor:
                self.emit(anchor)  # a place on this page
                return
            hint = "write the article's slug or file name, without variables"
            self.warn(at, f"{shown} names no article ('{written[:60]}'): left out", hint)
            return
        if slug not in self.targets_seen:
            self.targets_seen[slug] = None
            if len(self.links) < MAX_NOTES:
                self.links[slug] = Target(self.line(at), slug, written)
        target = slug if self.targets is None else self.targets.get(slug)
        self.emit(UNPUBLISHED if target is None else self.urls.article(target) + anchor)
