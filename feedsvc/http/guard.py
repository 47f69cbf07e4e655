"""What the service takes from a request, and the security headers of what it sends.

Links and redirects are built from the site's configured URL, never from the
request (see `urls.Urls`). A request can still carry what makes a WSGI stack
build URLs of its own: a `SCRIPT_NAME` header, which gunicorn maps into the
environ's `SCRIPT_NAME` for a peer in `forwarded_allow_ips` (its
`forwarder_headers` setting, loopback by default) after cutting it off
`PATH_INFO`, and `X-Forwarded-*` / `Forwarded`, which Werkzeug's `ProxyFix` and
many libraries read. `Guard`, the outermost WSGI layer, takes them out before
anything sees the request; a later issue adds trusted proxies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_FORWARDED = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_")

# Pages: no script but the site's own files (the templates have no inline script or
# style, and bodies are cleaned of both), images and media from anywhere (article
# bodies embed them; they cannot run script), no plugins, never in another's frame.
PAGE_CSP = (
    "default-src 'self'; img-src * data:; media-src *; "
    "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Every response from Flask (pages, 404s, redirects, /healthz, /media/).
PAGE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", PAGE_CSP),
    ("X-Content-Type-Options", "nosniff"),  # a file is only ever what its type says
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate CSP 2
)

# A feed opened in a browser is an XML document: nothing in it may run, load or be
# framed; nosniff keeps it from ever being read as HTML. Readers ignore these.
FEED_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
)

# A media file that a browser can run script in (SVG, HTML): in a sandbox of its own,
# a unique origin that shares nothing with the site's pages, with nothing to load but
# its own inline styles and data: images.
ACTIVE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class Guard:
    """WSGI middleware: the request as the client sent it, without what only a trusted
    proxy may say (`SCRIPT_NAME`, `X-Forwarded-*`, `Forwarded`)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Clean the environ, then call the application."""
        script_name = environ.get("SCRIPT_NAME")
        if script_name:
            # The service answers at '/' (a proxy strips a site's sub-path, which
            # links keep from the site's url): the prefix gunicorn cut off is put
            # back, and the path is the one requested.
            environ["PATH_INFO"] = script_name + environ.get("PATH_INFO", "")
            environ["SCRIPT_NAME"] = ""
        for name in [name for name in environ if name.startswith(_FORWARDED)]:
            del environ[name]
        return self.app(environ, start_response)
