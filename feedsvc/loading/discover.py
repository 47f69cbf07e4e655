"""Which files make up the content folder, and the stamp that says when one changed.

A folder holds whatever people save into it: a FIFO, a link to a device or to a
file elsewhere on the machine, a folder nobody may list. Each is still listed,
so that it becomes a problem for its path rather than vanishing without a word,
and only what is safe to read is ever read (`source.read_source`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from feedsvc.loading.source import ABSENT, Unreadable
from feedsvc.names import BUNDLE_INDEX, EXTENSIONS, is_content_name

SITE_FILE = "site.yaml"
AUTHORS_DIR = "authors"
MEDIA_DIR = "media"  # the files articles use, served at /media/: not content, never read
ROOT = "./"  # how a content folder that cannot be listed is named among the paths
MAX_FILE_SIZE = 1_048_576  # bytes: the default of site.yaml's `max_file_size` (1 MiB)

Stamp = tuple[int, int]  # (mtime in ns, size): a file is re-read only when this changes
UNKNOWN: Stamp = (0, -1)  # a file that is there but cannot be stat'ed: read it to say why
Tree = tuple[dict[str, Stamp], dict[str, int]]  # what `scan_tree` finds: stamps, folder times


def scan(root: Path) -> dict[str, Stamp]:
    """Every author and article file below `root`, with its stamp.

    Names starting with '.' or '_' (editor files, drafts folders) are skipped.
    Whatever has a content name (`.md`, `.markdown`) is listed, even when it is no regular file or a
    link that leads nowhere: reading it says what is wrong. A folder that cannot
    be listed is listed too, as its path with a trailing '/' (`ROOT` for the
    content folder itself): its files are unknown, not gone.
    """
    return scan_tree(root)[0]


def scan_tree(root: Path) -> Tree:
    """`scan`, and the modification time (ns) of every folder it enters, named as by
    `folders`.

    A folder's time moves when an entry is added to it, removed or renamed: the
    one trace a deleted file leaves. Each folder is stat'ed after it is listed, so
    a deletion that the listing missed is in the time rather than the reverse.
    """
    stamps: dict[str, Stamp] = {}
    times: dict[str, int] = {}
    for prefix, folder, entries in _listing(root):
        if isinstance(entries, OSError):
            stamps[prefix or ROOT] = _stamp_of(Path(folder)) or UNKNOWN
            continue
        for entry in entries:
            if is_content_name(entry.name) and not entry.is_dir():
                found = _stamp_of(entry, UNKNOWN)
                if found is not None:  # else gone since the listing: a later scan sees it
                    stamps[prefix + entry.name] = found
        with contextlib.suppress(OSError):  # gone since: its parent's time says so
            times[prefix.rstrip("/") or "."] = Path(folder).stat().st_mtime_ns
    return stamps, times


def folder_times(root: Path, names: Iterable[str]) -> dict[str, int]:
    """The modification time (ns) of each named folder (as `folders` names them) that
    still exists: a few stats, where listing the tree would read every entry."""
    times: dict[str, int] = {}
    for name in names:
        with contextlib.suppress(OSError):  # removed: its parent's time moved instead
            times[name] = (root / name).stat().st_mtime_ns
    return times


def parents(rel: str) -> list[str]:
    """The folders holding a path, innermost first, as `folders` names them."""
    parts = rel.split("/")[:-1]
    return [*("/".join(parts[:end]) for end in range(len(parts), 0, -1)), "."]


def folders(root: Path) -> list[str]:
    """Every folder that `scan` lists, relative to `root` with '/' (`root` itself is '.')."""
    return [
        prefix.rstrip("/") or "."
        for prefix, _, entries in _listing(root)
        if not isinstance(entries, OSError)
    ]


def _listing(root: Path) -> Iterator[tuple[str, str, list[os.DirEntry[str]] | OSError]]:
    """Each folder `scan` enters (its prefix, its path) with its visible entries, or the
    error listing it (never for a folder gone since its parent was listed).

    `os.scandir` rather than `os.walk` or pathlib: its entries carry their full
    path and their type, which matters at 100,000 files.
    """
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = [e for e in listing if not e.name.startswith((".", "_"))]
                entries = [e for e in entries if prefix or e.name != MEDIA_DIR]  # not content
                if prefix and prefix != AUTHORS_DIR + "/":
                    entries = _bundle_index(entries) or entries
        except OSError as failed:
            if prefix and failed.errno in ABSENT:
                continue  # gone since its parent was listed: its parent's time says so
            yield prefix, folder, failed  # unreadable (or the content folder is gone)
            continue
        yield prefix, folder, entries
        pending.extend(
            # A link is never followed into (and so never loops): is_symlink first.
            (f"{prefix}{e.name}/", e.path)
            for e in entries
            if not e.is_symlink() and e.is_dir()
        )


_INDEX_NAMES = frozenset(BUNDLE_INDEX + extension for extension in EXTENSIONS)


def _bundle_index(entries: list[os.DirEntry[str]]) -> list[os.DirEntry[str]]:
    """A page bundle's index, if the folder is one: `<name>/index.md` is the article
    `<name>`, and everything else in the folder is its media. That includes other
    Markdown files and folders, as for Hugo (page resources, never pages), so they
    are neither listed nor entered."""
    return [e for e in entries if e.name in _INDEX_NAMES and not e.is_dir()]


def is_bundle_index(rel: str) -> bool:
    """Whether `rel` is the index of a page bundle: `index.md` in a folder below the top
    one, other than `authors/`."""
    folder, _, name = rel.rpartition("/")
    return name in _INDEX_NAMES and bool(folder) and folder != AUTHORS_DIR


def in_bundle(root: Path, rel: str) -> bool:
    """Whether `rel` lies in a page bundle's folder (or below one), as a resource that
    `scan` neither lists nor enters: a stat or two per folder above it."""
    return any(
        is_bundle_index(f"{folder}/{name}") and (root / folder / name).is_file()
        for folder in parents(rel)[:-1]
        for name in _INDEX_NAMES
        if f"{folder}/{name}" != rel
    )


def is_source(rel: str) -> bool:
    """A path `scan` would list: a content file outside media/, with no part starting with
    '.' or '_' (whether it is a page bundle's resource only a scan can tell)."""
    return (
        is_content_name(rel)
        and not rel.startswith(MEDIA_DIR + "/")
        and not any(part.startswith((".", "_")) for part in rel.split("/"))
    )


def is_author_file(rel: str) -> bool:
    """`authors/<slug>.md` (or `.markdown`), directly in the authors folder."""
    return rel.startswith(AUTHORS_DIR + "/") and rel.count("/") == 1 and is_content_name(rel)


def is_folder(rel: str) -> bool:
    """A folder that `scan` could not list (its path ends with '/')."""
    return rel.endswith("/")


def under(rel: str, folder: str) -> bool:
    """Whether a path is inside a folder as `scan` names one that it could not list."""
    return folder == ROOT or rel.startswith(folder)


def stamp(path: Path) -> Stamp | None:
    """A file's stamp, or None if it is gone; `UNKNOWN` if it is there but cannot be
    stat'ed (a folder above it is not readable, say), so that reading it says why."""
    return _stamp_of(path, UNKNOWN)


def _stamp_of(item: Path | os.DirEntry[str], unknown: Stamp | None = None) -> Stamp | None:
    """A stamp: of what a link leads to, or of the link itself if it leads nowhere.

    A listed entry is stat'ed through the entry (no path to build, at 100,000 files).
    """
    try:
        info = item.stat()
    except OSError as failed:
        if failed.errno not in ABSENT:
            return unknown
        try:  # a dangling link is listed, so that reading it reports it
            info = item.stat(follow_symlinks=False)
        except OSError:
            return None
    return (info.st_mtime_ns, info.st_size)


def folder_problem(root: Path, rel: str) -> Unreadable | None:
    """Why a folder that `scan` could not list cannot be listed (None if it can now)."""
    try:
        with os.scandir(root if rel == ROOT else root / rel):
            return None
    except OSError as failed:
        what = "the content folder" if rel == ROOT else "this folder"
        return Unreadable(
            f"cannot list {what} ({failed.strerror}): the files in it are not read, "
            "and those published before keep their last version",
            "make the folder readable (and searchable) by the user the service runs as",
        )
