"""Which files make up the content folder, and the stamp that says when one changed."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SITE_FILE = "site.yaml"
AUTHORS_DIR = "authors"
MEDIA_DIR = "media"  # the files articles use, served at /media/: not content, never read
EXTENSION = ".md"

Stamp = tuple[int, int]  # (mtime in ns, size): a file is re-read only when this changes


def scan(root: Path) -> dict[str, Stamp]:
    """Every author and article file below `root`, with its stamp.

    Names starting with '.' or '_' (editor files, drafts folders) are skipped.
    """
    return scan_tree(root)[0]


def scan_tree(root: Path) -> tuple[dict[str, Stamp], dict[str, int]]:
    """`scan`, and the modification time (ns) of every folder it enters, named as by
    `folders`.

    A folder's time moves when an entry is added to it, removed or renamed: the
    one trace a deleted file leaves. Each folder is stat'ed after it is listed, so
    a deletion that the listing missed is in the time rather than the reverse.
    """
    stamps: dict[str, Stamp] = {}
    times: dict[str, int] = {}
    for prefix, folder, entries in _listing(root):
        for entry in entries:
            if entry.name.endswith(EXTENSION) and not entry.is_dir():
                try:
                    info = entry.stat()
                except OSError:
                    continue  # gone since the listing: a later scan sees it
                stamps[prefix + entry.name] = (info.st_mtime_ns, info.st_size)
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
    """Every folder that `scan` enters, relative to `root` with '/' (`root` itself is '.')."""
    return [prefix.rstrip("/") or "." for prefix, _, _ in _listing(root)]


def _listing(root: Path) -> Iterator[tuple[str, str, list[os.DirEntry[str]]]]:
    """Each folder `scan` enters (its prefix, its path) with its visible entries.

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
        except OSError:
            continue  # gone or unreadable since its parent was listed
        yield prefix, folder, entries
        pending.extend(
            (f"{prefix}{e.name}/", e.path) for e in entries if e.is_dir() and not e.is_symlink()
        )


def is_source(rel: str) -> bool:
    """A path `scan` would list: a `.md` file outside media/, with no part starting with
    '.' or '_'."""
    return (
        rel.endswith(EXTENSION)
        and not rel.startswith(MEDIA_DIR + "/")
        and not any(part.startswith((".", "_")) for part in rel.split("/"))
    )


def is_author_file(rel: str) -> bool:
    """`authors/<slug>.md`, directly in the authors folder."""
    return rel.startswith(AUTHORS_DIR + "/") and rel.count("/") == 1


def stamp(path: Path) -> Stamp | None:
    """A file's stamp, or None if it is gone."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)
