"""The public pages, `/healthz`, `/media/` and page bundles' files, as a Flask blueprint
over the current catalog.

Feeds are answered before Flask, by `serving.FeedServer`; a feed path that
reaches Flask names no feed and gets the same readable 404 as any page. Old
URLs (`Catalog.redirects`) are looked up only where a request would be a 404,
so they never shadow a route and cost nothing on the feeds' hot path.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as BaseResponse

from feedsvc import feeds
from feedsvc.catalog import Catalog
from feedsvc.http.guard import ACTIVE_CSP, PAGE_HEADERS
from feedsvc.http.media import MediaFile, open_bundle_media, open_media
from feedsvc.http.serving import FeedResponses
from feedsvc.live import Library
from feedsvc.model import Severity
from feedsvc.urls import FORMATS, MEDIA, FeedKey, parse_feed_path, site_path

bp = Blueprint("feedsvc", __name__)


def library() -> Library:
    """The content this app serves."""
    found: Library = current_app.extensions["feedsvc"]
    return found


def entries() -> feeds.EntryCache:
    """The rendered entries this app keeps, shared with the feeds."""
    found: feeds.EntryCache = current_app.extensions["feedsvc.entries"]
    return found


def shown(catalog: Catalog, kind: str, value: str = "") -> feeds.Feed | None:
    """A feed as its readers get it (cut to the size budget as its bytes are), or None."""
    responses: FeedResponses = current_app.extensions["feedsvc.responses"]
    return responses.shown(catalog, kind, value)


def page(template: str, catalog: Catalog, **context: Any) -> str:
    """A page, with what every template uses: the catalog, its URLs, the feed formats."""
    return render_template(
        template, catalog=catalog, urls=catalog.urls, formats=FORMATS, key=FeedKey, **context
    )


@bp.get("/")
def home() -> str:
    """The front page: the site's feed as a page, the authors, the feed links."""
    current = library().catalog()
    return page("home.html", current, feed=shown(current, "site"))


@bp.get("/authors/<slug>/")
def author(slug: str) -> str:
    """An author's page: bio, and their feed as readers see it."""
    current = library().catalog()
    feed = shown(current, "author", slug) or abort(404, "No such author.")
    person = current.authors[slug]
    return page(
        "author.html", current, feed=feed, author=person, bio=entries().bio(current, person)
    )


@bp.get("/articles/<slug>/")
def article(slug: str) -> str | BaseResponse:
    """An article with its author box and related links; old slugs redirect."""
    current = library().catalog()
    if slug in current.aliases:
        return moved(current, current.aliases[slug])
    found = current.by_slug.get(slug) or abort(404, "No such article.")
    entry = entries().get(current, found)
    bios = {a.slug: entries().bio(current, current.authors[a.slug]) for a in entry.authors}
    return page("article.html", current, entry=entry, body=entry.body, bios=bios)


@bp.get("/articles/<slug>/<path:name>")
def bundle_media(slug: str, name: str) -> BaseResponse:
    """A file beside a page bundle's index (`<slug>/index.md`), by the rules of `/media/`;
    only while the article is public: a draft's, scheduled or expired article's files are
    a 404 like any missing file. Under an old slug, the same file under the new one."""
    current = library().catalog()
    if slug in current.aliases:
        return moved(current, current.aliases[slug], quote(name))
    found = current.by_slug.get(slug)  # published articles only
    if found is None or found.bundle is None:
        abort(404, "No such file.")
    return send_media(open_bundle_media(library().root, found.bundle, name))


@bp.get(f"/{MEDIA}<path:name>")
def media(name: str) -> BaseResponse:
    """Images and other files that articles use: regular files of the listed types in the
    content folder's `media/` (see `http.media`); SVG and HTML in a sandbox."""
    return send_media(open_media(library().root / MEDIA, name))


def send_media(found: MediaFile | None) -> BaseResponse:
    """A checked media file as a response (ranges, conditional requests), or a 404."""
    if found is None:
        abort(404, "No such file.")
    try:
        response = send_file(
            found.file,
            mimetype=found.media_type,  # text/ types get Werkzeug's charset=utf-8
            as_attachment=found.download,
            download_name=found.name.rpartition("/")[2],
            conditional=False,  # below, once the length is known (ranges need it)
            etag=found.etag,
            last_modified=found.mtime,
        )
        response.content_length = found.size  # a file object: Werkzeug cannot know it
        if found.active:
            response.headers["Content-Security-Policy"] = ACTIVE_CSP
        return response.make_conditional(request, accept_ranges=True, complete_length=found.size)
    except BaseException:  # a range past the end (416), say: the file is not sent
        found.file.close()
        raise


def moved(catalog: Catalog, slug: str, rest: str = "") -> BaseResponse:
    """The permanent redirect of an old address to an article (or a file below it)."""
    return redirect(catalog.urls.article(slug) + rest, 301)


def redirected(catalog: Catalog) -> BaseResponse | None:
    """The 301 for a request whose path is an article's old URL (`redirect_from`,
    `permalink`, a path in `aliases`), or None. Compared as `urls.site_path`s, so a
    trailing '/', '.html', doubled slashes and percent-encoding match as written."""
    if request.method not in ("GET", "HEAD"):
        return None
    # request.path is decoded once already; site_path decodes again, so quote it back
    # first: `%2541` stays the path '%41', '?' and '#' stay in the path.
    try:
        path = site_path(quote(request.path, safe="/"))
    except ValueError:  # `//[x/`: no old URL of any article
        return None
    slug = catalog.redirects.get(path)
    return None if slug is None else moved(catalog, slug)


@bp.get("/healthz")
def health() -> Response:
    """Status for monitors: version and problem counts, never file names; `degraded` and
    503 while changes cannot be followed (a refresh failing, the watcher failing or dead).
    Content problems alone leave it 200: an author's typo is no reason to restart."""
    current, watcher = library().catalog(), current_app.extensions["feedsvc.watcher"]
    counts = Counter(p.severity for p in library().problems)
    checks = {"refresh": not library().failing, "watcher": watcher.healthy}
    cache = library().cache  # "failed": served in full without it (not a reason for 503)
    response = jsonify(
        status="ok" if all(checks.values()) else "degraded",
        checks={name: "ok" if good else "failing" for name, good in checks.items()},
        cache="off" if cache is None else cache.status,
        version=current.version,
        articles=len(current.articles),
        problems={"errors": counts[Severity.ERROR], "warnings": counts[Severity.WARNING]},
    )
    response.status_code = 200 if all(checks.values()) else 503
    response.cache_control.no_store = True
    return response


@bp.before_app_request
def slash_redirect() -> BaseResponse | None:
    """Werkzeug's own redirects (`/articles/x` → `/articles/x/`, `//` → `/`) under the
    site's URL: Werkzeug builds them from the request's Host header."""
    moved = request.routing_exception
    if not isinstance(moved, RequestRedirect):
        return None
    target = urlsplit(moved.new_url)
    # Joined below the base, never resolved against it: no path leaves the site.
    location = library().catalog().urls.base + target.path.lstrip("/")
    return redirect(location + (f"?{target.query}" if target.query else ""), moved.code)


@bp.after_app_request
def security_headers(response: BaseResponse) -> BaseResponse:
    """Every response Flask sends carries the security headers (a view may set its own)."""
    for name, value in PAGE_HEADERS:
        response.headers.setdefault(name, value)
    return response


@bp.app_errorhandler(404)
def not_found(error: Exception) -> tuple[str, int] | BaseResponse:
    """A short readable page; it names nothing unpublished. An old URL of a published
    article answers 301 instead."""
    current = library().catalog()
    found = redirected(current)
    if found is not None:
        return found
    message = getattr(error, "description", "Not found.")
    key = parse_feed_path(request.path)
    if key is not None:  # a feed path that names no feed
        message = f"No such {key.kind}."
    return page("404.html", current, message=message), 404
