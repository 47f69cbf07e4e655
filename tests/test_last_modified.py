"""Last-Modified for clients that send only If-Modified-Since: it moves forward whenever a
feed's bytes change, never backwards, is the same in every process, never passes now.

Each test pins every file time first (`filetimes`), then moves the times of what it
changes by whole minutes, so nothing depends on how fast the test runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.http import http_date, parse_date

from conftest import WriteFile
from feedsvc.feeds import every_feed
from feedsvc.http.serving import FeedResponses, FeedServer
from feedsvc.live import Library
from feedsvc.store.cache import ContentCache
from filetimes import pin_times, set_time

PINNED = datetime(2025, 12, 1, tzinfo=UTC)  # after every entry's date in the sample
LATER = PINNED + timedelta(minutes=1)
NEWEST = "2025/autumn-bird-migration-count.md"  # the newest `updated`, by M. Okafor
BOLTON = "2025/john-bolton-indicted.md"  # by J. Williams
Answer = tuple[int, dict[str, str], bytes]


def poll(responses: FeedResponses, path: str, since: str | None = None) -> Answer:
    """One GET through the hot path, with only If-Modified-Since (no If-None-Match)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path}
    if since is not None:
        environ["HTTP_IF_MODIFIED_SINCE"] = since
    answer: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.extend([int(status[:3]), dict(headers)])

    def not_a_feed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise AssertionError(f"{environ['PATH_INFO']} is not a feed")

    body = b"".join(FeedServer(not_a_feed, responses)(environ, start_response))
    return answer[0], answer[1], body


def date_of(text: str) -> datetime:
    """An HTTP date as an aware datetime."""
    found = parse_date(text)
    assert found is not None
    return found


def last_modified(answer: Answer) -> datetime:
    """The Last-Modified of an answer, as an aware datetime."""
    return date_of(answer[1]["Last-Modified"])


def served(library: Library) -> dict[str, tuple[bytes, str, str]]:
    """Every feed's bytes, ETag and Last-Modified, from a fresh hot path."""
    responses = FeedResponses(library)
    answers = {key.path(): poll(responses, key.path()) for key in every_feed(library.catalog())}
    return {p: (a[2], a[1]["ETag"], a[1]["Last-Modified"]) for p, a in answers.items()}


def edit(content: Path, rel: str, change: Callable[[str], str], when: datetime) -> None:
    """Change a file's text in place and give it the time `when`."""
    path = content / rel
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    set_time(path, when)


def test_a_title_edit_without_a_new_updated_is_a_200(content: Path) -> None:
    """A fixed title keeps `updated`; a client holding the old bytes still gets the new."""
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    first = poll(responses, "/rss.xml")
    assert last_modified(first) == PINNED  # the files are newer than every entry
    edit(content, BOLTON, lambda text: text.replace("Former National", "Ex-National"), LATER)
    assert library.refresh({BOLTON})
    again = poll(responses, "/rss.xml", since=first[1]["Last-Modified"])
    assert again[0] == 200 and b"Ex-National" in again[2]
    assert last_modified(again) == LATER
    assert poll(responses, "/rss.xml", since=again[1]["Last-Modified"])[0] == 304


def test_deleting_the_newest_article_never_moves_last_modified_back(content: Path) -> None:
    """The newest entry gone, the feed's date would go back; its folder's time moves on."""
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    before = {path: poll(responses, path) for path in ("/atom.xml", "/authors/m-okafor/rss.xml")}
    (content / NEWEST).unlink()
    set_time(content / "2025", LATER)  # what the deletion did, at a known time
    assert library.refresh({NEWEST})
    for path, first in before.items():
        again = poll(responses, path, since=first[1]["Last-Modified"])
        assert again[0] == 200 and b"Migrating Birds" not in again[2]
        assert last_modified(again) == LATER > last_modified(first)


def test_a_site_yaml_change_is_a_200(content: Path) -> None:
    """A new site title changes every feed, and every feed's Last-Modified."""
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    first = poll(responses, "/authors/j-williams/atom.xml")
    edit(content, "site.yaml", lambda text: text.replace("Harbor Ledger", "Harbour Ledger"), LATER)
    library.refresh({"site.yaml"})
    again = poll(responses, "/authors/j-williams/atom.xml", since=first[1]["Last-Modified"])
    assert again[0] == 200 and b"Harbour Ledger" in again[2]
    assert last_modified(again) == LATER


def test_an_article_going_live_is_a_200_in_every_feed_it_changes(
    write: WriteFile, content: Path
) -> None:
    """The 2031 article goes live: it enters the site's feed, and an older article's
    related link to it appears in another author's feed, whose entries keep their dates."""
    write(
        "2025/zz-festival-preview.md",
        """
        ---
        title: What to Expect at the Tricentennial
        author: m-okafor
        date: 2025-11-01 10:00
        related: [harbor-tricentennial-festival]
        ---
        A preview.
        """,
    )
    pin_times(content, PINNED)
    now = [datetime(2026, 1, 1, tzinfo=UTC)]  # the world's time, for publication and Date
    library = Library(content, clock=lambda: now[0])
    responses = FeedResponses(library, clock=lambda: now[0])
    paths = ("/rss.xml", "/authors/m-okafor/atom.xml")
    before = {path: poll(responses, path) for path in paths}
    assert b"Tricentennial Festival Opens" not in before["/authors/m-okafor/atom.xml"][2]
    live = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
    now[0] = live + timedelta(seconds=30)
    for path, first in before.items():
        again = poll(responses, path, since=first[1]["Last-Modified"])
        assert again[0] == 200 and b"Tricentennial Festival Opens" in again[2]
        assert last_modified(again) == live


def test_a_restart_gives_the_same_last_modified_and_bytes(content: Path) -> None:
    """After edits, a deletion and a file saved unchanged, a restarted process (from the
    cache or not) serves the same bytes, ETags and Last-Modified; none went back."""
    pin_times(content, PINNED)
    cache = content.parent / "cache"
    library = Library(content, cache=ContentCache(cache, content))
    before = served(library)
    (content / NEWEST).unlink()
    set_time(content / "2025", LATER)
    library.refresh({NEWEST})
    edit(content, BOLTON, lambda text: text.replace("Former National", "Ex-National"), LATER)
    library.refresh({BOLTON})
    # Saved again unchanged, a minute on: no new content, but a new file time.
    edit(content, BOLTON, lambda text: text, LATER + timedelta(minutes=1))
    assert not library.refresh({BOLTON})
    running = served(library)
    assert library.cache is not None
    library.cache.flush()
    assert served(Library(content, cache=ContentCache(cache, content))) == running
    assert served(Library(content)) == running
    for path, (_, _, date) in running.items():
        assert date_of(date) == LATER + timedelta(minutes=1) > date_of(before[path][2])


def test_last_modified_is_never_later_than_now(write: WriteFile, content: Path) -> None:
    """An `updated` and a file time in the future: Last-Modified is the present, as Date."""
    path = write(
        "2025/zz-future.md",
        """
        ---
        title: From the Future
        author: j-williams
        date: 2025-11-20
        updated: 2030-01-01
        ---
        Written on a machine whose clock runs ahead.
        """,
    )
    set_time(path, datetime(2030, 1, 1, tzinfo=UTC))
    now = datetime(2026, 2, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    responses = FeedResponses(Library(content), clock=lambda: now)
    for feed in ("/rss.xml", "/authors/j-williams/atom.xml", "/authors/m-okafor/atom.xml"):
        answer = poll(responses, feed)
        assert answer[1]["Last-Modified"] == http_date(now) == "Sun, 01 Feb 2026 12:00:00 GMT"
        assert poll(responses, feed, since=answer[1]["Last-Modified"])[0] == 304


def test_an_edit_undone_still_moves_last_modified_forward(content: Path) -> None:
    """A → B → A: the first bytes come back (the hot path reuses them), with a new date,
    so a client holding B is sent A again."""
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    original = poll(responses, "/atom.xml")
    edit(content, BOLTON, lambda text: text.replace("Former National", "Ex-National"), LATER)
    library.refresh({BOLTON})
    edited = poll(responses, "/atom.xml")
    undone_at = LATER + timedelta(minutes=1)
    edit(content, BOLTON, lambda text: text.replace("Ex-National", "Former National"), undone_at)
    library.refresh({BOLTON})
    undone = poll(responses, "/atom.xml", since=edited[1]["Last-Modified"])
    assert undone[0] == 200 and undone[2] == original[2]
    assert undone[1]["ETag"] == original[1]["ETag"]
    assert last_modified(undone) == undone_at


def test_an_article_given_to_another_author_moves_the_feed_it_leaves(content: Path) -> None:
    """An edit that takes an article out of a feed changes no file the feed still shows:
    the edited file's time counts for every feed."""
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    first = poll(responses, "/authors/j-williams/rss.xml")
    edit(
        content, BOLTON, lambda text: text.replace("author: j-williams", "author: m-okafor"), LATER
    )
    library.refresh({BOLTON})
    again = poll(responses, "/authors/j-williams/rss.xml", since=first[1]["Last-Modified"])
    assert again[0] == 200 and b"2025-10-16:john-bolton-indicted</guid>" not in again[2]


def test_a_folder_removed_with_its_articles_moves_last_modified(content: Path) -> None:
    """A whole folder deleted leaves its time in its parent's, which a scan reads (the
    watcher scans when a folder goes)."""
    (content / "2026").mkdir()
    shutil.move(content / NEWEST, content / "2026")
    pin_times(content, PINNED)
    library = Library(content)
    responses = FeedResponses(library)
    first = poll(responses, "/atom.xml")
    shutil.rmtree(content / "2026")
    set_time(content, LATER)
    assert library.refresh()
    again = poll(responses, "/atom.xml", since=first[1]["Last-Modified"])
    assert again[0] == 200 and b"Migrating Birds" not in again[2]
    assert last_modified(again) == LATER


def test_an_article_expiring_is_a_200_dated_by_its_expiry(write: WriteFile, content: Path) -> None:
    """An article leaves the feeds at its `expiryDate`: a client holding the feed from
    before gets the new one, whose Last-Modified is the expiry, and a fresh process agrees."""
    write(
        "2025/zz-road-closure.md",
        """
        ---
        title: Harbor Road Closed for the Weekend
        author: m-okafor
        date: 2029-12-30 10:00
        expiryDate: 2030-02-01T00:00:00Z
        ---
        Detours are signposted.
        """,
    )
    pin_times(content, PINNED)
    now = [datetime(2030, 1, 10, tzinfo=UTC)]
    library = Library(content, clock=lambda: now[0])
    responses = FeedResponses(library, clock=lambda: now[0])
    before = poll(responses, "/rss.xml")
    assert b"Harbor Road Closed" in before[2]
    gone = datetime(2030, 2, 1, tzinfo=UTC)
    now[0] = gone + timedelta(minutes=5)
    again = poll(responses, "/rss.xml", since=before[1]["Last-Modified"])
    assert again[0] == 200 and b"Harbor Road Closed" not in again[2]
    assert last_modified(again) == gone
    fresh = FeedResponses(Library(content, clock=lambda: now[0]), clock=lambda: now[0])
    assert poll(fresh, "/rss.xml")[1]["Last-Modified"] == again[1]["Last-Modified"]
