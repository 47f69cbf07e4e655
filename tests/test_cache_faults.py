"""A cache that is damaged, unreadable, unwritable or misplaced is logged and rebuilt, or the
service runs without it: startup works, every feed and page answers 200, `/healthz` says so,
and once the fault is gone the cache works again. Its files are private: they hold drafts."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from conftest import make_app
from feedsvc.feeds import every_feed
from feedsvc.live import Library
from server import FEEDSVC, free_port

BOLTON = "2025/john-bolton-indicted.md"
BOLTON_PAGE = "/articles/john-bolton-indicted/"
BODY_TEXT = "grand jury"  # in the sample's Bolton article


def library_of(app: Flask) -> Library:
    """The app's live content."""
    found: Library = app.extensions["feedsvc"]
    return found


def every_path(app: Flask) -> list[str]:
    """Every feed and page the app serves, and `/healthz`."""
    catalog = library_of(app).catalog()
    return [
        "/",
        "/healthz",
        *(key.path() for key in every_feed(catalog)),
        *(f"/authors/{slug}/" for slug in catalog.authors),
        *(f"/articles/{article.slug}/" for article in catalog.articles),
    ]


def serve_everything(app: Flask) -> dict[str, object]:
    """Ask for every path (one of them from another thread: a new SQLite connection, as a
    gunicorn thread opens); assert each answers 200 and bodies are there; `/healthz`'s JSON."""
    client = app.test_client()
    for path in every_path(app):
        assert client.get(path).status_code == 200, path
    other: list[int] = []
    thread = threading.Thread(target=lambda: other.append(client.get(BOLTON_PAGE).status_code))
    thread.start()
    thread.join(timeout=60)
    assert other == [200]
    assert BODY_TEXT in client.get(BOLTON_PAGE).get_data(as_text=True)
    health: dict[str, object] = client.get("/healthz").get_json()
    return health


def edit_live(app: Flask, content: Path, title: str) -> None:
    """Edit an article and refresh, as the watcher would: the page shows the edit, body and
    all (the refresh stores the new body and shares the version through the store)."""
    path = content / BOLTON
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub("^title: .*$", f"title: {title}", text, count=1, flags=re.M))
    assert library_of(app).refresh({BOLTON})
    page = app.test_client().get(BOLTON_PAGE).get_data(as_text=True)
    assert title in page and BODY_TEXT in page


def stored_bodies(cache: Path) -> int:
    """How many bodies the cache folder's SQLite file holds (it is a database with them)."""
    with closing(sqlite3.connect(cache / "bodies.sqlite")) as db:
        count: int = db.execute("SELECT count(*) FROM bodies").fetchone()[0]
        return count


def warm_cache(content: Path, cache: Path) -> None:
    """A first run that leaves a full cache: the pickle written, every body in the SQLite
    file itself (checkpointed out of the write-ahead log, where damage can reach it)."""
    app = make_app(content, cache=cache)
    assert serve_everything(app)["cache"] == "ok"
    written = library_of(app).cache
    assert written is not None
    written.flush()
    with closing(sqlite3.connect(cache / "bodies.sqlite")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert stored_bodies(cache) > 0


def overwrite(path: Path, start: int, end: int | None = None) -> None:
    """Garbage over bytes `start`..`end` of a file (to its end by default)."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(start)
        file.write(b"\xa5" * ((end or size) - start))


def damage_header(cache: Path) -> Path:
    """The SQLite header (the first 100 bytes) overwritten."""
    overwrite(cache / "bodies.sqlite", 0, 100)
    return cache


def damage_pages(cache: Path) -> Path:
    """Every page after the first (the schema) overwritten: opening works, queries fail
    with "database disk image is malformed"."""
    with closing(sqlite3.connect(cache / "bodies.sqlite")) as db:
        page_size: int = db.execute("PRAGMA page_size").fetchone()[0]
    overwrite(cache / "bodies.sqlite", page_size)
    return cache


def damage_pickle(cache: Path) -> Path:
    """The content cache's pickle overwritten in the middle."""
    path = cache / "content.pickle"
    overwrite(path, path.stat().st_size // 3, 2 * path.stat().st_size // 3)
    return cache


def sqlite_is_a_folder(cache: Path) -> Path:
    """The SQLite file replaced by a folder (with something in it)."""
    for name in ("bodies.sqlite", "bodies.sqlite-wal", "bodies.sqlite-shm"):
        (cache / name).unlink(missing_ok=True)
    (cache / "bodies.sqlite").mkdir()
    (cache / "bodies.sqlite" / "x").write_text("x")
    return cache


def cache_is_a_file(cache: Path) -> Path:
    """The cache path names a regular file."""
    shutil.rmtree(cache)
    cache.write_text("not a folder")
    return cache


def cache_under_a_file(cache: Path) -> Path:
    """The cache path goes through a regular file."""
    shutil.rmtree(cache)
    cache.write_text("not a folder")
    return cache / "inner"


def heal_sqlite_folder(cache: Path) -> None:
    """The folder in the SQLite file's place removed."""
    shutil.rmtree(cache / "bodies.sqlite")


def heal_file(cache: Path) -> None:
    """The file in the folder's way removed."""
    cache.unlink()


@dataclass(frozen=True)
class Fault:
    """One way a cache goes wrong before a start, what `/healthz` then says about the
    cache, what the log says, and how the fault is taken away (None: nothing to take away,
    the start rebuilt what was wrong)."""

    name: str
    make: Callable[[Path], Path]  # the warm cache folder → the cache setting to start with
    health: str
    logged: str
    heal: Callable[[Path], None] | None = None


FAULTS = [
    Fault("damaged sqlite header", damage_header, "ok", "it is damaged: rebuilding it"),
    Fault("damaged sqlite pages", damage_pages, "ok", "it is damaged: rebuilding it"),
    Fault("damaged pickle", damage_pickle, "ok", "is unreadable; rebuilding it"),
    Fault(
        "sqlite file is a folder",
        sqlite_is_a_folder,
        "failed",
        "cannot be used",
        heal_sqlite_folder,
    ),
    Fault("cache is a file", cache_is_a_file, "failed", "cannot be made", heal_file),
    Fault("cache under a file", cache_under_a_file, "failed", "cannot be made", heal_file),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_a_cache_fault_is_logged_and_served_through(
    content: Path, tmp_path: Path, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    """With the fault, the service starts, serves every feed and page in full (live edits
    too), and `/healthz` answers 200 with what became of the cache; once the fault is gone
    (or rebuilt), a restart uses the cache again: bodies are stored in SQLite."""
    cache = tmp_path / "cache"
    warm_cache(content, cache)
    setting = fault.make(cache)
    with caplog.at_level(logging.WARNING):
        app = make_app(content, cache=setting)
        health = serve_everything(app)
        edit_live(app, content, "Ex-National")
    assert health["cache"] == fault.health
    assert health["status"] == "ok"  # a cache fault is no reason to restart the service
    assert fault.logged in caplog.text and str(cache) in caplog.text
    if fault.heal:
        fault.heal(cache)
    again = make_app(content, cache=setting)
    assert serve_everything(again)["cache"] == "ok"
    edit_live(again, content, "Former-National")
    assert stored_bodies(setting) > 0


def test_a_cache_folder_deleted_while_running_is_made_again(content: Path, tmp_path: Path) -> None:
    """The folder removed under a running service: every feed and page still answers, in full,
    live edits too; the next cache write makes the folder again, private, and a restart uses it."""
    cache = tmp_path / "cache"
    warm_cache(content, cache)
    app = make_app(content, cache=cache)
    shutil.rmtree(cache)
    assert serve_everything(app)["cache"] == "ok"
    edit_live(app, content, "Ex-National")
    written = library_of(app).cache
    assert written is not None
    written.flush()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert (cache / "content.pickle").is_file()
    again = make_app(content, cache=cache)
    assert serve_everything(again)["cache"] == "ok"
    assert stored_bodies(cache) > 0


def test_a_cache_inside_the_content_folder_is_refused_not_fatal(
    content: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The service never writes into the content folder: a cache set there is refused with
    a message naming the fix, and the service runs without it; nothing is written there."""
    before = sorted(p.relative_to(content) for p in content.rglob("*"))
    with caplog.at_level(logging.WARNING):
        app = make_app(content, cache=content / ".cache")
        assert serve_everything(app)["cache"] == "failed"
        edit_live(app, content, "Ex-National")
    assert "inside the content folder" in caplog.text and "FEEDSVC_CACHE" in caplog.text
    assert sorted(p.relative_to(content) for p in content.rglob("*")) == before


def test_healthz_says_when_the_cache_is_off(content: Path) -> None:
    """Without a cache folder (`FEEDSVC_CACHE=off`), `/healthz` says so."""
    assert serve_everything(make_app(content, cache=None))["cache"] == "off"


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run with a process umask, restored after."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def modes(cache: Path) -> dict[str, int]:
    """The permission bits of the cache folder and of every file in it."""
    found = {".": stat.S_IMODE(cache.stat().st_mode)}
    found.update({p.name: stat.S_IMODE(p.stat().st_mode) for p in cache.iterdir()})
    return found


PRIVATE = {
    ".": 0o700,
    "content.pickle": 0o600,
    "bodies.sqlite": 0o600,
    "bodies.sqlite-wal": 0o600,
    "bodies.sqlite-shm": 0o600,
}


def test_cache_files_are_private_whatever_the_umask(content: Path, tmp_path: Path) -> None:
    """The cache holds drafts: its folder is made 0700 and its files (the pickle, the SQLite
    file and its -wal and -shm) 0600, even under a umask that hides nothing."""
    cache = tmp_path / "cache"
    with umask(0):
        app = make_app(content, cache=cache)
        serve_everything(app)
        written = library_of(app).cache
        assert written is not None
        written.flush()
    assert modes(cache) == PRIVATE


def test_cache_files_made_open_before_are_made_private(content: Path, tmp_path: Path) -> None:
    """Files an older version left readable by all (0644) are private after the next start."""
    cache = tmp_path / "cache"
    warm_cache(content, cache)
    for path in cache.iterdir():
        path.chmod(0o644)
    make_app(content, cache=cache)
    assert {k: v for k, v in modes(cache).items() if k != "."} == {
        k: v for k, v in PRIVATE.items() if k != "." and (cache / k).exists()
    }


SERVE_ALL = """
import json, sys
from pathlib import Path
from feedsvc import create_app
from feedsvc.feeds import every_feed
from feedsvc.settings import Settings
app = create_app(Settings(content=Path(sys.argv[1]), cache=Path(sys.argv[2]), watch=False))
client, catalog = app.test_client(), app.extensions["feedsvc"].catalog()
paths = ["/", *(k.path() for k in every_feed(catalog)), *(f"/articles/{a.slug}/" for a in catalog.articles)]
answers = {path: client.get(path).status_code for path in paths}
body = client.get("/articles/john-bolton-indicted/").get_data(as_text=True)
print(json.dumps({"answers": answers, "body": "grand jury" in body, "health": client.get("/healthz").get_json()}))
"""


# Permission bits do not stop root, unless it gives up the capabilities that override them.
AS_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
)


def serve_in_a_process(content: Path, cache: Path) -> tuple[dict[str, Any], str]:
    """Serve every feed and page in a process bound by permission bits, as the service's
    user is (as root: without the capabilities that override them); its findings, its log."""
    done = subprocess.run(
        [*AS_USER, sys.executable, "-c", SERVE_ALL, str(content), str(cache)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found, done.stderr


@pytest.mark.skipif(
    bool(AS_USER) and shutil.which("setpriv") is None,
    reason="as root, only a process without CAP_DAC_OVERRIDE (setpriv) obeys permission bits",
)
def test_a_read_only_cache_folder(content: Path, tmp_path: Path) -> None:
    """A cache folder the service may read but not write (read-only, or another user's) is
    logged and done without: every feed and page in full, `/healthz` says so; once it is
    writable again, the cache works again."""
    cache = tmp_path / "cache"
    warm_cache(content, cache)
    for path in [*cache.iterdir(), cache]:
        path.chmod(0o500 if path == cache else 0o400)
    found, log = serve_in_a_process(content, cache)
    assert found["answers"] and set(found["answers"].values()) == {200}, log
    assert found["body"] is True
    assert (found["health"]["status"], found["health"]["cache"]) == ("ok", "failed")
    assert str(cache) in log and "cannot be used" in log
    for path in [cache, *cache.iterdir()]:
        path.chmod(0o700 if path == cache else 0o600)
    found, log = serve_in_a_process(content, cache)
    assert found["health"]["cache"] == "ok", log


def test_feedsvc_serve_says_once_that_it_runs_without_its_cache(content: Path) -> None:
    """`feedsvc serve` with its cache inside the content folder starts, serves, and says so
    once (the master loads before forking its two workers), naming the fix."""
    port = free_port()
    env = {**os.environ, "FEEDSVC_CACHE": str(content / ".cache")}
    command = [str(FEEDSVC), "serve", "--content", str(content), "--port", str(port)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            health = wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        finally:
            process.terminate()
            _, log = process.communicate(timeout=60)
    assert health["cache"] == "failed"
    assert log.count("inside the content folder") == 1, log
    assert "FEEDSVC_CACHE" in log


def wait_for_health(url: str, process: subprocess.Popen[str]) -> dict[str, object]:
    """`/healthz`'s JSON once the server answers (generous timeout)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                found: dict[str, object] = json.load(answer)
                return found
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
