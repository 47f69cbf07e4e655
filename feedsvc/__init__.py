"""feedsvc: a news site's articles served as RSS 2.0 and Atom 1.0 feeds."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from feedsvc.cache import ContentCache, default_cache_dir
from feedsvc.live import Library, paused_collector
from feedsvc.serving import FeedResponses, FeedServer
from feedsvc.web import bp

DEFAULT_CONTENT = "articles"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The WSGI application factory (`gunicorn 'feedsvc:create_app()'`).

    Settings come from `FEEDSVC_*` environment variables, then `config`:
    `CONTENT` (the content folder, default ./articles), `BASE_URL` (the public
    URL, over `site.yaml`'s `url`), `CACHE` (the parsed-content cache folder,
    or `off`) and `WATCH` (`0` to not follow changes in the content folder).
    """
    app = Flask(__name__)
    app.config.from_prefixed_env("FEEDSVC", loads=str)
    app.config.update(config or {})
    root = Path(app.config.get("CONTENT") or DEFAULT_CONTENT)
    cache_dir = str(app.config.get("CACHE") or default_cache_dir(root))
    cache = None if cache_dir == "off" else ContentCache(Path(cache_dir), root)
    with paused_collector():
        library = Library(root, app.config.get("BASE_URL"), cache=cache)
        # The loaded corpus is long-lived and acyclic: keep the cyclic collector from
        # walking it again and again under load (and, before a fork, from touching
        # shared pages). Frozen before the collector wakes, it never walks it at all.
        gc.freeze()
    if str(app.config.get("WATCH", "1")).lower() not in ("0", "false", "no", "off"):
        library.watch()
    app.extensions["feedsvc"] = library
    app.register_blueprint(bp)
    app.wsgi_app = FeedServer(app.wsgi_app, FeedResponses(library))  # type: ignore[method-assign]
    return app
