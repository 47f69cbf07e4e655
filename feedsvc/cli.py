"""The `feedsvc` command: `check` for authors, `serve` for the site."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from feedsvc import runtime
from feedsvc.catalog import Catalog, build_catalog
from feedsvc.live import utc_now
from feedsvc.loading import load
from feedsvc.loading.site import SiteError
from feedsvc.model import Problem, Severity
from feedsvc.settings import Settings, SettingsError

MASTER_SETTLE = 5.0  # seconds without changes before gunicorn's master re-reads them

content_option = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="FEEDSVC_CONTENT",
    default="articles",
    show_default=True,
    help="The content folder (or FEEDSVC_CONTENT).",
)


@click.group()
def main() -> None:
    """Serve a news site's articles as RSS and Atom feeds."""


@main.command()
@content_option
@click.option("--json", "as_json", is_flag=True, help="Every problem, as JSON, one by one.")
def check(content: Path, as_json: bool) -> None:
    """Report every problem in the content folder; exit 1 if any is an error."""
    try:
        loaded = load(content)
    except SiteError as error:
        if as_json:
            _echo_json({"site_usable": False, "problems": _problems_json(error.problems)})
        else:
            _echo_problems(error.problems)
            click.echo("The site cannot be served until site.yaml is fixed.")
        raise SystemExit(1) from None
    catalog = build_catalog(loaded.site, loaded.authors, loaded.articles, utc_now(), loaded.body)
    counts = Counter(p.severity for p in loaded.problems)
    summary = {
        "published": len(catalog.articles),
        "drafts": len(catalog.drafts),
        "scheduled": len(catalog.scheduled),
        "authors": len(catalog.authors),
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
    }
    if as_json:
        _echo_json(
            {
                "site_usable": True,
                "problems": _problems_json(loaded.problems),
                "drafts": [a.source for a in catalog.drafts],
                "scheduled": [
                    {"path": a.source, "published": a.published.isoformat()}
                    for a in catalog.scheduled
                ],
                "summary": summary,
            }
        )
    else:
        _echo_problems(loaded.problems)
        _list_unpublished(catalog)
        click.echo(
            f"{len(catalog.articles)} published, {_plural(len(catalog.drafts), 'draft')}, "
            f"{len(catalog.scheduled)} scheduled, {_plural(len(catalog.authors), 'author')}; "
            f"{_plural(counts[Severity.ERROR], 'error')}, "
            f"{_plural(counts[Severity.WARNING], 'warning')}"
        )
    raise SystemExit(1 if counts[Severity.ERROR] else 0)


def _echo_problems(problems: Iterable[Problem]) -> None:
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
                lines.append(
                    f"  {more:,} more unknown fields in {_plural(files, 'file')}: {places}"
                )
                continue
            lines.append(f"  '{name}' in {_plural(files, 'file')}: {places}")
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


def _problems_json(problems: Iterable[Problem]) -> list[dict[str, object]]:
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


def _echo_json(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


def _list_unpublished(catalog: Catalog) -> None:
    """What the public cannot see yet: only authors running `check` are shown this."""
    if catalog.drafts:
        click.echo("Drafts (not published):")
        for article in catalog.drafts:
            click.echo(f"  {article.source}")
    if catalog.scheduled:
        click.echo("Scheduled:")
        for article in catalog.scheduled:
            click.echo(f"  {article.published:%Y-%m-%d %H:%M} UTC  {article.source}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@main.command()
@content_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn processes.")
@click.option(
    "--connections",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections per process, idle ones included.",
)
@click.option("--debug", is_flag=True, help="Flask's development server, with its debugger.")
def serve(
    *, content: Path, host: str, port: int, workers: int, connections: int, debug: bool
) -> None:
    """Serve the site and its feeds with gunicorn."""
    from feedsvc import create_app  # noqa: PLC0415 - the factory imports this package's layers

    try:
        settings = Settings.from_env(content=content)
        # Loaded once, before gunicorn forks its workers: they start with the content
        # in place (no worker boot timeout, however large the corpus) and each follows
        # changes from then on with a watcher of its own.
        app = create_app(settings)
    except (SettingsError, SiteError) as error:
        raise click.ClickException(str(error)) from None
    if debug:
        app.run(host, port, debug=True, use_reloader=False)
        return
    library, watcher = app.extensions["feedsvc"], app.extensions["feedsvc.watcher"]
    # gunicorn's master serves nothing: it follows changes only for the content cache
    # and for workers it may fork again, so it waits until they stop coming and leaves
    # the CPU to the workers while they apply them.
    watcher.settle = MASTER_SETTLE
    runtime.prepare_to_fork(library, library.bodies, library.cache, watcher)
    click.echo(f"Serving {content} on http://{host}:{port}/")
    options = gunicorn_options(
        f"{host}:{port}", workers=workers, connections=connections, settings=settings
    )
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415 - only `serve` needs it

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()


def gunicorn_options(
    bind: str, *, workers: int, connections: int, settings: Settings
) -> dict[str, object]:
    """gunicorn's settings for `serve` (see the README's design notes for the choice)."""
    return {
        "bind": bind,
        "workers": workers,
        # gevent: each connection is a greenlet, so idle and slow clients cost memory,
        # not one of a few threads; `keepalive` is then the deadline for the whole
        # header of every request, the first included (gunicorn's AsyncWorker reads
        # it under gevent.Timeout(keepalive)): a slowloris is let go when it passes.
        "worker_class": "gevent",
        "worker_connections": connections,
        "keepalive": settings.header_timeout,
        "timeout": 30,
        "graceful_timeout": 10,
        "preload_app": True,
        # No runtime control socket: it would live in the home directory, shared
        # by every gunicorn of the user; signals do the same job.
        "control_socket_disable": True,
        # No peer is a trusted proxy (a later issue adds them): a SCRIPT_NAME header is
        # dropped rather than cut off the path (or answered 500 when it is no prefix
        # of it), and X-Forwarded-Proto never changes the scheme. `http.guard` does
        # the same for any server.
        "forwarded_allow_ips": "",
        "forwarder_headers": "",
        "secure_scheme_headers": {},
    }
