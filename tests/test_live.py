"""Live content: the library re-reads what changes and never serves a half-built catalog."""

from __future__ import annotations

import copy
import gc
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from watchfiles import Change

from conftest import GOOD_ARTICLE, SAMPLE, WriteFile
from feedsvc.feeds import every_feed
from feedsvc.http.serving import FeedResponses
from feedsvc.live import Library, Watcher, reading, sitefile, state, watcher
from feedsvc.loading import documents
from feedsvc.loading.discover import folders
from feedsvc.loading.rules import KEPT
from feedsvc.loading.site import SiteError
from feedsvc.model import KeptSettings
from feedsvc.runtime import Child, paused_collector
from feedsvc.store.cache import ContentCache, Snapshot


def library(content: Path, cache: bool = True) -> Library:
    """A library over `content`, with a cache beside it."""
    return Library(
        content, cache=ContentCache(content.parent / "cache", content) if cache else None
    )


def slugs(lib: Library) -> list[str]:
    """The published slugs, newest first."""
    return [a.slug for a in lib.catalog().articles]


def test_add_edit_and_delete(write: WriteFile, content: Path) -> None:
    """Each change shows after a refresh of the changed path; the id never moves."""
    lib = library(content)
    write("2025/zz-new.md", GOOD_ARTICLE)
    assert lib.refresh({"2025/zz-new.md"})
    new = lib.catalog().by_slug["zz-new"]
    write("2025/zz-new.md", GOOD_ARTICLE.replace("A Good Article", "A Better Article"))
    assert lib.refresh({"2025/zz-new.md"})
    edited = lib.catalog().by_slug["zz-new"]
    assert (edited.title, edited.id) == ("A Better Article", new.id)
    (content / "2025/zz-new.md").unlink()
    assert lib.refresh({"2025/zz-new.md"})
    assert "zz-new" not in slugs(lib)


def test_rename_keeps_one_entry_with_the_same_id(content: Path) -> None:
    """Moving a file to another folder or name is a delete and an add: same article."""
    lib = library(content)
    before = lib.catalog().by_slug["john-bolton-indicted"]
    (content / "2026").mkdir()
    shutil.move(content / "2025/john-bolton-indicted.md", content / "2026/bolton.md")
    text = (content / "2026/bolton.md").read_text(encoding="utf-8")
    (content / "2026/bolton.md").write_text(
        text.replace("tags:", "slug: john-bolton-indicted\ntags:"), encoding="utf-8"
    )
    assert lib.refresh()  # a folder appeared: a full scan
    after = lib.catalog().by_slug["john-bolton-indicted"]
    assert (after.id, after.source) == (before.id, "2026/bolton.md")
    assert slugs(lib).count("john-bolton-indicted") == 1


def test_broken_edit_keeps_the_last_good_version(write: WriteFile, content: Path) -> None:
    """A half-saved or wrong edit leaves the previous version in the feeds, and says so."""
    lib = library(content)
    good = lib.catalog().by_slug["john-bolton-indicted"]
    write("2025/john-bolton-indicted.md", "---\ntitle: [half-saved\n")
    assert lib.refresh({"2025/john-bolton-indicted.md"})
    assert lib.catalog().by_slug["john-bolton-indicted"] is good
    messages = [p.message for p in lib.problems if p.path == "2025/john-bolton-indicted.md"]
    assert any("never closed" in m for m in messages)
    assert KEPT in messages


def test_deleting_a_linked_article_keeps_the_linking_one(content: Path) -> None:
    """An article whose related link now dangles stays up (its last good version)."""
    lib = library(content)
    (content / "2025/john-bolton-indicted.md").unlink()
    lib.refresh({"2025/john-bolton-indicted.md"})
    assert "trump-putin-budapest-summit" in slugs(lib)
    assert lib.catalog().related(lib.catalog().by_slug["trump-putin-budapest-summit"]) == ()


def test_broken_site_yaml_keeps_the_last_good_settings(content: Path) -> None:
    """A broken site.yaml is reported; the site keeps its settings and keeps serving."""
    lib = library(content)
    (content / "site.yaml").write_text("title: [oops\n", encoding="utf-8")
    lib.refresh({"site.yaml"})
    assert lib.catalog().site.title == "The Harbor Ledger"
    assert lib.problems[0].path == "site.yaml"


def test_changed_settings_reread_everything(content: Path) -> None:
    """A new time zone changes how zone-less dates read: every file is read again."""
    lib = library(content)
    site = (content / "site.yaml").read_text(encoding="utf-8")
    (content / "site.yaml").write_text(site.replace("America/New_York", "UTC"), encoding="utf-8")
    lib.refresh({"site.yaml"})
    library_article = lib.catalog().by_slug["riverside-library-extends-hours"]
    assert library_article.published.hour == 9  # 9:15 AM, now read as UTC


def test_a_new_catalog_leaves_the_young_generations(content: Path) -> None:
    """After a change, the new catalog's indexes are in the collector's oldest generation:
    the collections that requests trigger walk only the young ones."""
    lib = library(content)
    path = content / "2025/john-bolton-indicted.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: New "), "utf-8")
    assert lib.refresh({"2025/john-bolton-indicted.md"})
    catalog = lib.catalog()
    young = {id(obj) for generation in (0, 1) for obj in gc.get_objects(generation)}
    indexes = [catalog.articles, catalog.by_slug, *catalog.by_author.values()]
    assert all(gc.is_tracked(index) for index in indexes[:1])
    assert not any(id(index) in young for index in indexes)


def test_unchanged_content_costs_nothing(content: Path) -> None:
    """A refresh with nothing changed keeps the very same catalog."""
    lib = library(content)
    catalog = lib.catalog()
    assert not lib.refresh()
    assert not lib.refresh({"2025/john-bolton-indicted.md"})
    assert lib.catalog() is catalog


@pytest.mark.parametrize("listed_by", ["this process", "a child"])
def test_restart_reads_only_changed_files(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch, listed_by: str
) -> None:
    """With a cache, a restart re-reads only what changed since (a large cache is read
    while a child lists the folder); the cache is in its own folder."""
    first = library(content)
    assert first.cache is not None
    first.cache.flush()
    write("2025/zz-new.md", GOOD_ARTICLE)
    (content / "2025/john-bolton-indicted.md").unlink()
    read: list[str] = []
    real = documents.read_file
    monkeypatch.setattr(
        reading, "read_file", lambda root, rel, *a: read.append(rel) or real(root, rel, *a)
    )
    children: list[object] = []
    if listed_by == "a child":
        monkeypatch.setattr(state, "PARALLEL_SCAN_BYTES", 0)
        monkeypatch.setattr(state, "Child", lambda work: children.append(work) or Child(work))
    second = library(content)
    assert len(children) == (listed_by == "a child")
    assert read == ["2025/zz-new.md"]
    assert "zz-new" not in slugs(first)
    expected = {*slugs(first), "zz-new"} - {"john-bolton-indicted"}
    assert sorted(slugs(second)) == sorted(expected)
    assert not any(p.name.endswith(".pickle") for p in content.rglob("*"))


def test_corrupt_cache_is_rebuilt(content: Path) -> None:
    """A cache that cannot be read is ignored and rewritten, never trusted."""
    lib = library(content)
    assert lib.cache is not None
    lib.cache.flush()
    lib.cache.path.write_bytes(b"not a pickle")
    again = library(content)
    assert slugs(again) == slugs(lib)
    assert again.cache is not None
    again.cache.flush()
    assert again.cache.path.read_bytes() != b"not a pickle"


def test_cache_inside_the_content_folder_is_refused(content: Path) -> None:
    """The service never writes into the content folder: such a cache is refused (and the
    service runs without it; see test_cache_faults), and nothing is made there."""
    cache = ContentCache(content / ".cache", content)
    assert cache.status == "failed" and not cache.writable
    assert not (content / ".cache").exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Former National", "title: Edited Former National"),  # swapped in place
        ("date: 2025-10-16 16:05 -0400", "date: 2025-11-30 10:00 -0500"),  # moves: rebuilt
        ("tags: [politics, justice]", "tags: [justice, courts]"),  # re-indexed: rebuilt
    ],
)
def test_an_edit_gives_the_catalog_a_fresh_load_gives(content: Path, old: str, new: str) -> None:
    """Whichever way an edit is applied, the result equals loading the folder anew."""
    lib = library(content, cache=False)
    path = content / "2025/john-bolton-indicted.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert lib.refresh({"2025/john-bolton-indicted.md"})
    edited, fresh = lib.catalog(), library(content, cache=False).catalog()
    assert edited.articles == fresh.articles
    assert dict(edited.by_slug) == dict(fresh.by_slug)
    assert dict(edited.by_author) == dict(fresh.by_author)
    assert dict(edited.by_tag) == dict(fresh.by_tag)
    assert edited.version == fresh.version


def test_bodies_live_in_the_store_not_in_the_catalog(write: WriteFile, content: Path) -> None:
    """Reads keep no body once stored (the cached reads hold none); a broken edit still
    renders the last good body."""
    lib = library(content)
    assert lib.cache is not None
    lib.cache.flush()
    cached = lib.cache.load(lib.site).reads
    assert cached and all(read.body == "" for read in cached.values())
    good = lib.catalog().by_slug["john-bolton-indicted"]
    body = lib.catalog().body(good)
    assert "grand jury" in body
    write("2025/john-bolton-indicted.md", "---\ntitle: [half-saved\n")
    lib.refresh({"2025/john-bolton-indicted.md"})
    assert lib.catalog().body(lib.catalog().by_slug["john-bolton-indicted"]) == body


def test_without_a_cache_a_held_catalog_keeps_its_bodies(content: Path) -> None:
    """In memory, the bodies of a catalog that a request still holds stay, however many
    edits later (the file has another body by then); once it is let go, they go."""
    lib = library(content, cache=False)
    held = lib.catalog()
    path = content / BOLTON
    text = path.read_text(encoding="utf-8")
    for word in ("first", "second", "third"):
        path.write_text(text.replace("grand jury", f"{word} grand jury"), encoding="utf-8")
        assert lib.refresh({BOLTON})
    assert "grand jury" in held.body(held.by_slug["john-bolton-indicted"])
    digest = held.by_slug["john-bolton-indicted"].digest
    del held
    gc.collect()
    path.write_text(text.replace("grand jury", "fourth grand jury"), encoding="utf-8")
    assert lib.refresh({BOLTON})
    assert lib.bodies.get(digest) is None


def test_a_lost_body_store_falls_back_to_the_file(content: Path) -> None:
    """With the store gone, an unchanged file's body is read from the file again."""
    first = library(content)
    assert first.cache is not None
    first.cache.flush()
    first.cache.bodies.path.unlink()
    for suffix in ("-wal", "-shm"):
        first.cache.bodies.path.with_name(first.cache.bodies.path.name + suffix).unlink(
            missing_ok=True
        )
    again = library(content)
    article = again.catalog().by_slug["john-bolton-indicted"]
    assert "grand jury" in again.catalog().body(article)


def test_a_failed_cache_write_leaves_nothing_and_the_next_one_works(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails (disk full, say) leaves no partial file and stops nothing."""
    lib = library(content)
    assert lib.cache is not None
    lib.cache.flush()
    lib.cache.path.unlink()
    real_dump = pickle.dump
    monkeypatch.setattr(pickle, "dump", lambda *a, **k: (_ for _ in ()).throw(OSError("full")))
    lib.cache.save(lib.site, Snapshot({}, {}), soon=True)
    lib.cache.flush()
    folder = lib.cache.path.parent
    assert [p.name for p in folder.iterdir() if not p.name.startswith("bodies.sqlite")] == []
    monkeypatch.setattr(pickle, "dump", real_dump)
    lib.cache.save(lib.site, Snapshot({}, {}), soon=True)
    lib.cache.flush()
    assert lib.cache.path.exists()


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_pauses_the_collector_and_restores_it(
    content: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """The cyclic collector stays still while a refresh runs and is left as it was found."""
    seen: list[bool] = []
    lib = library(content)
    real = documents.read_file
    monkeypatch.setattr(
        reading, "read_file", lambda *args: seen.append(gc.isenabled()) or real(*args)
    )
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_collector():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        os.utime(content / "2025/john-bolton-indicted.md")
        lib.refresh()
        lib.refresh({"2025/john-bolton-indicted.md"})
        assert seen == [False, False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_write_waiting_for_quiet_is_made_at_exit(content: Path, tmp_path: Path) -> None:
    """Stopping the service does not lose an edit's cache write still waiting for quiet."""
    script = (
        "import sys; from pathlib import Path;"
        "from feedsvc.store.cache import ContentCache, Snapshot;"
        "from feedsvc.live import Library;"
        "lib = Library(Path(sys.argv[1]), cache=ContentCache(Path(sys.argv[2]), Path(sys.argv[1])));"
        "lib.cache.flush(); lib.cache.path.unlink();"
        "lib.cache.save(lib.site, Snapshot({}, {}), soon=False)"
    )
    cache = tmp_path / "exit-cache"
    subprocess.run([sys.executable, "-c", script, str(content), str(cache)], check=True, timeout=60)
    assert (cache / "content.pickle").exists()


@pytest.mark.parametrize(
    ("settle", "refreshes"),
    [
        (0, [None, {"2025/a.md"}, {"2025/b.md"}]),  # a serving process: each batch at once
        (2, [None, {"2025/a.md", "2025/b.md"}]),  # gunicorn's master: together, once quiet
    ],
)
def test_the_watcher_refreshes_once_changes_settle(
    content: Path, monkeypatch: pytest.MonkeyPatch, settle: float, refreshes: list[object]
) -> None:
    """The first refresh of a watch scans everything; then the paths of each batch of
    changes are re-read, at once or once no change came for `settle` seconds."""
    lib = library(content)
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(watcher, "time", SimpleNamespace(monotonic=lambda: clock.now))
    follower = Watcher(lib)
    follower.settle = settle
    seen: list[object] = []
    monkeypatch.setattr(lib, "refresh", lambda paths=None: seen.append(paths))
    timeline = [(2.0, []), (3.0, ["2025/a.md"]), (3.5, ["2025/b.md"]), (5.2, []), (5.6, [])]

    def batches() -> Iterator[set[tuple[Change, str]]]:
        for at, names in timeline:
            clock.now = at
            yield {(Change.modified, str(content / name)) for name in names}

    follower.follow(batches(), content, set(folders(content)))
    assert seen == refreshes


def test_a_worker_forked_while_changes_wait_catches_up_first(content: Path) -> None:
    """gunicorn's master waits for changes to settle; a worker it forks meanwhile (to
    replace one) reads them before it serves, not after its own watch starts."""
    lib = library(content)
    follower = Watcher(lib)
    follower.settle = 3600  # the master: still waiting
    path = content / BOLTON
    path.write_text(path.read_text(encoding="utf-8").replace("Former National", "Ex-National"))
    batch = {(Change.modified, str(path))}
    follower.follow(iter([set(), batch]), content, set(folders(content)))
    assert follower.behind and "Former" in lib.catalog().by_slug["john-bolton-indicted"].title
    follower.after_fork()  # what the forked worker runs
    assert not follower.behind
    assert "Ex-National" in lib.catalog().by_slug["john-bolton-indicted"].title


def test_the_watcher_starts_again_when_a_folder_appears(content: Path) -> None:
    """A new folder ends the current watch (the next one watches it too, and scans)."""
    lib = library(content)
    (content / "2026").mkdir()
    left: list[set[tuple[Change, str]]] = [set()]
    batches = iter([{(Change.added, str(content / "2026"))}, *left])
    Watcher(lib).follow(batches, content, set(folders(content)) - {"2026"})
    assert next(batches, None) == set()  # the batch after the folder was never taken


BOLTON = "2025/john-bolton-indicted.md"
WILLIAMS = "authors/j-williams.md"
NEW = GOOD_ARTICLE.replace("title: A Good Article", "title: A New Article")


def field(name: str, value: str, text: str = NEW) -> str:
    """`text` with one more front-matter field."""
    return text.replace("---\n", f"---\n{name}: {value}\n", 1)


# What an author may save, by mistake or not: each a path and its new text (None deletes).
EDITS: list[tuple[str, str | None]] = [
    *((f"2025/zz-{n}.md", NEW) for n in "ab"),
    ("2025/zz-a.md", field("slug", "john-bolton-indicted")),  # takes a published slug
    ("2025/zz-b.md", field("slug", "zz-a")),  # a slug another new file has
    ("2025/zz-a.md", field("aliases", "[new-rail-timetable]")),
    ("2025/zz-a.md", field("related", "[zz-b, no-such-story]")),
    ("2025/zz-b.md", NEW.replace("j-williams", "nobody")),
    ("2025/zz-b.md", "---\ntitle: [half-saved\n"),
    ("2025/zz-a.md", None),
    ("2025/zz-b.md", None),
    (BOLTON, "---\ntitle: [half-saved\n"),
    (BOLTON, None),
    (WILLIAMS, "---\nnme: J. Williams\n---\nBio.\n"),  # a typo in an author file
    (WILLIAMS, "---\nname: Jo Williams\n---\nA new bio.\n"),
    (WILLIAMS, None),
    ("authors/zz-new.md", "---\nname: New Writer\n---\n"),
    ("2025/zz-a.md", NEW.replace("j-williams", "zz-new")),
]


def feed_bytes(lib: Library) -> dict[str, tuple[bytes, str, str]]:
    """Every feed's bytes, ETag and Last-Modified, as the hot path serves them."""
    responses = FeedResponses(lib)
    served = {}
    for key in every_feed(lib.catalog()):
        prepared = responses.get(key.path())
        assert prepared is not None
        sent, body = responses.answer(prepared, gzipped=False)
        headers = dict(sent)
        served[key.path()] = (body, headers["ETag"], headers["Last-Modified"])
    return served


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.sampled_from(range(len(EDITS))), max_size=8))
def test_once_every_file_is_valid_a_running_service_serves_what_a_fresh_one_does(
    steps: list[int],
) -> None:
    """Whatever edits came before (broken files, stolen slugs, typos in author files,
    deletions), once every file is valid again the running library serves the very
    articles, problems, bytes and ETags that a fresh process serves."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "articles"
        shutil.copytree(SAMPLE, content)
        originals = {p: (content / p).read_text(encoding="utf-8") for p in (BOLTON, WILLIAMS)}
        lib = Library(content)
        for step in steps:
            path, text = EDITS[step]
            apply_edit(content, path, text)
            lib.refresh({path})
        touched = {EDITS[step][0] for step in steps}
        for path in touched:  # every file valid again: originals back, new files made good
            repaired = originals.get(path) or (None if path.startswith("authors/") else NEW)
            if path.startswith("2025/zz-"):
                repaired = field("slug", Path(path).stem)
            apply_edit(content, path, repaired)
            lib.refresh({path})
        fresh = Library(content)
        assert [p.format() for p in lib.problems] == [p.format() for p in fresh.problems] == []
        assert lib.articles == fresh.articles
        assert lib.catalog().version == fresh.catalog().version
        assert feed_bytes(lib) == feed_bytes(fresh)


def apply_edit(content: Path, path: str, text: str | None) -> None:
    """Write or delete one file."""
    target = content / path
    if text is None:
        target.unlink(missing_ok=True)
    else:
        target.write_text(text, encoding="utf-8")


def test_a_broken_author_file_keeps_its_last_good_version(content: Path) -> None:
    """A typo in an author file keeps the author (and every article, co-authored ones too)
    as they were, and says so; the fix goes out, and no article is left behind."""
    lib = library(content)
    before = slugs(lib)
    path = content / WILLIAMS
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("name:", "nme:"), encoding="utf-8")
    assert lib.refresh({WILLIAMS})
    assert slugs(lib) == before
    assert lib.catalog().authors["j-williams"].name == "J. Williams"
    messages = [p.message for p in lib.problems if p.path == WILLIAMS]
    assert "'name' is missing" in messages and KEPT in messages
    path.write_text(good.replace("J. Williams", "Jo Williams"), encoding="utf-8")
    assert lib.refresh({WILLIAMS})
    assert lib.catalog().authors["j-williams"].name == "Jo Williams"
    assert slugs(lib) == before == slugs(library(content, cache=False))


def test_a_broken_author_file_keeps_its_version_across_a_restart(content: Path) -> None:
    """With the cache, a restart keeps the last good author; without one there is none."""
    first = library(content)
    path = content / WILLIAMS
    path.write_text(path.read_text(encoding="utf-8").replace("name:", "nme:"))
    first.refresh({WILLIAMS})
    assert first.cache is not None
    first.cache.flush()
    assert "j-williams" in library(content).catalog().authors
    assert "j-williams" not in library(content, cache=False).catalog().authors


def test_a_broken_author_file_keeps_its_version_across_new_settings(content: Path) -> None:
    """A restart under new settings reads every file again, and a file broken meanwhile
    keeps the version the last run published."""
    first = library(content)
    assert first.cache is not None
    first.cache.flush()
    site, author = content / "site.yaml", content / WILLIAMS
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 10"))
    author.write_text(author.read_text(encoding="utf-8").replace("name:", "nme:"))
    restarted = library(content)
    assert restarted.catalog().site.ttl == 10
    assert restarted.catalog().authors["j-williams"].name == "J. Williams"
    assert slugs(restarted) == slugs(first)


def test_a_file_deleted_while_stopped_has_no_last_good_version(content: Path) -> None:
    """Under new settings too, a file deleted while the service was stopped, then saved
    broken, does not bring back the version the last run published."""
    first = library(content)
    assert first.cache is not None
    first.cache.flush()
    site, article = content / "site.yaml", content / BOLTON
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 10"))
    article.unlink()
    restarted = library(content)
    article.write_text("---\ntitle: [half-saved\n", encoding="utf-8")
    restarted.refresh({BOLTON})
    assert "john-bolton-indicted" not in slugs(restarted)


def test_a_restart_reads_a_broken_file_again_whatever_its_stamp(content: Path) -> None:
    """A broken file mended without a new stamp (made readable again: chmod moves neither
    its time nor its size; here the same size and time) is read again by a restart."""
    author = content / WILLIAMS
    text = author.read_text(encoding="utf-8")
    author.write_text(text.replace("name:", "nam :"), encoding="utf-8")
    stamp = time.time_ns() - 60 * 10**9  # long enough ago to be trusted
    os.utime(author, ns=(stamp, stamp))
    broken = library(content)
    assert broken.cache is not None and WILLIAMS in {p.path for p in broken.problems}
    broken.cache.flush()
    author.write_text(text, encoding="utf-8")
    os.utime(author, ns=(stamp, stamp))
    mended = library(content)
    assert mended.problems == () and "j-williams" in mended.catalog().authors


def test_a_related_typo_on_a_live_article_lets_the_edit_out(content: Path) -> None:
    """A mistyped `related` slug saved with a correction: the correction goes out, the bad
    link is left out and reported."""
    lib = library(content)
    path = content / "2025/trump-putin-budapest-summit.md"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("john-bolton-indicted", "john-bolton-indictd").replace(
        "Trump and Putin", "Trump, Putin"
    )
    path.write_text(edited, encoding="utf-8")
    assert lib.refresh({"2025/trump-putin-budapest-summit.md"})
    article = lib.catalog().by_slug["trump-putin-budapest-summit"]
    assert article.title.startswith("Trump, Putin")
    assert lib.catalog().related(article) == ()
    [problem] = lib.problems
    assert (problem.severity, problem.hint) == ("warning", "did you mean 'john-bolton-indicted'?")


def test_a_newcomer_never_takes_a_published_slug(write: WriteFile, content: Path) -> None:
    """A new file with a published article's slug gets the error, even when it is older
    or sorts first; the published article keeps its URL."""
    lib = library(content)
    bolton = lib.catalog().by_slug["john-bolton-indicted"]
    early = field("slug", "john-bolton-indicted").replace("2025-10-20", "2020-01-01")
    write("2025/aa-early.md", early)
    assert lib.refresh({"2025/aa-early.md"})
    assert lib.catalog().by_slug["john-bolton-indicted"] is bolton
    [problem] = lib.problems
    assert (problem.path, problem.severity) == ("2025/aa-early.md", "error")


def test_an_author_edit_is_read(content: Path) -> None:
    """An author file re-read with new details replaces the old ones, by event or by scan."""
    lib = library(content)
    path = content / "authors/j-williams.md"
    path.write_text(path.read_text(encoding="utf-8").replace("J. Williams", "Jo Williams"))
    assert lib.refresh({"authors/j-williams.md"})
    assert lib.catalog().authors["j-williams"].name == "Jo Williams"
    path.write_text(path.read_text(encoding="utf-8").replace("Jo Williams", "Joanne Williams"))
    assert lib.refresh()
    assert lib.catalog().authors["j-williams"].name == "Joanne Williams"


def test_a_large_first_load_reads_half_in_a_child(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading half the files in a forked child gives the very reads, bodies and catalog
    that reading them all here gives, and so does a re-read of everything later."""
    write("2025/zz-broken.md", "---\ntitle: [half-saved\n")
    alone = library(content, cache=False)
    monkeypatch.setattr(reading, "PARALLEL_READS", 2)
    split = library(content, cache=False)
    assert split.articles == alone.articles
    assert [vars(p) for p in split.problems] == [vars(p) for p in alone.problems]
    article = split.catalog().by_slug["john-bolton-indicted"]
    assert split.body(article) == alone.body(article) != ""
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))
    assert split.refresh()  # new settings: everything read again, in a refresh that forks
    assert split.catalog().site.ttl == 9


def test_every_worker_keeps_the_same_last_good_version(content: Path) -> None:
    """A worker that missed a good save (its watcher saw only the broken one after it)
    serves the version the others published, shared through the cache folder."""
    seeing, missing = library(content), library(content)
    path = content / BOLTON
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Former National", "Ex-National"), encoding="utf-8")
    assert seeing.refresh({BOLTON})
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)  # the broken save comes later
    path.write_text("---\ntitle: [half-saved\n", encoding="utf-8")
    assert seeing.refresh({BOLTON}) and missing.refresh({BOLTON})
    for lib in (seeing, missing):
        assert "Ex-National" in lib.catalog().by_slug["john-bolton-indicted"].title


@pytest.mark.parametrize("byline", ["j-williams", "J-Williams", "J. Williams"])
def test_a_last_good_version_is_shared_however_the_author_is_named(
    content: Path, byline: str
) -> None:
    """An article naming its author by slug in any case, or by name, is published as a
    resolved copy: that copy is still the version shared, so a worker that missed the
    good save serves it, and the one that saw it never goes back to an older one."""
    seeing, missing = library(content), library(content)
    path = content / BOLTON
    text = path.read_text(encoding="utf-8")
    saves = [
        text.replace("Former National", "Ex-National"),  # shared even before this fix
        text.replace("Former National", "Late-National").replace("j-williams", byline),
    ]
    for step, save in enumerate(saves, start=1):
        path.write_text(save, encoding="utf-8")
        os.utime(path, ns=(time.time_ns() + step * 10**9,) * 2)
        assert seeing.refresh({BOLTON})
    path.write_text("---\ntitle: [half-saved\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 3 * 10**9,) * 2)  # the broken save comes later
    assert seeing.refresh({BOLTON}) and missing.refresh({BOLTON})
    for lib in (seeing, missing):
        assert "Late-National" in lib.catalog().by_slug["john-bolton-indicted"].title


def saver(content: Path) -> tuple[str, Callable[[Library, str, int], None]]:
    """The Bolton article's text, and a way to save a text there at a later time (the
    step, in seconds from now) that one library sees."""
    path = content / BOLTON

    def save(lib: Library, body: str, step: int) -> None:
        path.write_text(body, encoding="utf-8")
        os.utime(path, ns=(time.time_ns() + step * 10**9,) * 2)
        lib.refresh({BOLTON})

    return path.read_text(encoding="utf-8"), save


BROKEN = "---\ntitle: [half-saved\n"


def test_the_same_broken_bytes_again_take_what_another_worker_published(content: Path) -> None:
    """A worker whose last read was these very broken bytes still takes the good version
    another worker published in between."""
    text, save = saver(content)
    a, b = library(content), library(content)
    for lib in (a, b):
        save(lib, BROKEN, 1)
    save(a, text.replace("Former National", "Ex-National"), 2)  # b misses it
    for lib in (a, b):
        save(lib, BROKEN, 3)
        assert "Ex-National" in lib.catalog().by_slug["john-bolton-indicted"].title


def test_a_revert_to_what_a_worker_last_read_is_shared(content: Path) -> None:
    """A save that gives back what one worker last read (a revert of an edit it never saw)
    is still the newest good version for the others and for a restart."""
    text, save = saver(content)
    a, b = library(content), library(content)
    save(a, text.replace("Former National", "Late-National"), 1)  # b misses it
    save(b, text, 2)  # a misses this one
    for lib in (a, b):
        save(lib, BROKEN, 3)
    for lib in (a, b, library(content)):
        assert lib.catalog().by_slug["john-bolton-indicted"].title.startswith("Former National")


def test_a_file_deleted_while_the_service_was_down_never_comes_back(content: Path) -> None:
    """A restart that reads every file forgets what an earlier run recorded of a file
    deleted meanwhile: a broken file saved in its place later is no article."""
    text, save = saver(content)
    running = library(content)
    save(running, text.replace("Former National", "Ex-National"), 1)  # recorded
    del running
    (content / BOLTON).unlink()
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))
    restarted = library(content)  # new settings: every file is read again
    assert "john-bolton-indicted" not in restarted.catalog().by_slug
    save(restarted, BROKEN, 2)
    for lib in (restarted, library(content)):
        assert "john-bolton-indicted" not in lib.catalog().by_slug


def test_a_store_deleted_while_in_use_is_made_again_and_shared(content: Path) -> None:
    """Deleting the body store under a running worker (a cache folder cleaned up) loses
    nothing shared: the worker notices, makes a new store and records in it, so a worker
    that starts next takes the version it published."""
    text, save = saver(content)
    running = library(content)
    store = running.bodies.path
    assert isinstance(store, Path)
    for name in (store, *store.parent.glob(store.name + "-*")):
        name.unlink()
    save(running, text.replace("Former National", "Ex-National"), 1)
    save(running, BROKEN, 2)
    started = library(content)
    assert "Ex-National" in started.catalog().by_slug["john-bolton-indicted"].title


def test_a_damaged_time_in_the_store_neither_stops_a_start_nor_pins_a_version(
    content: Path,
) -> None:
    """A recorded version whose time is damaged (not a number) is passed over at a start
    that reads everything, and a newer version replaces it."""
    text, save = saver(content)
    running = library(content)
    save(running, text.replace("Former National", "Ex-National"), 1)
    store = running.bodies.path
    assert isinstance(store, Path)
    with closing(sqlite3.connect(store)) as db, db:
        db.execute("UPDATE good SET mtime = 'x'")
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))
    restarted = library(content)  # new settings: every file is read again
    save(restarted, text.replace("Former National", "Late-National"), 2)
    save(restarted, BROKEN, 3)
    for lib in (restarted, library(content)):
        assert "Late-National" in lib.catalog().by_slug["john-bolton-indicted"].title


@pytest.mark.parametrize("edited", [BOLTON, WILLIAMS])
def test_a_restart_with_no_usable_cache_keeps_the_newest_good_versions(
    content: Path, edited: str
) -> None:
    """A file edited while the service was down, then broken once it runs again, keeps
    the version the restart read, not one an earlier run recorded (here the restart
    reads everything again: the settings changed meanwhile)."""
    path, site = content / edited, content / "site.yaml"
    text = path.read_text(encoding="utf-8")
    old, new = ("Former National", "Ex-National") if edited == BOLTON else ("J. W", "Jo W")
    running = library(content)
    path.write_text(text.replace(old, "Once-" + old), encoding="utf-8")
    assert running.refresh({edited})  # recorded for the other workers
    del running
    path.write_text(text.replace(old, new), encoding="utf-8")  # while the service is down
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))
    restarted = library(content)
    path.write_text("---\ntitle: [half-saved\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 2 * 10**9,) * 2)
    assert restarted.refresh({edited})
    catalog = restarted.catalog()
    if edited == BOLTON:
        assert catalog.by_slug["john-bolton-indicted"].title.startswith(new)
    else:
        assert catalog.authors["j-williams"].name.startswith(new)


def test_last_good_versions_outlive_a_change_of_settings(content: Path) -> None:
    """A change to site.yaml re-reads every file, and neither that nor a restart under the
    new settings (whose cache of reads no longer applies) loses a last good version: a
    worker that missed the good save takes the one the others published."""
    seeing, missing = library(content), library(content)
    articles = seeing.catalog().by_author["j-williams"]
    site, author = content / "site.yaml", content / WILLIAMS
    settings, text = site.read_text(encoding="utf-8"), author.read_text(encoding="utf-8")
    site.write_text(settings.replace("ttl: 5", "ttl: 10"), encoding="utf-8")
    author.write_text(text.replace("J. Williams", "Jo Williams"), encoding="utf-8")
    assert seeing.refresh({"site.yaml", WILLIAMS})
    os.utime(author, ns=(time.time_ns() + 10**9,) * 2)  # the broken save comes later
    author.write_text(text.replace("name:", "nme:"), encoding="utf-8")
    assert seeing.refresh({WILLIAMS}) and missing.refresh({"site.yaml", WILLIAMS})
    assert seeing.cache is not None
    seeing.cache.flush()
    site.write_text(settings.replace("ttl: 5", "ttl: 15"), encoding="utf-8")
    for lib in (seeing, missing, library(content)):
        assert lib.catalog().authors["j-williams"].name == "Jo Williams"
        assert [a.slug for a in lib.catalog().by_author["j-williams"]] == [a.slug for a in articles]


def test_a_site_yaml_with_an_error_keeps_the_last_good_settings(content: Path) -> None:
    """A new site.yaml with any error (here a bad ttl beside a new title) is reported and
    changes nothing; once fixed, the new settings apply."""
    lib = library(content)
    site = content / "site.yaml"
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("ttl: 5", "ttl: 0").replace("The Harbor Ledger", "The Ledger"))
    lib.refresh({"site.yaml"})
    assert (lib.catalog().site.title, lib.catalog().site.ttl) == ("The Harbor Ledger", 5)
    assert [p.field for p in lib.problems] == ["ttl"]
    site.write_text(text.replace("The Harbor Ledger", "The Ledger"))
    lib.refresh({"site.yaml"})
    assert lib.catalog().site.title == "The Ledger" and lib.problems == ()


@pytest.mark.parametrize(
    ("good", "broken"),
    [("title: The Harbor Ledger", "title: [The Ledger"), ("ttl: 7", "ttl: 0\ntitle: The Ledger")],
)
def test_a_start_while_site_yaml_has_errors_takes_the_last_good_settings(
    content: Path, good: str, broken: str
) -> None:
    """A restart (or a worker gunicorn starts again) while site.yaml has errors serves the
    settings last in force, as the running service did, and reports the errors; without
    the cache folder, or for another base URL, there are none to take."""
    running = library(content)
    site = content / "site.yaml"
    text = site.read_text(encoding="utf-8")
    text = text.replace("ttl: 5\n", "ttl: 7\n")
    site.write_text(text, encoding="utf-8")
    assert running.refresh({"site.yaml"}) and running.site.ttl == 7
    site.write_text(text.replace(good, broken), encoding="utf-8")
    running.refresh({"site.yaml"})
    restarted = library(content)
    assert restarted.site == running.site and restarted.site.ttl == 7
    assert feed_bytes(restarted) == feed_bytes(running)
    assert any(p.path == "site.yaml" and p.severity == "error" for p in restarted.problems)
    for fresh in (
        lambda: Library(content, "https://mirror.example.net/", cache=restarted.cache),
        lambda: library(content, cache=False),
    ):
        try:
            assert fresh().site.ttl == 5  # the file's own, with its errors' defaults
        except SiteError:
            assert "[" in broken  # no url to read: nothing can be served


def test_a_site_yaml_read_that_raises_is_tried_again(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read of site.yaml that fails (a bug) fails the refresh, and the next refresh reads
    the file again: the failure never hides the new settings as if they had been read."""
    lib = library(content)
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))

    def failing(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sitefile, "read_site", failing)
    with pytest.raises(RuntimeError):
        lib.refresh({"site.yaml"})
    assert lib.failing and lib.site.ttl == 5
    monkeypatch.undo()
    assert lib.refresh() and lib.site.ttl == 9 and not lib.failing


def test_settings_kept_by_another_version_are_not_taken(content: Path) -> None:
    """Settings kept by a feedsvc whose settings had other fields are not taken: the
    file's own, with its errors' defaults, are."""
    running = library(content)
    old = copy.copy(running.site)
    object.__delattr__(old, "language")  # as if kept before `language` was a setting
    running.bodies.put_good([("site.yaml", KeptSettings(None, old), 2**62)])
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 0"))
    restarted = library(content)
    assert restarted.site.ttl == 5 and restarted.site.language == "en"


def test_a_restart_after_a_release_time_or_an_author_edit_shows_them(content: Path) -> None:
    """A restart from the cache is as of now: an article whose time came while the service
    was down is published at once, and an author file edited meanwhile is read."""
    (content / "2025/zz-later.md").write_text(
        GOOD_ARTICLE.replace("2025-10-20 09:00", "2030-01-01 09:00"), encoding="utf-8"
    )
    first = Library(
        content,
        cache=ContentCache(content.parent / "cache", content),
        clock=lambda: datetime(2029, 12, 31, tzinfo=UTC),
    )
    assert first.cache is not None
    assert "zz-later" not in slugs(first)
    first.cache.flush()
    later = Library(
        content,
        cache=ContentCache(content.parent / "cache", content),
        clock=lambda: datetime(2030, 1, 2, tzinfo=UTC),
    )
    assert "zz-later" in slugs(later)
    author = content / "authors/j-williams.md"
    author.write_text(author.read_text().replace("name: J. Williams", "name: Jo Williams"))
    again = library(content)
    assert again.catalog().authors["j-williams"].name == "Jo Williams"
