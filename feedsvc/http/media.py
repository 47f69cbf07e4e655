"""The files of the content folder's `media/` and of page bundles that the public may
fetch, and how to open one.

Only regular files inside the folder whose type is in `MEDIA_TYPES` are served:
a symlink is followed only when it ends inside the folder, names starting with
'.' or '_' are hidden as everywhere in the content folder, and anything else
(a draft saved there, a FIFO, a file of an unlisted type) is a 404. The type
comes from this table, never from the machine's mimetypes database, so every
machine sends the same one. A page bundle's folder (`<name>/index.md`) is such a
folder too, under the same rules (`open_bundle_media`).
"""

from __future__ import annotations

import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from feedsvc.names import BUNDLE_INDEX, EXTENSIONS

MEDIA_TYPES: dict[str, str] = {
    # images
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".ico": "image/vnd.microsoft.icon",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    # audio
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    # video, and its captions
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".ogv": "video/ogg",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    # documents and data
    ".csv": "text/csv",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
    # fonts
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# Types a browser runs script in when the file is opened on its own: sent in a CSP
# sandbox (SVG, so that it still shows in an <img>), HTML also as a download.
ACTIVE = frozenset({".svg", ".html", ".htm"})
DOWNLOAD = frozenset({".html", ".htm"})


@dataclass(frozen=True)
class MediaFile:
    """An open media file, checked: what to send and how."""

    file: BinaryIO
    name: str  # its path inside the media folder, after any symlink
    media_type: str
    size: int
    mtime: float
    etag: str  # the same in every worker: from the file's time, size and name

    @property
    def active(self) -> bool:
        """A type that can run script when opened on its own."""
        return self.suffix in ACTIVE

    @property
    def download(self) -> bool:
        """A type sent as a download rather than shown."""
        return self.suffix in DOWNLOAD

    @property
    def suffix(self) -> str:
        """The file's extension, in lower case."""
        return PurePosixPath(self.name).suffix.lower()


def open_media(folder: Path, name: str) -> MediaFile | None:
    """The file `name` (a URL path below `/media/`) in `folder`, or None if the public may
    not have it: missing, outside the folder through a symlink, hidden, not a regular
    file, or of a type not in `MEDIA_TYPES`."""
    found = _inside(folder, name)
    return None if found is None else _open(*found[1:])


def open_bundle_media(content: Path, bundle: str, name: str) -> MediaFile | None:
    """The file `name` (a URL path below `/articles/<slug>/`) beside the index of the page
    bundle `bundle` (its folder, relative to `content`), by the rules of `open_media`; also
    None when the bundle's folder leads out of the content folder, or when the file sits
    in a sub-folder that is a bundle of its own (its article may be a draft)."""
    try:
        root = content.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    found = _inside(root / bundle, name)
    if found is None or not found[0].is_relative_to(root):
        return None
    folder, path, real = found
    for parent in PurePosixPath(real).parents:
        if str(parent) != "." and _holds_index(folder / parent):
            return None
    return _open(path, real)


def _holds_index(folder: Path) -> bool:
    """Whether a folder is a page bundle: it holds an index file."""
    return any((folder / f"{BUNDLE_INDEX}{ext}").exists() for ext in EXTENSIONS)


def _open(path: Path, real: str) -> MediaFile | None:
    """Open a checked path, if it is (still) a regular file."""
    try:
        # O_NOFOLLOW: the path was resolved, a symlink now is one made since; O_NONBLOCK:
        # opening a FIFO must not wait for a writer (it is refused just below).
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    etag = f"{info.st_mtime_ns:x}-{info.st_size:x}-{zlib.adler32(real.encode()):x}"
    media_type = MEDIA_TYPES[PurePosixPath(real).suffix.lower()]
    file = os.fdopen(fd, "rb")
    return MediaFile(file, real, media_type, info.st_size, info.st_mtime, etag)


def _inside(folder: Path, name: str) -> tuple[Path, Path, str] | None:
    """The real folder, the real path of `name` in it and its name there, if it and the
    file it leads to are public."""
    if not _public(name):
        return None
    try:
        root = folder.resolve(strict=True)
        path = (root / name).resolve(strict=True)  # every symlink followed
    except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, a NUL byte
        return None
    # Inside the folder (not through a symlink out of it), and still public: a symlink
    # to a hidden file or one of another type is neither.
    if not path.is_relative_to(root) or not _public(real := path.relative_to(root).as_posix()):
        return None
    return root, path, real


def _public(name: str) -> bool:
    """A path with no hidden, empty or parent part, of a listed type."""
    parts = name.split("/")
    if any(not part or part.startswith((".", "_")) for part in parts):
        return False
    return PurePosixPath(name).suffix.lower() in MEDIA_TYPES
