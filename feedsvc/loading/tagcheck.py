"""What an article body's Liquid tags and Hugo shortcodes say about the file: problems at
their lines in the file, and the articles the body links to (`shortcodes.scan`).

The links are checked across files by `rules`, like `related`: one that names no
article is a warning at its line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from feedsvc import shortcodes
from feedsvc.model import Problem, warning

BODY = "body"  # the field name a body's problems carry


def line_key(slug: str) -> str:
    """The key of a body link's line among a file's field lines (no field starts so)."""
    return "->" + slug


@dataclass(frozen=True)
class BodyTags:
    """A body's problems, the slugs it links to and the line of each link."""

    problems: tuple[Problem, ...] = ()
    links: tuple[str, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()


def check(rel: str, text: str, body: str) -> BodyTags:
    """The tags of `body`, which ends the file's `text`."""
    if not shortcodes.has_tags(body):
        return BodyTags()
    found = shortcodes.scan(body)
    first = text.count("\n", 0, len(text) - len(body))  # lines before the body starts
    problems = tuple(
        warning(rel, first + note.line, note.message, note.hint, BODY) for note in found.problems
    )
    links = tuple(sys.intern(slug) for slug in found.targets)
    lines = tuple((line_key(link.slug), first + link.line) for link in found.links)
    return BodyTags(problems, links, lines)
