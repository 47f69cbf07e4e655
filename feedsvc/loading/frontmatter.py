"""Split a content file into front matter and body, keeping line numbers.

YAML between `---` fences, or TOML between `+++`
fences (Hugo's default, `tomlmatter`); blank lines may come before the first
fence, as many generators allow. The YAML is read with libyaml's C loader,
composed first so that every top-level key keeps the line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from feedsvc.loading.fields import excerpt
from feedsvc.loading.tomlmatter import TomlError, load_toml


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader, with timestamps and numbers left as text.

    Dates go through one reader (dateutil), whether an author writes
    `2025-10-16` or `Oct 16, 2025`; YAML would otherwise turn the first
    into a `date` and leave the second a string. No field is a number, and
    a number kept as written is what a title or tag means (`3.10`, not
    `3.1`); nor can it fail: Python refuses to make an int of over 4,300
    digits, and YAML has `.nan` and `.inf`.
    """


def _as_text(loader: yaml.CSafeLoader, node: yaml.Node) -> str:
    """Construct a YAML scalar as the text it was written as."""
    return str(node.value)


for _tag in ("timestamp", "int", "float"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_text)


class FrontMatterError(Exception):
    """The front matter cannot be read at all; the whole file is unusable."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Document:
    """A parsed content file: its fields, the line of each field, and its body."""

    fields: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # field name → line in the file
    body: str = ""
    duplicate_keys: tuple[tuple[str, int], ...] = ()

    def line(self, key: str) -> int:
        """The line a field is on, or the line of the opening fence."""
        return self.lines.get(key, 1)


_FENCE = "---"
_TOML_FENCE = "+++"
_BOUNDARIES = {
    _FENCE: re.compile(r"^-{3,}\s*$", re.MULTILINE),  # python-frontmatter's
    _TOML_FENCE: re.compile(r"^\+{3,}\s*$", re.MULTILINE),
}
# What ends the fields: the opening fence again, or for YAML also its document end
# marker `...`, which Jekyll accepts as the closer.
_CLOSINGS = {
    _FENCE: re.compile(r"^(?:-{3,}|\.{3})\s*$", re.MULTILINE),
    _TOML_FENCE: _BOUNDARIES[_TOML_FENCE],
}
_BLANK_LINES = re.compile(r"(?:[ \t]*\r?\n)*")


def parse(text: str) -> Document:
    """Parse a file's text; raise `FrontMatterError` if its front matter is unreadable."""
    text = text.removeprefix("\ufeff")
    blank = _BLANK_LINES.match(text)
    skipped = blank.end() if blank else 0
    fence = text[skipped : skipped + 3]
    boundary = _BOUNDARIES.get(fence)
    opening = boundary.match(text, skipped) if boundary else None
    if boundary is None or opening is None:
        raise FrontMatterError(
            1,
            "the file does not start with front matter",
            f"start the file with a line '{_FENCE}', the fields (title: …), then '{_FENCE}'",
        )
    closing = _CLOSINGS[fence].search(text, opening.end())
    if closing is None:
        raise FrontMatterError(
            1 + text.count("\n", 0, skipped),
            "the front matter is never closed",
            f"add a line '{fence}' after the last field, before the article's text",
        )
    raw, body = text[opening.end() : closing.start()], text[closing.end() :]
    # The fields start right after the opening fence's match, on its line.
    first_line = 1 + text.count("\n", 0, opening.end())
    if fence == _TOML_FENCE:
        return _toml(raw, body, first_line)
    node, fields = _compose(raw, first_line)
    if not isinstance(fields, dict):
        raise FrontMatterError(
            first_line + (node.start_mark.line if node else 0),
            f"the front matter is {_kind(fields)}, not a list of fields",
            "write one 'name: value' per line between the '---' lines",
        )
    lines: dict[str, int] = {}
    seen: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + first_line
            if key in lines:
                seen.append((key, line))
            lines[key] = line
    return Document({str(k): v for k, v in fields.items()}, lines, body.lstrip("\r\n"), tuple(seen))


def _toml(raw: str, body: str, first_line: int) -> Document:
    """A document whose front matter is TOML (duplicate keys are TOML errors)."""
    try:
        fields, offsets = load_toml(raw)
    except TomlError as failed:
        raise FrontMatterError(
            first_line + failed.offset,
            f"the front matter is not valid TOML: {failed.problem}",
            'check this line: text goes in quotes (title = "…"), lists in brackets '
            '(tags = ["a", "b"]), each field once',
        ) from None
    lines = {key: first_line + offset for key, offset in offsets.items()}
    return Document(fields, lines, body.lstrip("\r\n"))


def _compose(raw: str, first_line: int) -> tuple[yaml.Node | None, Any]:
    """Compose and construct one YAML document, turning syntax errors into `FrontMatterError`."""
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        # An alias needs both an anchor (&) and a reference (*): the walk is for those few.
        if "&" in raw and "*" in raw and (shared := aliased(node)) is not None:
            raise FrontMatterError(
                first_line + shared.start_mark.line,
                "the front matter repeats the value on this line through a YAML alias (*…)",
                "write the value out where it is used: aliases are not read in front matter",
            )
        return node, loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = excerpt(error.problem or "invalid YAML")
        raise FrontMatterError(
            line,
            f"the front matter is not valid YAML: {problem}",
            "check this line: quote values that contain ': ' or start with a special "
            "character, and indent lists evenly",
        ) from None
    except yaml.YAMLError as error:
        raise FrontMatterError(
            first_line, f"the front matter is not valid YAML: {excerpt(str(error))}", "fix the YAML"
        ) from None
    finally:
        loader.dispose()


def aliased(root: yaml.Node) -> yaml.Node | None:
    """The first node reached twice: what a YAML alias points at.

    Aliases are refused, not counted: a 372-byte document of nested aliases
    (the "billion laughs") stands for hundreds of millions of values, and
    any message or loop over them would explode. The composed graph itself is
    small (an alias is the same node object again), so the walk stays short.
    """
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
    return None


def _kind(value: object) -> str:
    """A reader's name for a YAML value's type."""
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "plain text" if isinstance(value, str) else f"a {type(value).__name__}"
