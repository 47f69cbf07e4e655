"""HTTP: the public pages and feeds, as a Flask blueprint over the current catalog."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from feedsvc.catalog import Catalog
from feedsvc.live import Library

bp = Blueprint("feedsvc", __name__)


def catalog() -> Catalog:
    """The catalog this request is served from."""
    library: Library = current_app.extensions["feedsvc"]
    return library.catalog()


@bp.get("/")
def home() -> str:
    """The front page: recent articles and the authors."""
    return render_template("home.html", catalog=catalog())
