"""Live content: the library re-reads what changes and never serves a half-built catalog."""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from watchfiles import Change

from conftest import GOOD_ARTICLE, WriteFile
from feedsvc import live, loading
from feedsvc.cache import ContentCache, Snapshot
from feedsvc.live import Library, paused_collector
from feedsvc.loading import folders


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
    assert loading.KEPT in messages


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


def test_unchanged_content_costs_nothing(content: Path) -> None:
    """A refresh with nothing changed keeps the very same catalog."""
    lib = library(content)
    catalog = lib.catalog()
    assert not lib.refresh()
    assert not lib.refresh({"2025/john-bolton-indicted.md"})
    assert lib.catalog() is catalog


def test_restart_reads_only_changed_files(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cache, a restart re-reads only what changed since; the cache is in its own folder."""
    first = library(content)
    assert first.cache is not None
    first.cache.flush()
    write("2025/zz-new.md", GOOD_ARTICLE)
    read: list[str] = []
    real = loading.read_file
    monkeypatch.setattr(
        "feedsvc.live.read_file", lambda root, rel, *a: read.append(rel) or real(root, rel, *a)
    )
    second = library(content)
    assert read == ["2025/zz-new.md"]
    assert slugs(second) == slugs(first) or "zz-new" in slugs(second)
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
    """The service never writes into the content folder."""
    with pytest.raises(ValueError, match="outside the content folder"):
        ContentCache(content / ".cache", content)


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
    """Reads keep no body once stored; a broken edit still renders the last good body."""
    lib = library(content)
    assert all(read.body == "" for read in lib._reads.values())
    good = lib.catalog().by_slug["john-bolton-indicted"]
    body = lib.catalog().body(good)
    assert "grand jury" in body
    write("2025/john-bolton-indicted.md", "---\ntitle: [half-saved\n")
    lib.refresh({"2025/john-bolton-indicted.md"})
    assert lib.catalog().body(lib.catalog().by_slug["john-bolton-indicted"]) == body


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
    lib.cache.save(lib._site, Snapshot({}, {}, None), soon=True)
    lib.cache.flush()
    folder = lib.cache.path.parent
    assert [p.name for p in folder.iterdir() if not p.name.startswith("bodies.sqlite")] == []
    monkeypatch.setattr(pickle, "dump", real_dump)
    lib.cache.save(lib._site, Snapshot({}, {}, None), soon=True)
    lib.cache.flush()
    assert lib.cache.path.exists()


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_pauses_the_collector_and_restores_it(content: Path, enabled: bool) -> None:
    """The cyclic collector stays still while a refresh runs and is left as it was found."""
    seen: list[bool] = []
    lib = library(content)
    real = lib._read_all
    lib._read_all = lambda stamps: seen.append(gc.isenabled()) or real(stamps)  # type: ignore[method-assign]
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_collector():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        lib.refresh()
        lib.refresh({"2025/john-bolton-indicted.md"})
        assert seen == [False, False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_write_waiting_for_quiet_is_made_at_exit(content: Path, tmp_path: Path) -> None:
    """Stopping the service does not lose an edit's cache write still waiting for quiet."""
    script = (
        "import sys; from pathlib import Path; from feedsvc.cache import ContentCache;"
        "from feedsvc.live import Library;"
        "lib = Library(Path(sys.argv[1]), cache=ContentCache(Path(sys.argv[2]), Path(sys.argv[1])));"
        "lib.cache.flush(); lib.cache.path.unlink(); lib._save(soon=False)"
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
    monkeypatch.setattr(live, "time", SimpleNamespace(monotonic=lambda: clock.now))
    lib.settle = settle
    seen: list[object] = []
    monkeypatch.setattr(lib, "refresh", lambda paths=None: seen.append(paths))
    timeline = [(2.0, []), (3.0, ["2025/a.md"]), (3.5, ["2025/b.md"]), (5.2, []), (5.6, [])]

    def batches() -> Iterator[set[tuple[Change, str]]]:
        for at, names in timeline:
            clock.now = at
            yield {(Change.modified, str(content / name)) for name in names}

    lib._follow(batches(), content, set(folders(content)))
    assert seen == refreshes


def test_the_watcher_starts_again_when_a_folder_appears(content: Path) -> None:
    """A new folder ends the current watch (the next one watches it too, and scans)."""
    lib = library(content)
    (content / "2026").mkdir()
    left: list[set[tuple[Change, str]]] = [set()]
    batches = iter([{(Change.added, str(content / "2026"))}, *left])
    lib._follow(batches, content, set(folders(content)) - {"2026"})
    assert next(batches, None) == set()  # the batch after the folder was never taken


NEW = GOOD_ARTICLE.replace("title: A Good Article", "title: A New Article")
BOLTON = "2025/john-bolton-indicted.md"
SUMMIT = "2025/trump-putin-budapest-summit.md"


def field(name: str, value: str, text: str = NEW) -> str:
    """`text` with one more front-matter field."""
    return text.replace("---\n", f"---\n{name}: {value}\n", 1)


# Each step: (what, path, text or new path, whether it skips linking the whole corpus).
Step = tuple[str, str, str, bool]


@pytest.mark.parametrize(
    "steps",
    [
        [("write", "2025/zz-new.md", NEW, True)],
        [("delete", SUMMIT, "", True)],
        [("move", SUMMIT, "2031/trump-putin-budapest-summit.md", True)],
        [("move", SUMMIT, "2031/summit-renamed.md", True)],  # a new slug: nobody links to it
        [("write", "2025/zz-new.md", field("related", "[harbor-seawall-council-vote]"), True)],
        [("write", "2025/zz-new.md", field("tagz", "[typo]"), True)],  # a warning comes along
        [("write", "2025/zz-new.md", NEW, True), ("delete", "2025/zz-new.md", "", True)],
        [
            ("write", "2025/zz-a.md", NEW, True),
            ("write", "2025/zz-b.md", field("related", "[zz-a]"), True),
            ("delete", "2025/zz-a.md", "", False),
        ],  # zz-b would link to nothing
        [
            ("write", "2025/zz-self.md", field("aliases", "[zz-self]"), True),
            ("delete", "2025/zz-self.md", "", True),
        ],
        [
            ("write", "2025/zz-broken.md", field("title", "[half-saved"), False),
            ("write", "2025/zz-new.md", field("related", "[zz-broken]"), True),
        ],  # a broken file's slug is claimed all the same
        # Another file's fate depends on the change: linked again.
        [("delete", BOLTON, "", False)],  # a related link would dangle
        [("delete", "2025/city-marathon-road-closures.md", "", False)],  # from a scheduled one
        [("write", "2025/zz-new.md", field("slug", "john-bolton-indicted"), False)],
        [("write", "2025/zz-new.md", field("aliases", "[new-rail-timetable]"), False)],
        [("write", "2025/zz-new.md", field("related", "[no-such-story]"), False)],
        [("write", "2025/zz-new.md", NEW.replace("j-williams", "nobody"), False)],
        [("write", "2025/zz-new.md", "---\ntitle: [half-saved\n", False)],
        [("write", "authors/zz-new.md", "---\nname: New Writer\n---\n", False)],
        [("write", "authors/j-williams.md", "---\nname: Jo Williams\n---\nBio.\n", False)],
        # Edits in place, where linking reported something about the file: linked again.
        [("delete", BOLTON, "", False), ("edit", SUMMIT, "Trump and Putin Agree", False)],
        [("edit", BOLTON, "author: nobody", False), ("edit", BOLTON, "author: j-williams", False)],
    ],
)
def test_changes_applied_quickly_give_what_linking_everything_gives(
    content: Path, monkeypatch: pytest.MonkeyPatch, steps: list[Step]
) -> None:
    """Edits in place, and added and deleted files nothing else depends on, skip linking the
    corpus; either way, content, problems and catalog are what linking everything gives."""
    lib, linking = library(content, cache=False), library(content, cache=False)
    monkeypatch.setattr(linking, "_apply_quickly", lambda *a: False)
    linked: list[object] = []
    real_assemble = live.assemble
    monkeypatch.setattr(live, "assemble", lambda *a: linked.append(a) or real_assemble(*a))
    for action, path, text, quick in steps:
        changed = {path}
        if action == "write":
            (content / path).write_text(text, encoding="utf-8")
        elif action == "delete":
            (content / path).unlink()
        elif action == "edit":  # a title or a field, changed in place
            old = (content / path).read_text(encoding="utf-8")
            line = next(line for line in old.splitlines() if line.startswith(text.split()[0]))
            new = f"title: Edited {time.time_ns()}" if line.startswith("title") else text
            if line == new:
                new = line.replace("j-williams", "s-lindqvist")
            (content / path).write_text(old.replace(line, new, 1), encoding="utf-8")
        else:
            (content / text).parent.mkdir(exist_ok=True)
            shutil.move(content / path, content / text)
            changed.add(text)
        linked.clear()
        assert lib.refresh(changed)
        assert (not linked) is quick, (action, path)
        assert linking.refresh(changed)
        assert lib.content.articles == linking.content.articles
        assert lib.content.authors == linking.content.authors
        assert [vars(p) for p in lib.content.problems] == [
            vars(p) for p in linking.content.problems
        ]
        now, again = lib.catalog(), linking.catalog()
        assert now.articles == again.articles and now.drafts == again.drafts
        assert now.scheduled == again.scheduled and now.version == again.version
        assert dict(now.by_author) == dict(again.by_author)
        assert dict(now.by_tag) == dict(again.by_tag)
        assert dict(now.aliases) == dict(again.aliases)
        assert lib._served == linking._served


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


def test_a_broken_file_that_changes_claims_its_new_slug(write: WriteFile, content: Path) -> None:
    """A broken file's slug still counts for related links, and follows its edits."""
    lib = library(content)
    path = write("2025/zz-broken.md", "---\nslug: foo\ndate: tomorrow\n---\n")
    os.utime(path, (time.time() - 60, time.time() - 60))  # an old stamp, to be trusted
    assert lib.refresh({"2025/zz-broken.md"})
    write("2025/zz-broken.md", "---\nslug: bar\ndate: tomorrow\n---\n")
    assert lib.refresh({"2025/zz-broken.md"})
    assert lib._reads["2025/zz-broken.md"].claimed_slug == "bar"


def test_a_large_first_load_reads_half_in_a_child(
    write: WriteFile, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading half the files in a forked child gives the very reads, bodies and catalog
    that reading them all here gives, and so does a re-read of everything later."""
    write("2025/zz-broken.md", "---\ntitle: [half-saved\n")
    alone = library(content, cache=False)
    monkeypatch.setattr(live, "PARALLEL_READS", 2)
    split = library(content, cache=False)
    assert split._reads == alone._reads
    assert split.content.articles == alone.content.articles
    assert [vars(p) for p in split.content.problems] == [vars(p) for p in alone.content.problems]
    article = split.catalog().by_slug["john-bolton-indicted"]
    assert split.body(article) == alone.body(article) != ""
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("ttl: 5", "ttl: 9"))
    assert split.refresh()  # new settings: everything read again, in a refresh that forks
    assert split.catalog().site.ttl == 9
