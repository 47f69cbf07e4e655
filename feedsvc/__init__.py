"""feedsvc: a news site's articles served as RSS 2.0 and Atom 1.0 feeds."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from feedsvc.live import Library
from feedsvc.web import bp

DEFAULT_CONTENT = "articles"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The WSGI application factory (`gunicorn 'feedsvc:create_app()'`).

    Settings come from `FEEDSVC_*` environment variables, then `config`:
    `CONTENT` (the content folder, default ./articles) and `BASE_URL`
    (the public URL, over `site.yaml`'s `url`).
    """
    app = Flask(__name__)
    app.config.from_prefixed_env("FEEDSVC", loads=str)
    app.config.update(config or {})
    root = Path(app.config.get("CONTENT") or DEFAULT_CONTENT)
    app.extensions["feedsvc"] = Library(root, app.config.get("BASE_URL"))

    app.register_blueprint(bp)
    return app
