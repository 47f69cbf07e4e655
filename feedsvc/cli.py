"""The `feedsvc` command: `check` for authors, `serve` for the site."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import click

from feedsvc import runtime
from feedsvc.catalog import Catalog, build_catalog
from feedsvc.live import utc_now
from feedsvc.loading import load
from feedsvc.loading.site import SiteError
from feedsvc.model import Severity
from feedsvc.report import echo_problems, plural, problems_json
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
            _echo_json({"site_usable": False, "problems": problems_json(error.problems)})
        else:
            echo_problems(error.problems)
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
                "problems": problems_json(loaded.problems),
                "drafts": [a.source for a in catalog.drafts],
                "scheduled": [
                    {"path": a.source, "published": a.published.isoformat()}
                    for a in catalog.scheduled
                ],
                "summary": summary,
            }
        )
    else:
        echo_problems(loaded.problems)
        _list_unpublished(catalog)
        click.echo(
            f"{len(catalog.articles)} published, {plural(len(catalog.drafts), 'draft')}, "
            f"{len(catalog.scheduled)} scheduled, {plural(len(catalog.authors), 'author')}; "
            f"{plural(counts[Severity.ERROR], 'error')}, "
            f"{plural(counts[Severity.WARNING], 'warning')}"
        )
    raise SystemExit(1 if counts[Severity.ERROR] else 0)


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
