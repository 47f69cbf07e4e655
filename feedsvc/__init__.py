"""feedsvc: a news site's articles served as RSS 2.0 and Atom 1.0 feeds."""

from __future__ import annotations

from flask import Flask

from feedsvc.feeds import EntryCache, RenderBudget
from feedsvc.http.guard import Guard
from feedsvc.http.serving import FeedResponses, FeedServer
from feedsvc.http.views import bp
from feedsvc.live import Library, Watcher
from feedsvc.settings import Settings
from feedsvc.store.cache import ContentCache


def create_app(settings: Settings | None = None) -> Flask:
    """The WSGI application factory (`gunicorn 'feedsvc:create_app()'`).

    `settings` default to the `FEEDSVC_*` environment variables (`Settings.from_env`).
    The factory changes no process-wide state: `feedsvc serve` prepares the process
    for forking (`runtime.prepare_to_fork`).
    """
    settings = settings or Settings.from_env()
    cache = ContentCache(settings.cache, settings.content) if settings.cache else None
    library = Library(settings.content, settings.base_url, cache=cache)
    watcher = Watcher(library)
    if settings.watch:
        watcher.start()
    # One budget for everything a worker keeps rendered: entries, bios, feeds' bytes.
    entries = EntryCache(RenderBudget(settings.render_budget))  # feeds and pages share it
    app = Flask(__name__)
    app.extensions["feedsvc"] = library
    app.extensions["feedsvc.watcher"] = watcher
    app.extensions["feedsvc.entries"] = entries
    app.register_blueprint(bp)
    responses = FeedResponses(library, entries)
    app.extensions["feedsvc.responses"] = responses  # the pages show feeds as served
    app.wsgi_app = FeedServer(app.wsgi_app, responses)  # type: ignore[method-assign]
    app.wsgi_app = Guard(app.wsgi_app)  # type: ignore[method-assign]  # outermost: see guard
    return app
