"""TOML front matter (`+++` fences, Hugo's default), read to what the YAML reader gives.

`tomllib` types dates and numbers and gives no line numbers. Dates, times and
numbers become the text the field readers take (as YAML's are kept as text: one
date reader for every format), and each top-level field's line is found by a
scan of the text.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from typing import Any

from feedsvc.loading.fields import excerpt

# A top-level key at the start of a line (`title =`, `"my key" =`, `params.x =`) or a
# table header (`[params]`, `[[images]]`): the first part is the field.
_KEY = re.compile(r"""^\s*(?:([A-Za-z0-9_-]+)|"([^"\\]*)"|'([^']*)')\s*[.=]""")
_HEADER = re.compile(r"""^\s*\[\[?\s*(?:([A-Za-z0-9_-]+)|"([^"\\]*)"|'([^']*)')""")
_STRINGS = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


class TomlError(Exception):
    """Invalid TOML, at a line counted from the start of the TOML text (0 for the first)."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset = offset
        self.problem = problem


def load_toml(raw: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The fields of a TOML text, as text where they are dates or numbers, and the line
    offset (from the first line of `raw`, 0-based) of each top-level field."""
    try:
        data = tomllib.loads(raw, parse_float=str)  # a float kept as written: `3.10`
    except tomllib.TOMLDecodeError as failed:
        found = _AT_LINE.search(str(failed))
        problem = _AT_LINE.sub("", str(failed)).strip()
        offset = int(found[1]) - 1 if found else raw.count("\n")
        raise TomlError(offset, excerpt(problem or "invalid TOML")) from None
    # ValueError: an int of over 4,300 digits; RecursionError: arrays nested thousands deep.
    except (ValueError, RecursionError) as failed:
        raise TomlError(0, excerpt(str(failed) or type(failed).__name__)) from None
    fields = {str(key): as_text(value) for key, value in data.items()}
    return fields, key_lines(raw)


def as_text(value: object) -> object:
    """A TOML value as the YAML reader gives it: dates, times and numbers as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {str(key): as_text(item) for key, item in value.items()}
    return value


def key_lines(raw: str) -> dict[str, int]:
    """The line offset of each top-level key: scanned, skipping multi-line strings and
    arrays, and what follows a table header (whose own name is the key)."""
    lines: dict[str, int] = {}
    quote: str | None = None  # the delimiter of the multi-line string we are in
    depth = 0  # open '[' of a multi-line array
    in_table = False
    for offset, line in enumerate(raw.splitlines()):
        if quote is not None:
            if line.count(quote) % 2:
                quote = None
            continue
        if depth == 0:
            header = None if in_table and _KEY.match(line) else _HEADER.match(line)
            found = header or (None if in_table else _KEY.match(line))
            if header:
                in_table = True
            if found:
                lines.setdefault(next(g for g in found.groups() if g is not None), offset)
        for delimiter in ('"""', "'''"):
            if line.count(delimiter) % 2:
                quote = delimiter
                break
        if quote is None:
            value = _STRINGS.sub("", line).split("#", 1)[0]
            depth = max(0, depth + value.count("[") - value.count("]"))
    return lines
