"""The mechanics of one linear pass over a body's text, apart from what tags mean:
the output pieces with Liquid's whitespace trimming, closers found once, lines
counted on, code looked up in order, and problems kept up to a limit.
"""

from __future__ import annotations

from typing import NamedTuple

from feedsvc.codespans import code_regions

MAX_NOTES = 100  # problems and link targets kept per body: a hostile one has millions


class Problem(NamedTuple):
    """A tag that is not rendered: its line in the body, what is wrong, the fix."""

    line: int
    message: str
    hint: str


class TextPass:
    """State that only moves forward: every offset asked about is at or after the last."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.problems: list[Problem] = []
        self.left_out = 0  # problems past MAX_NOTES
        self.strip = False  # a `-%}` just before: leading whitespace goes
        self._line, self._line_at = 1, 0
        self._code: list[tuple[int, int]] | None = None  # found when first needed
        self._code_at = 0
        self._found: dict[tuple[str, int], int] = {}  # closer, end → next place (or -1)
        self._never: dict[tuple[str, int], int] = {}  # end tag, end → none from here

    def find(self, closer: str, start: int, end: int) -> int:
        """The next `closer` at or after `start`, before `end`; kept, so that each stretch
        of text is searched once however many openers come before the closer."""
        key = (closer, end)
        found = self._found.get(key)
        if found is None or 0 <= found < start:
            found = self.text.find(closer, start, end)
            self._found[key] = found
        return found

    def in_code(self, at: int) -> bool:
        """Whether `at` is in a Markdown code span or block (asked in increasing order)."""
        if self._code is None:
            self._code = code_regions(self.text)
        code = self._code
        while self._code_at < len(code) and code[self._code_at][1] <= at:
            self._code_at += 1
        return self._code_at < len(code) and code[self._code_at][0] <= at

    def emit(self, piece: str) -> None:
        """Add to the output; after a `-%}`, without the whitespace it trims."""
        if self.strip:
            piece = piece.lstrip()
            self.strip = not piece
        if piece:
            self.out.append(piece)

    def trim(self) -> None:
        """A `{%-`: the whitespace just before goes."""
        while self.out and not self.out[-1].strip():
            self.out.pop()
        if self.out:
            self.out[-1] = self.out[-1].rstrip()

    def line(self, at: int) -> int:
        """The line of `at`, counted on from the last one asked (asked in order)."""
        self._line += self.text.count("\n", self._line_at, at)
        self._line_at = at
        return self._line

    def warn(self, at: int, message: str, hint: str) -> None:
        """A problem at `at`; past the limit, only counted."""
        if len(self.problems) < MAX_NOTES:
            self.problems.append(Problem(self.line(at), message, hint))
        else:
            self.left_out += 1

    def finish(self) -> None:
        """The problems past the limit, as one more."""
        if self.left_out:
            message = f"… and {self.left_out} more like these"
            self.problems.append(Problem(self.problems[-1].line, message, ""))
