"""Hostile files: whatever lands in the content folder is a problem for its path, never a
hang, a crash, a flood of memory or a silent loss, at startup, live and in `check`."""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD_ARTICLE, SAMPLE, make_app
from feedsvc.cli import main
from feedsvc.feeds import every_feed
from feedsvc.http.serving import FeedResponses
from feedsvc.live import Library, state
from feedsvc.loading import documents, load
from feedsvc.loading.documents import read_article, read_author
from feedsvc.loading.rules import KEPT
from feedsvc.loading.schema import ARTICLE_FIELDS, AUTHOR_FIELDS
from feedsvc.loading.site import load_site
from feedsvc.model import Problem
from feedsvc.store.cache import ContentCache
from server import gunicorn
from test_http import Client, wait_for

T = TypeVar("T")

BOLTON = "2025/john-bolton-indicted.md"  # a published article, for live edits
BOLTON_TITLE = "Former National Security Adviser John Bolton Indicted Over Classified Documents"
NEWCOMER = "2025/zz-still-published.md"  # a good file saved beside the hostile one
STILL_PUBLISHED = GOOD_ARTICLE.replace("A Good Article", "Still Published")
SHORT = 300  # characters a message or a fix may have at most, whatever the value


def within(work: Callable[[], T], seconds: float = 60) -> T:
    """`work()`, failing (rather than hanging the suite) if it never returns: opening a
    FIFO for reading blocks until a writer comes."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as failed:  # handed to the test's thread
            errors.append(failed)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "it hangs"
    if errors:
        raise errors[0]
    return results[0]


def front(text: str, *lines: str) -> str:
    """The good article with `lines` added to its front matter (after `date`, line 5 on)."""
    return text.replace("tags: [city]\n", "".join(f"{line}\n" for line in lines) + "tags: [city]\n")


def with_date(value: str) -> str:
    """The good article with another `date` (line 4)."""
    return GOOD_ARTICLE.replace("2025-10-20 09:00", value)


def alias_bomb(levels: int = 9) -> str:
    """A `related` list of nested YAML aliases (the "billion laughs"): a few hundred bytes
    that stand for 9**9 values."""
    nested = ["&a0 [" + ", ".join(["lol"] * 9) + "]"]
    nested += [f"&a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return f"related: [{', '.join(nested)}]"


Maker = Callable[[Path, Path], None]  # (the content folder, the path to make) → the file


def text(body: str) -> Maker:
    """A file with this text."""

    def make(_: Path, path: Path) -> None:
        path.write_text(body, encoding="utf-8")

    return make


def fifo(_: Path, path: Path) -> None:
    """A named pipe: opening it for reading blocks until a writer comes."""
    os.mkfifo(path)


def link_to(target: Callable[[Path], Path]) -> Maker:
    """A symbolic link to `target(content)`."""

    def make(content: Path, path: Path) -> None:
        path.symlink_to(target(content))

    return make


def outside_file(content: Path) -> Path:
    """A good article outside the content folder."""
    elsewhere = content.parent / "elsewhere.md"
    elsewhere.write_text(GOOD_ARTICLE.replace("A Good Article", "Not Ours"), encoding="utf-8")
    return elsewhere


@dataclass(frozen=True)
class Hostile:
    """A file someone might save, and the error it must give (at its line)."""

    make: Maker
    line: int
    message: str


HOSTILE: dict[str, Hostile] = {
    "a FIFO named .md": Hostile(fifo, 1, "a named pipe (FIFO), not a regular file"),
    "a link to the zero device": Hostile(
        link_to(lambda _: Path("/dev/zero")), 1, "a symbolic link to something outside"
    ),
    "a link to a file outside the folder": Hostile(
        link_to(outside_file), 1, "a symbolic link to something outside"
    ),
    "a dangling link": Hostile(
        link_to(lambda content: content / "2025/nowhere.md"), 1, "to a file that does not exist"
    ),
    "a file over the size limit": Hostile(
        text(GOOD_ARTICLE + "x" * 1_048_576), 1, "over the limit of 1,048,576 bytes"
    ),
    "the year 9999": Hostile(text(with_date("9999-12-31 23:00")), 4, "the year 9999, outside"),
    "the year 1": Hostile(text(with_date("0001-01-01 00:00")), 4, "the year 1, outside"),
    "a 5,000-digit date": Hostile(text(with_date("7" * 5000)), 4, "5,000 characters long"),
    "an offset of over a day": Hostile(
        text(with_date("2025-10-20 09:00 +25:00")), 4, "more than a day"
    ),
    "a mapping for a title": Hostile(
        text(GOOD_ARTICLE.replace("A Good Article", "{a: {b: [c, d]}}")), 2, "must be text"
    ),
    "a list in a related list": Hostile(
        text(front(GOOD_ARTICLE, "related: [[a, b, c, d, e, f]]")),
        5,
        "must be a slug, a URL or a mapping, not ['a', 'b', 'c', 'd', ...]",
    ),
    "an alias bomb in related": Hostile(text(front(GOOD_ARTICLE, alias_bomb())), 5, "YAML alias"),
    "lists nested 100,000 deep": Hostile(
        text(front(GOOD_ARTICLE, "related: " + "[" * 100_000 + "]" * 100_000)), 5, "nesting depth"
    ),
    "a 5,000-character slug": Hostile(
        text(front(GOOD_ARTICLE, "slug: " + "a" * 5000)), 5, "5,000 characters long"
    ),
}


def problems_at(problems: tuple[Problem, ...], path: str) -> list[str]:
    """The errors at `path`, as `line: message`; every message and fix short."""
    for problem in problems:
        assert len(problem.message) <= SHORT and len(problem.hint) <= SHORT, problem.format()
    return [f"{p.line}: {p.message}" for p in problems if p.path == path and p.severity == "error"]


def expect(found: list[str], hostile: Hostile) -> None:
    """The expected error is among `found`, at its line."""
    wanted = f"{hostile.line}: "
    assert any(f.startswith(wanted) and hostile.message in f for f in found), found


@pytest.mark.parametrize("case", HOSTILE)
def test_at_startup(content: Path, case: str) -> None:
    """A hostile file in the folder when the service starts: an error for it, and every
    other file (a new one too) published."""
    hostile = HOSTILE[case]
    hostile.make(content, content / "2025/zz-hostile.md")
    (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
    lib = within(lambda: Library(content))
    expect(problems_at(lib.problems, "2025/zz-hostile.md"), hostile)
    titles = {a.title for a in lib.catalog().articles}
    assert {"Still Published", BOLTON_TITLE} <= titles and "Not Ours" not in titles
    assert len(titles) == 9


@pytest.mark.parametrize("case", HOSTILE)
def test_live(content: Path, case: str) -> None:
    """A published article replaced by a hostile file while the service runs: an error
    for it, its last good version kept, and a good file saved in the same moment
    published, whether the watcher names both or a scan finds them."""
    hostile = HOSTILE[case]
    lib = Library(content)
    (content / BOLTON).unlink()
    hostile.make(content, content / BOLTON)
    (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
    for paths in ({BOLTON, NEWCOMER}, None):
        within(functools.partial(lib.refresh, paths))
        assert not lib.failing
        expect(problems_at(lib.problems, BOLTON), hostile)
        assert KEPT in [p.message for p in lib.problems if p.path == BOLTON]
        titles = {a.title for a in lib.catalog().articles}
        assert {"Still Published", BOLTON_TITLE} <= titles and "Not Ours" not in titles


@pytest.mark.parametrize("case", HOSTILE)
def test_check(content: Path, case: str) -> None:
    """`feedsvc check` reports the hostile file as file:line: error, exits 1, and counts
    every other article published."""
    hostile = HOSTILE[case]
    hostile.make(content, content / "2025/zz-hostile.md")
    (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
    result = within(lambda: CliRunner().invoke(main, ["check", "--content", str(content)]))
    assert result.exit_code == 1, result.output
    where = f"2025/zz-hostile.md:{hostile.line}: error: "
    assert any(x.startswith(where) and hostile.message in x for x in result.output.splitlines())
    assert result.output.splitlines()[-1].startswith("9 published")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "number",
    [
        "7" * 5000,  # Python refuses int() of over 4,300 digits
        ".nan",
        "-.inf",
        "3.10",  # as written, not 3.1
        "0x1F",
        "1_000",
    ],
)
def test_numbers_are_taken_as_written(content: Path, number: str) -> None:
    """A value YAML reads as a number is the text it was written as: a title, a tag."""
    (content / NEWCOMER).write_text(
        GOOD_ARTICLE.replace("A Good Article", number).replace("[city]", f"[{number}]"),
        encoding="utf-8",
    )
    loaded = load(content)
    assert loaded.problems == ()
    article = next(a for a in loaded.articles if a.source == NEWCOMER)
    assert (article.title, article.tags) == (number, (number,))


def test_a_link_inside_the_folder_is_followed(content: Path) -> None:
    """A symbolic link to a file inside the content folder (even a hidden one) is read."""
    (content / "_shared").mkdir()
    (content / "_shared/story.md").write_text(STILL_PUBLISHED, encoding="utf-8")
    (content / NEWCOMER).symlink_to(content / "_shared/story.md")
    loaded = load(content)
    assert loaded.problems == ()
    assert "Still Published" in {a.title for a in loaded.articles}


def test_max_file_size_is_a_site_setting(content: Path) -> None:
    """`max_file_size` in site.yaml sets the limit; a file at the limit is read, one byte
    more is an error, and an unusable value is an error that keeps the default."""
    body = STILL_PUBLISHED + "x" * (4096 - len(STILL_PUBLISHED))
    (content / NEWCOMER).write_text(body, encoding="utf-8")
    site = content / "site.yaml"
    original = site.read_text(encoding="utf-8")
    site.write_text(original + "max_file_size: 4096\n", encoding="utf-8")
    assert load(content).problems == ()
    (content / NEWCOMER).write_text(body + "x", encoding="utf-8")
    [problem] = load(content).problems
    assert (problem.path, problem.message) == (
        NEWCOMER,
        "the file is 4,097 bytes, over the limit of 4,096 bytes per file",
    )
    site.write_text(original + "max_file_size: 10\n", encoding="utf-8")
    loaded = load(content)
    assert [p.field for p in loaded.problems] == ["max_file_size"]
    assert loaded.site.max_file_size == 1_048_576


def test_a_file_that_vanishes_while_it_is_read_is_a_problem(content: Path) -> None:
    """A file listed, then gone before it is read (deleted mid-read), is an error for it
    rather than an exception; live, its last good version stands until the deletion is
    seen."""
    read = documents.read_file(content, "2025/zz-gone.md", (1, 10), load_site(content))
    [problem] = read.problems
    assert (problem.line, problem.severity) == (1, "error")
    assert problem.message.startswith("the file is gone")


def test_one_file_that_fails_to_read_fails_alone(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong in reading one file (here a fault injected into the reading of
    one article) is an error for that file only: the refresh succeeds, the file keeps
    its last good version, every other change goes out."""
    lib = Library(content)
    read_article = documents.read_article

    def faulty(rel: str, *args: object, **kwargs: object) -> documents.FileRead:
        if rel == BOLTON:
            raise MemoryError("injected")
        return read_article(rel, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(documents, "read_article", faulty)
    (content / BOLTON).write_text(GOOD_ARTICLE, encoding="utf-8")
    (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
    assert lib.refresh({BOLTON, NEWCOMER}) and not lib.failing
    assert problems_at(lib.problems, BOLTON) == [f"1: {documents.FAILED}"]
    titles = {a.title for a in lib.catalog().articles}
    assert {"Still Published", BOLTON_TITLE} <= titles


@contextmanager
def as_an_ordinary_user() -> Iterator[None]:
    """Act as an unprivileged user inside the block. Root reads any folder whatever its
    mode (CAP_DAC_OVERRIDE), so as root the effective user becomes `nobody`; the folder
    under test must be readable by everyone (see `readable_copy`)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(pwd.getpwnam("nobody").pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def readable_copy() -> Iterator[Path]:
    """A copy of the sample that any user may read (pytest's folders are root's alone)."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)  # noqa: PTH101 - a str from tempfile
        content = Path(folder) / "articles"
        shutil.copytree(SAMPLE, content)
        yield content
        for path in [content, *content.rglob("*")]:  # give the cleanup its way in
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


UNLISTABLE = "2025/:1: error: cannot list this folder (Permission denied)"


def first_lines(problems: tuple[Problem, ...]) -> list[str]:
    """Each problem's first line, cut to the length of `UNLISTABLE`."""
    return [p.format()[: len(UNLISTABLE)] for p in problems]


def test_an_unreadable_folder_at_startup_and_in_check(readable_copy: Path) -> None:
    """A folder nobody may list is an error for the folder (its files are not read) in
    `check`, at startup and in /healthz's counts, which stay 200."""
    (readable_copy / "2025").chmod(0)
    with as_an_ordinary_user():
        result = CliRunner().invoke(main, ["check", "--content", str(readable_copy)])
        lib = Library(readable_copy)
        response = make_app(readable_copy, cache=None).test_client().get("/healthz")
    assert result.exit_code == 1 and UNLISTABLE in result.output
    assert UNLISTABLE in first_lines(lib.problems)
    assert (response.status_code, response.json and response.json["problems"]["errors"]) == (
        200,
        1,
    )


def test_an_unreadable_folder_live_keeps_its_files(readable_copy: Path) -> None:
    """A folder that can no longer be listed keeps every article it held (they are not
    gone, only unseen), with an error for the folder; listed again, all is as before."""
    with as_an_ordinary_user():
        lib = Library(readable_copy)
    before = {a.slug for a in lib.catalog().articles}
    (readable_copy / "2025").chmod(0)
    with as_an_ordinary_user():
        lib.refresh()
    assert {a.slug for a in lib.catalog().articles} == before
    assert first_lines(lib.problems) == [UNLISTABLE]
    (readable_copy / "2025").chmod(0o755)
    with as_an_ordinary_user():
        lib.refresh()
    assert lib.problems == () and {a.slug for a in lib.catalog().articles} == before


def test_a_failing_refresh_shows_in_healthz(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh that fails (here a fault injected where catalogs are built: memory
    running out, say) makes /healthz `degraded` with a 503 and still no file names; the
    next refresh that works makes it `ok` again. Content problems alone never do."""
    app = make_app(content)
    client = app.test_client()
    (content / "2025/zz-secret-merger.md").write_text("---\ntitle: [half", encoding="utf-8")
    lib = app.extensions["feedsvc"]
    lib.refresh()
    assert (client.get("/healthz").status_code, lib.problems != ()) == (200, True)

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError("injected")

    with monkeypatch.context() as patch:
        patch.setattr(state, "build_catalog", out_of_memory)
        (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
        with pytest.raises(MemoryError):
            lib.refresh()
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json is not None
    assert (response.json["status"], response.json["checks"]) == (
        "degraded",
        {"refresh": "failing", "watcher": "ok"},
    )
    assert ".md" not in response.get_data(as_text=True)
    assert "secret" not in response.get_data(as_text=True)
    lib.refresh()  # the next refresh decides everything again, and works
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json is not None
    assert response.json["status"] == "ok"
    assert "Still Published" in {a.title for a in lib.catalog().articles}


@pytest.mark.parametrize("mode", ["startup", "check"])
def test_a_newcomer_with_a_published_slug_gets_the_error(content: Path, mode: str) -> None:
    """A new file claiming the slug of a published article (dated later, as a newcomer
    is) gets the error; the article keeps its URL. (Live, even an earlier date loses:
    `test_live.test_a_newcomer_never_takes_a_published_slug`.)"""
    (content / "2025/aa-newcomer.md").write_text(
        front(STILL_PUBLISHED, "slug: john-bolton-indicted"), encoding="utf-8"
    )
    message = "slug 'john-bolton-indicted' is already used by " + BOLTON
    if mode == "check":
        output = CliRunner().invoke(main, ["check", "--content", str(content)]).output
        assert f"2025/aa-newcomer.md:5: error: {message}\n" in output
        return
    lib = Library(content)
    assert problems_at(lib.problems, "2025/aa-newcomer.md") == [f"5: {message}"]
    assert lib.catalog().by_slug["john-bolton-indicted"].source == BOLTON


def test_a_restart_keeps_the_published_slug_with_its_article(content: Path) -> None:
    """After a restart with the cache, the article published before keeps its slug even
    against a newcomer with an earlier date; a fresh start with no state goes by date."""
    cache = ContentCache(content.parent / "cache", content)
    Library(content, cache=cache)
    cache.flush()
    early = front(STILL_PUBLISHED, "slug: john-bolton-indicted").replace("2025-10-20", "2020-01-01")
    (content / "2025/aa-newcomer.md").write_text(early, encoding="utf-8")
    cached = Library(content, cache=ContentCache(content.parent / "cache", content))
    assert cached.catalog().by_slug["john-bolton-indicted"].source == BOLTON
    assert problems_at(cached.problems, "2025/aa-newcomer.md")
    fresh = Library(content)
    assert fresh.catalog().by_slug["john-bolton-indicted"].source == "2025/aa-newcomer.md"


# --- property: no value raises --------------------------------------------------------------

# Plain scalars as an author may write them, YAML's odd ones and some meant to hurt.
PLAIN = st.sampled_from(
    [
        "2025-10-16",
        "2025-10-16 09:00 -04:00",
        "9999-12-31 23:00",
        "0001-01-01",
        "2025-13-45",
        "Oct 16, 2025 2:30 PM IST",
        "1" * 5000,
        "-" + "9" * 400,
        "1e999",
        ".nan",
        "-.inf",
        "0x1F",
        "0o17",
        "1:30:00",
        "~",
        "null",
        "yes",
        "no",
        "true",
        "j-williams",
        "https://example.org/x",
        "/media/x.png",
        "urn:uuid:1",
        "!!binary aGVsbG8=",
        "!!str 12",
        "!!int 12",
        "!!float .nan",
    ]
)
KEYS = sorted({*ARTICLE_FIELDS, *AUTHOR_FIELDS})


def quoted(value: str) -> str:
    """A string as a YAML double-quoted scalar."""
    return yaml.safe_dump(value, default_style='"', width=10**9).removesuffix("\n...\n").strip()


values = st.recursive(
    st.one_of(
        PLAIN,
        st.integers().map(str),
        st.floats().map(repr),
        st.text(max_size=30).map(quoted),
        st.datetimes().map(str),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=6).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from([*KEYS, "x", "1"]), inner, max_size=4).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs.items()) + "}"
        ),
    ),
    max_leaves=12,
)
front_matter = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text("abcxyz_-", min_size=1, max_size=8)),
    values,
    max_size=12,
).map(lambda fields: "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\nBody\n")
SITE = load_site(SAMPLE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=front_matter)
def test_no_front_matter_makes_reading_raise(document: str) -> None:
    """Any front matter (every known field and others, any YAML value) reads as an
    article or author, or as problems with short messages; reading never raises."""
    for read in (read_article("2025/x.md", document, SITE), read_author("authors/x.md", document)):
        assert read.version is not None or any(p.severity == "error" for p in read.problems)
        problems_at(read.problems, "")  # every message short
        assert documents.FAILED not in [p.message for p in read.problems]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=front_matter)
def test_no_front_matter_stops_startup_live_or_the_feeds(document: str) -> None:
    """A file with any front matter, in the folder at startup or saved live, leaves the
    service serving every feed."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "articles"
        shutil.copytree(SAMPLE, content)
        live = Library(content)
        (content / NEWCOMER).write_text(document, encoding="utf-8")
        live.refresh({NEWCOMER})
        for lib in (live, Library(content)):
            responses = FeedResponses(lib)
            assert all(responses.get(key.path()) for key in every_feed(lib.catalog()))
            assert documents.FAILED not in [p.message for p in lib.problems]


# --- a running server ----------------------------------------------------------------------


def test_poison_files_never_stop_a_running_site(content: Path) -> None:
    """Through gunicorn and its watcher: a FIFO, an alias bomb and a year 9999 saved into
    the folder are counted in /healthz (200, `ok`), and an article saved after them is
    served."""
    with gunicorn(content) as url:
        client = Client(url)
        os.mkfifo(content / "2025/zz-pipe.md")
        (content / "2025/zz-bomb.md").write_text(front(GOOD_ARTICLE, alias_bomb()))
        (content / "2025/zz-year.md").write_text(with_date("9999-12-31 23:00"))
        wait_for(lambda: b'"errors":3' in client.request("/healthz")[2])
        (content / NEWCOMER).write_text(STILL_PUBLISHED, encoding="utf-8")
        wait_for(lambda: b"Still Published" in client.request("/atom.xml")[2])
        status, _, body = client.request("/healthz")
        assert status == 200 and b'"status":"ok"' in body


def test_a_watcher_that_cannot_watch_shows_in_healthz(content: Path) -> None:
    """The content folder gone from under a running service (a volume unmounted, say):
    /healthz is `degraded` with a 503 while the watcher cannot watch, the feeds are
    still served, and all is `ok` again once the folder is back."""
    with gunicorn(content) as url:
        client = Client(url)
        moved = content.with_name("moved")
        content.rename(moved)
        wait_for(lambda: client.request("/healthz")[0] == 503)
        assert b'"watcher":"failing"' in client.request("/healthz")[2]
        assert client.request("/atom.xml")[0] == 200
        moved.rename(content)
        wait_for(lambda: client.request("/healthz")[0] == 200)


# --- control characters in addresses -------------------------------------------------------

CONTROL = "\\x0f"  # as YAML writes it in a double-quoted scalar: no address has one
ADDRESSES = [
    ("2025/zz-new.md", "id", f'id: "urn:x:{CONTROL}"'),
    ("2025/zz-new.md", "image", f'image: "/media/im{CONTROL}g.png"'),
    ("2025/zz-new.md", "related", f'related: ["https://example.org/a{CONTROL}"]'),
    ("2025/zz-new.md", "redirect_from", f'redirect_from: ["/old/pa{CONTROL}th/"]'),
    ("authors/j-williams.md", "url", f'url: "https://example.org/{CONTROL}"'),
    ("authors/j-williams.md", "email", f'email: "a{CONTROL}@example.org"'),
    ("authors/j-williams.md", "avatar", f'avatar: "/media/a{CONTROL}.png"'),
    ("site.yaml", "logo", f'logo: "/static/lo{CONTROL}go.png"'),
    ("site.yaml", "icon", f'icon: "/static/ic{CONTROL}on.png"'),
]


def write_field(content: Path, path: str, field: str, line: str) -> None:
    """`line` as the field `field` of `path`: a new article's (at line 5), or in place of
    the field in an author file or site.yaml (at line 2)."""
    target = content / path
    if path == "2025/zz-new.md":
        target.write_text(front(GOOD_ARTICLE, line))
    else:
        kept = [ln for ln in target.read_text().splitlines() if not ln.startswith(f"{field}:")]
        target.write_text("\n".join([kept[0], line, *kept[1:]]) + "\n")


@pytest.mark.parametrize(("path", "field", "line"), ADDRESSES, ids=[a[1] for a in ADDRESSES])
def test_a_control_character_in_an_address_is_an_error(
    content: Path, path: str, field: str, line: str
) -> None:
    """An id, link, image, e-mail address or old path with a control character (which XML
    cannot carry) is an error at its line, and every feed and page is served: the article
    is not published, an author keeps their last good version, the site its settings."""
    app = make_app(content)
    write_field(content, path, field, line)
    lib = app.extensions["feedsvc"]
    lib.refresh({path})
    at = 5 if path == "2025/zz-new.md" else 2
    message = f"'{field}' contains an invisible control character (U+000F)"
    assert problems_at(lib.problems, path) == [f"{at}: {message}"]
    client = app.test_client()
    for url in ["/", "/authors/j-williams/", *(key.path() for key in every_feed(lib.catalog()))]:
        assert client.get(url).status_code == 200, url
    site_feed = client.get("/atom.xml").data
    assert b"A Good Article" not in site_feed and b"J. Williams" in site_feed


# --- addresses whose host is not one (Python's URL parser raises on them) --------------

HOST = "no valid host"
ZONE = "unknown time zone"
NOT_XML = "a character no feed can carry"
MALFORMED = [
    ("2025/zz-new.md", "image", 'image: "https://[oops/a.png"', HOST),
    ("2025/zz-new.md", "related", 'related: ["https://exa]mple.org/"]', HOST),
    ("2025/zz-new.md", "redirect_from", 'redirect_from: ["//[oops/old/"]', HOST),
    ("2025/zz-new.md", "permalink", 'permalink: "https://[oops/2016/old.html"', HOST),
    ("2025/zz-new.md", "id", 'id: "tag:news.example.org,2025:\\uffff"', NOT_XML),
    ("authors/j-williams.md", "url", 'url: "https://example.org:99999/"', HOST),
    ("authors/j-williams.md", "avatar", 'avatar: "https://[oops/a.png"', HOST),
    ("authors/j-williams.md", "name", 'name: "\\ufffe"', "is empty"),  # once dropped
    ("site.yaml", "url", 'url: "https://[news.example.org/"', HOST),
    ("site.yaml", "url", 'url: "https://news..example.org/"', HOST),
    ("site.yaml", "logo", 'logo: "https://example.org:port/logo.png"', HOST),
    ("site.yaml", "title", 'title: "\\ufffe"', "is empty"),
    ("site.yaml", "timezone", "timezone: /etc/passwd", ZONE),
    ("site.yaml", "timezone", "timezone: " + "Europe/" * 2000, ZONE),
    ("site.yaml", "timezone", "timezone: ABC+30", ZONE),  # no offset a date can have
    ("site.yaml", "language", "language: 日本", "not a language tag"),
]


@pytest.mark.parametrize(
    ("path", "field", "line", "message"),
    MALFORMED,
    ids=[f"{a[1]}-{i}" for i, a in enumerate(MALFORMED)],
)
def test_a_value_no_feed_can_use_is_an_error_of_its_field(
    content: Path, path: str, field: str, line: str, message: str
) -> None:
    """A URL with a host that is not one (`[` outside an IPv6 address, a port that is no
    number, an empty label), text XML cannot carry, a time zone that is a file path or
    has no usable offset, a language tag in another script: an error of that field at
    its line in a running service, which keeps serving everything; in `check`; and at a
    restart, which serves with the last good settings or without the file."""
    app = make_app(content)
    write_field(content, path, field, line)
    lib = app.extensions["feedsvc"]
    lib.refresh({path})
    assert not lib.failing
    at = 5 if path == "2025/zz-new.md" else 2
    [problem] = problems_at(lib.problems, path)
    assert problem.startswith(f"{at}: ") and message in problem
    assert [p.field for p in lib.problems if p.path == path and p.severity == "error"] == [field]
    client = app.test_client()
    for url in ["/", "/authors/j-williams/", *(key.path() for key in every_feed(lib.catalog()))]:
        assert client.get(url).status_code == 200, url
    assert client.get("/healthz").status_code == 200
    checked = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert (checked.exit_code, type(checked.exception)) == (1, SystemExit)
    assert f"{path}:{at}: error:" in checked.output
    restarted = make_app(content).test_client()
    assert restarted.get("/atom.xml").status_code == 200
