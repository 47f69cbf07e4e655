"""How `feedsvc check` says the problems it found: grouped and folded for a person, or one
by one as JSON for tools."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import click

from feedsvc.model import Problem, Severity


def echo_problems(problems: Iterable[Problem]) -> None:
    """Problems grouped for a person: errors by file, then the warnings that change an
    article, then unknown fields folded into one line per field name (a site copied
    from another generator has hundreds, which would drown the rest)."""
    report = fold(problems)
    if report.errors:
        click.echo("Errors (not published until fixed):")
        click.echo("\n".join(_repeats_folded(report.errors)))
    if report.warnings:
        click.echo("Warnings (published, but not as written):")
        click.echo("\n".join(_repeats_folded(report.warnings)))
    if report.unknown:
        click.echo("Unknown fields (ignored; the rest of each file is read):")
        for line in report.unknown_lines():
            click.echo(line)


def _repeats_folded(problems: list[Problem]) -> list[str]:
    """Each problem as it is formatted, but one said in the same words in more than
    `FOLDED_PLACES` files (a site default author that does not exist, say) once, where
    it first comes, with the first few places."""
    same: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        same.setdefault((problem.severity, problem.message, problem.hint), []).append(problem)
    lines = []
    for problem in problems:
        found = same[(problem.severity, problem.message, problem.hint)]
        if len(found) <= FOLDED_PLACES:
            lines.append(problem.format())
        elif found[0] is problem:
            places = ", ".join(f"{p.path}:{p.line}" for p in found[:FOLDED_PLACES])
            more = f" and {len(found) - FOLDED_PLACES:,} more files"
            lines.append(f"{places}{more}: {problem.severity}: {problem.message}")
            if problem.hint:
                lines.append(f"    fix: {problem.hint}")
    return lines


@dataclass(frozen=True)
class Folded:
    """Problems as `check` shows them: errors and warnings in file order, unknown fields
    by name (a name of None: the fields past the ones a file warns of one by one)."""

    errors: list[Problem]
    warnings: list[Problem]
    unknown: dict[str | None, list[Problem]]

    def unknown_lines(self) -> list[str]:
        """One line per unknown field name, the most frequent first, then by name; the
        first few places, and the fix when every file shares it."""
        lines = []
        order = sorted(
            self.unknown.items(), key=lambda kv: (kv[0] is None, -len(kv[1]), kv[0] or "")
        )
        for name, found in order:
            files = len({p.path for p in found})
            places = ", ".join(f"{p.path}:{p.line}" for p in found[:FOLDED_PLACES])
            if len(found) > FOLDED_PLACES:
                places += f" and {len(found) - FOLDED_PLACES:,} more"
            if name is None:
                more = sum(_count_of(p.message) for p in found)
                lines.append(f"  {more:,} more unknown fields in {plural(files, 'file')}: {places}")
                continue
            lines.append(f"  '{name}' in {plural(files, 'file')}: {places}")
            hints = {p.hint for p in found}
            if len(hints) == 1 and (hint := hints.pop()).startswith("did you mean"):
                lines.append(f"    fix: {hint}")
        return lines


FOLDED_PLACES = 3  # places shown on a folded unknown field's line
_UNKNOWN = re.compile(r"^unknown field '(?P<name>.*)'$")
_MORE_UNKNOWN = re.compile(r"^(?P<count>[\d,]+) more unknown fields$")


def fold(problems: Iterable[Problem]) -> Folded:
    """Sort problems (by file and line) into errors, warnings and unknown fields by name."""
    folded = Folded([], [], {})
    for problem in sorted(problems, key=_order):
        if problem.severity is Severity.ERROR:
            folded.errors.append(problem)
        elif match := _UNKNOWN.match(problem.message):
            folded.unknown.setdefault(match["name"], []).append(problem)
        elif _MORE_UNKNOWN.match(problem.message):
            folded.unknown.setdefault(None, []).append(problem)
        else:
            folded.warnings.append(problem)
    return folded


def _order(problem: Problem) -> tuple[str, int, str, str]:
    """File, line, then severity and message: the same order on every run."""
    return (problem.path, problem.line, problem.severity, problem.message)


def _count_of(message: str) -> int:
    match = _MORE_UNKNOWN.match(message)
    return int(match["count"].replace(",", "")) if match else 0


def problems_json(problems: Iterable[Problem]) -> list[dict[str, object]]:
    """Every problem, one by one, in file order (JSON is for tools: nothing folded)."""
    return [
        {
            "path": p.path,
            "line": p.line,
            "severity": str(p.severity),
            "message": p.message,
            "fix": p.hint,
            "field": p.field,
        }
        for p in sorted(problems, key=_order)
    ]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
