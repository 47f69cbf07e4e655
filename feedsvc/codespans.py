"""Where a Markdown body has code: its code spans and fenced or indented code blocks.

`shortcodes` leaves Liquid written in code as it is (see there why); this finds
code as markdown-it reads it, as offsets into the text, in one parse.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from markdown_it import MarkdownIt

# The renderer's block rules (tables included) say which lines are code and which are
# inline text; code spans are found here, so the inline parse (most of the time) is off.
_MARKDOWN = MarkdownIt("commonmark").enable(["table"]).disable(["inline"])
_BACKTICKS = re.compile(r"`+")


def code_regions(text: str) -> list[tuple[int, int]]:
    """The `[start, end)` offsets of the code in `text`, in order, not overlapping.

    `text` has `\\n` line ends (markdown-it's line numbers count those).
    """
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    starts.append(len(text))
    regions: list[tuple[int, int]] = []
    scanned = 0  # table cells share their row's line: scan each line once
    for token in _MARKDOWN.parse(text):
        if token.map is None:
            continue
        first, last = token.map
        begin, end = starts[first], starts[min(last, len(starts) - 1)]
        if token.type in ("fence", "code_block"):
            regions.append((begin, end))
        elif token.type == "inline" and begin >= scanned:
            regions.extend(_spans(text, begin, end))
            scanned = end
    return regions


def _spans(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The code spans in `text[begin:end]`: a run of backticks up to the next run of
    the same length (CommonMark). Linear: for each length, a pointer into its runs."""
    runs = [(m.start(), m.end() - m.start()) for m in _BACKTICKS.finditer(text, begin, end)]
    by_length: dict[int, list[int]] = {}
    for index, (_, length) in enumerate(runs):
        by_length.setdefault(length, []).append(index)
    pointer = dict.fromkeys(by_length, 0)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, length = runs[index]
        if _escaped(text, start, begin):  # `\`` is a literal backtick, the rest a run
            start, length = start + 1, length - 1
        closer = _next_run(by_length, pointer, length, index)
        if length and closer is not None:
            spans.append((start, runs[closer][0] + length))
            index = closer
        index += 1
    return spans


def _next_run(
    by_length: dict[int, list[int]], pointer: dict[int, int], length: int, after: int
) -> int | None:
    """The first run of exactly `length` backticks after the run `after`, if any."""
    indices = by_length.get(length)
    if not indices:
        return None
    at = pointer[length]
    if at < len(indices) and indices[at] <= after:
        at = bisect_right(indices, after, at)  # pointers only move forward
        pointer[length] = at
    return indices[at] if at < len(indices) else None


def _escaped(text: str, at: int, begin: int) -> bool:
    """Whether an odd number of backslashes comes just before `at`."""
    count = 0
    while at - count > begin and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1
