"""What the site sends is safe to open: `media/` serves media only, every page carries the
security headers, redirects stay on the site, the header timeout is a setting."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import html

from conftest import make_app
from feedsvc.http.guard import FEED_HEADERS
from feedsvc.settings import Settings, SettingsError

SITE = "https://news.example.org/"
PNG = (Path(__file__).resolve().parent.parent / "articles" / "media" / "harbor.png").read_bytes()
SCRIPT = "<script>alert(document.cookie)</script>"


def get_bounded(client: FlaskClient, path: str, **kwargs: object) -> tuple[int, dict[str, str]]:
    """A GET that must answer within a generous time (a FIFO must never hang a worker)."""
    answer: list[tuple[int, dict[str, str]]] = []

    def ask() -> None:
        response = client.get(path, **kwargs)  # type: ignore[arg-type]
        answer.append((response.status_code, dict(response.headers)))

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert answer, f"{path} hung"
    return answer[0]


@pytest.fixture
def media(content: Path, tmp_path: Path) -> Path:
    """The content's media/ with a file of every kind next to the sample's image."""
    folder = content / "media"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(PNG)
    (outside / "private").mkdir()
    (outside / "private" / "x.png").write_bytes(PNG)
    (folder / "out.png").symlink_to(outside / "secret.png")
    (folder / "passwd.png").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc")
    (folder / "private").symlink_to(outside / "private")
    (folder / "same.png").symlink_to("harbor.png")
    (folder / "loop.png").symlink_to("loop.png")
    (folder / "site.png").symlink_to(content / "site.yaml")
    (folder / "notes.png").symlink_to("draft.md")
    (folder / "Photo.JPG").write_bytes(b"\xff\xd8\xff\xe0jpeg")
    (folder / "sub").mkdir()
    (folder / "sub" / "chart.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg">{SCRIPT}</svg>'
    )
    (folder / "page.html").write_text(f"<p>hi</p>{SCRIPT}")
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "draft.md").write_text(
        "---\ntitle: Secret merger\nauthor: j-williams\ndate: 2025-01-01\n---\nSecret.\n"
    )
    (folder / ".hidden.png").write_bytes(PNG)
    (folder / "_private").mkdir()
    (folder / "_private" / "x.png").write_bytes(PNG)
    (folder / "tool.exe").write_bytes(b"MZ")
    (folder / "noext").write_bytes(PNG)
    os.mkfifo(folder / "pipe.png")
    return folder


MEDIA = [
    # (path, status, content type)
    ("/media/harbor.png", 200, "image/png"),
    ("/media/same.png", 200, "image/png"),  # a symlink inside the folder
    ("/media/Photo.JPG", 200, "image/jpeg"),
    ("/media/data.csv", 200, "text/csv; charset=utf-8"),
    ("/media/sub/chart.svg", 200, "image/svg+xml; charset=utf-8"),
    ("/media/page.html", 200, "text/html; charset=utf-8"),
    ("/media/out.png", 404, None),  # a symlink to a file outside
    ("/media/passwd.png", 404, None),
    ("/media/etc/passwd", 404, None),
    ("/media/etc/hostname", 404, None),
    ("/media/private/x.png", 404, None),  # through a symlinked folder outside
    ("/media/loop.png", 404, None),
    ("/media/site.png", 404, None),  # a symlink to a file of another type
    ("/media/notes.png", 404, None),
    ("/media/draft.md", 404, None),
    ("/media/.hidden.png", 404, None),
    ("/media/_private/x.png", 404, None),
    ("/media/tool.exe", 404, None),
    ("/media/noext", 404, None),
    ("/media/pipe.png", 404, None),  # a FIFO: never opened for reading
    ("/media/sub", 404, None),
    ("/media/sub/", 404, None),
    ("/media/../site.yaml", 404, None),
    ("/media/sub/../harbor.png", 404, None),
    ("/media/%2e%2e/site.yaml", 404, None),
    ("/media/harbor.png%00.png", 404, None),
    ("/media/" + "a" * 5000 + ".png", 404, None),
    ("/media/missing.png", 404, None),
]


@pytest.mark.parametrize(("path", "status", "content_type"), MEDIA)
def test_media_serves_regular_files_of_listed_types_inside_the_folder(
    media: Path, client: FlaskClient, path: str, status: int, content_type: str | None
) -> None:
    """Only regular files inside media/, of a listed type, are served, with the table's type
    (before: a symlink served /etc/passwd, a draft was served raw, a FIFO hung)."""
    code, headers = get_bounded(client, path)
    assert code == status
    if content_type:
        assert headers["Content-Type"] == content_type
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "disposition"),
    [("/media/sub/chart.svg", "inline"), ("/media/page.html", "attachment")],
)
def test_active_media_is_sandboxed(
    media: Path, client: FlaskClient, path: str, disposition: str
) -> None:
    """SVG and HTML, which can run script, come in a CSP sandbox (a unique origin, no
    script); HTML as a download too. An SVG still shows inline, as an image."""
    response = client.get(path)
    policy = [x.strip() for x in response.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert response.headers["Content-Disposition"].startswith(disposition)


def test_media_answers_ranges_and_conditional_requests(media: Path, client: FlaskClient) -> None:
    """Video and audio players ask for ranges; caches revalidate with the ETag."""
    response = client.get("/media/harbor.png", headers={"Range": "bytes=0-3"})
    assert (response.status_code, response.data) == (206, PNG[:4])
    assert response.headers["Content-Range"] == f"bytes 0-3/{len(PNG)}"
    full = client.get("/media/harbor.png")
    assert (full.data, full.headers["Content-Length"]) == (PNG, str(len(PNG)))
    again = client.get("/media/harbor.png", headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    assert (
        make_app(media.parent).test_client().get("/media/harbor.png").headers["ETag"]
        == (full.headers["ETag"])
    )


def test_a_markdown_file_in_media_is_not_an_article(media: Path, content: Path) -> None:
    """media/draft.md is neither published nor served: media/ holds files, not articles."""
    client = make_app(content).test_client()
    assert client.get("/articles/draft/").status_code == 404
    for path in ("/rss.xml", "/atom.xml", "/"):
        assert b"Secret merger" not in client.get(path).data
    assert client.get("/media/draft.md").status_code == 404


SECURED = [
    "/",
    "/authors/j-williams/",
    "/articles/community-garden-harvest/",
    "/articles/nope/",
    "/articles/new-rail-timetable/",  # an alias: 301
    "/articles/anything",  # a slash redirect
    "/healthz",
    "/media/harbor.png",
    "/authors/nobody/rss.xml",
]


@pytest.mark.parametrize("path", SECURED)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    """A CSP allowing only the site's own scripts and no framing, nosniff, a Referrer-Policy,
    on pages, errors, redirects, /healthz and media alike."""
    response = client.get(path)
    policy = [x.strip() for x in response.headers["Content-Security-Policy"].split(";")]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "path", ["/", "/authors/j-williams/", "/articles/community-garden-harvest/", "/articles/nope/"]
)
def test_pages_have_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    """`script-src 'self'` and `style-src 'self'` leave the pages whole: they have no inline
    script, event handler, javascript: link or inline style."""
    tree = html.fromstring(client.get(path).data)
    assert not tree.xpath("//script[not(@src)]")
    assert not tree.xpath("//style | //*[@style]")
    for node in tree.iter():
        assert not [name for name in node.attrib if name.startswith("on")], node.tag
        assert not str(node.get("href", "")).startswith("javascript:")


def test_feed_headers_say_nosniff_and_run_nothing() -> None:
    """The headers for feeds (wired into prepared feeds): nosniff, and a policy under which
    a feed opened in a browser runs and loads nothing."""
    headers = dict(FEED_HEADERS)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/articles/anything", f"{SITE}articles/anything/"),
        ("/authors/j-williams", f"{SITE}authors/j-williams/"),
        ("/articles/x?a=1&b=2", f"{SITE}articles/x/?a=1&b=2"),
        ("/articles//x/", f"{SITE}articles/x/"),
    ],
)
@pytest.mark.parametrize("host", ["evil.example", "news.example.org", "[::1]:8000"])
def test_slash_redirects_use_the_site_url(
    client: FlaskClient, path: str, location: str, host: str
) -> None:
    """Werkzeug's slash redirects go to the site's configured URL, whatever the Host
    (before: `Location: http://evil.example/articles/anything/`)."""
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 308
    assert response.headers["Location"] == location


def test_redirects_keep_the_sites_sub_path(content: Path) -> None:
    """Under `https://example.com/news/`, a slash redirect keeps `/news/`."""
    client = make_app(content, base_url="https://example.com/news/").test_client()
    response = client.get("/articles/anything", headers={"Host": "evil.example"})
    assert response.headers["Location"] == "https://example.com/news/articles/anything/"


@pytest.mark.parametrize(
    ("environ", "path", "status", "location"),
    [
        # gunicorn cuts a SCRIPT_NAME header off the path: the request was for /x/rss.xml
        ({"SCRIPT_NAME": "/x"}, "/rss.xml", 404, None),
        ({"SCRIPT_NAME": "/x"}, "/", 404, None),
        ({"SCRIPT_NAME": "/rss.xml"}, "", 200, None),
        ({"SCRIPT_NAME": "/articles"}, "/anything", 308, f"{SITE}articles/anything/"),
        (
            {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PREFIX": "/evil"},
            "/",
            200,
            None,
        ),
        (
            {"HTTP_X_FORWARDED_PROTO": "http", "HTTP_X_FORWARDED_PORT": "81"},
            "/articles/x",
            308,
            f"{SITE}articles/x/",
        ),
        (
            {"HTTP_FORWARDED": "host=evil.example"},
            "/articles/anything",
            308,
            f"{SITE}articles/anything/",
        ),
    ],
)
def test_script_name_and_forwarded_headers_are_ignored(
    client: FlaskClient, environ: dict[str, str], path: str, status: int, location: str | None
) -> None:
    """A SCRIPT_NAME or X-Forwarded-* in the environ, as gunicorn passes them from a client,
    changes no link and no redirect: the path is the one requested, below the site's url."""
    response = client.get(path, environ_overrides=environ)
    assert response.status_code == status
    assert response.headers.get("Location") == location
    text = response.get_data(as_text=True)
    assert "evil" not in text and f"{SITE}x/" not in text and f"{SITE}articles/articles" not in text


@pytest.mark.parametrize(("value", "seconds"), [(None, 10), ("1", 1), (" 30 ", 30), ("3600", 3600)])
def test_header_timeout_setting(value: str | None, seconds: int) -> None:
    """FEEDSVC_HEADER_TIMEOUT takes whole seconds; 10 without it."""
    env = {"FEEDSVC_HEADER_TIMEOUT": value} if value else {}
    assert Settings.from_env(env).header_timeout == seconds


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "soon", "nan", "3601", "\uff11"])
def test_header_timeout_setting_errors(value: str) -> None:
    """A header timeout that is not a positive number of seconds stops the start, naming
    the variable."""
    with pytest.raises(SettingsError, match="FEEDSVC_HEADER_TIMEOUT"):
        Settings.from_env({"FEEDSVC_HEADER_TIMEOUT": value})
