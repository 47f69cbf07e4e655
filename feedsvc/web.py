"""HTTP: the public pages and feeds, as a Flask blueprint over the current catalog."""

from __future__ import annotations

from collections import Counter

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_from_directory,
)
from werkzeug.wrappers import Response as BaseResponse

from feedsvc import feeds
from feedsvc.catalog import Catalog
from feedsvc.live import Library
from feedsvc.markup import render
from feedsvc.model import Severity

bp = Blueprint("feedsvc", __name__)
MEDIA_DIR = "media"


def library() -> Library:
    """The content this app serves."""
    found: Library = current_app.extensions["feedsvc"]
    return found


def catalog() -> Catalog:
    """The catalog this request is served from."""
    return library().catalog()


@bp.get("/")
def home() -> str:
    """The front page: the site's feed as a page, the authors, the feed links."""
    current = catalog()
    return render_template("home.html", catalog=current, feed=feeds.site_feed(current))


@bp.get("/authors/<slug>/")
def author(slug: str) -> str:
    """An author's page: bio, and their feed as readers see it."""
    current = catalog()
    feed = feeds.author_feed(current, slug) or abort(404, "No such author.")
    person = current.authors[slug]
    bio = render(person.bio, current.site.author_url(slug))
    return render_template("author.html", catalog=current, feed=feed, author=person, bio=bio)


@bp.get("/articles/<slug>/")
def article(slug: str) -> str | BaseResponse:
    """An article with its author box and related links; old slugs redirect."""
    current = catalog()
    if slug in current.aliases:
        return redirect(current.site.article_url(current.aliases[slug]), 301)
    found = current.by_slug.get(slug) or abort(404, "No such article.")
    entry = feeds.entry(current, found)
    body = feeds.article_html(current, found)
    bios = {a.slug: render(a.bio, current.site.author_url(a.slug)) for a in entry.authors}
    return render_template("article.html", catalog=current, entry=entry, body=body, bios=bios)


@bp.get("/media/<path:name>")
def media(name: str) -> Response:
    """Images and other files that articles use, from the content folder's `media/`."""
    return send_from_directory(library().root.resolve() / MEDIA_DIR, name)


# Feeds are answered by `serving.FeedServer` before Flask; a feed path that reaches
# Flask names no feed, and gets the same readable 404 as any page.
@bp.get("/authors/<slug>/<any(rss, atom):fmt>.xml")
def unknown_author_feed(slug: str, fmt: str) -> Response:
    """A feed for an author who does not exist."""
    abort(404, "No such author.")


@bp.get("/healthz")
def health() -> Response:
    """Status for monitors: version and problem counts, never file names."""
    current = catalog()
    counts = Counter(p.severity for p in library().problems)
    response = jsonify(
        status="ok",
        version=current.version,
        articles=len(current.articles),
        problems={"errors": counts[Severity.ERROR], "warnings": counts[Severity.WARNING]},
    )
    response.cache_control.no_store = True
    return response


@bp.app_errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    """A short readable page; it names nothing unpublished."""
    message = getattr(error, "description", "Not found.")
    return render_template("404.html", catalog=catalog(), message=message), 404
