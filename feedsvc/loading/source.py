"""Reading one content file safely: only a regular file inside the content folder, never
more than the size limit, and never anything that could hang the reader.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Errors that mean "not there": anything else (EACCES, EIO…) is a problem to report.
ABSENT = (errno.ENOENT, errno.ENOTDIR)


class Unreadable(Exception):
    """A path that is not read, or could not be: what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_source(root: Path, rel: str, limit: int) -> bytes:
    """A content file's bytes, read only if that is safe; else raise `Unreadable`.

    Only a regular file of at most `limit` bytes is read, and a symbolic link only
    when it leads to one inside the content folder. The type is checked before the
    file is opened (opening a FIFO blocks until a writer comes; some devices act on
    open), then again on what was opened, which is opened without blocking and read
    for at most `limit` + 1 bytes: a file swapped for a FIFO, a device or a link in
    between can neither hang the reader nor fill its memory.
    """
    path = root / rel
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            path = _link_target(root, path)
            info = path.stat()
        _check_regular(info, limit)
        fd = os.open(path, flags)
    except OSError as failed:
        raise _os_problem(failed) from None
    try:
        info = os.fstat(fd)
        _check_regular(info, limit)  # what was opened, not what was looked at
        # Reads of the expected size (+1, to see the end), never past the limit.
        step, size, chunks = min(info.st_size, limit) + 1, 0, []
        while size <= limit and (chunk := os.read(fd, min(step, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as failed:
        raise _os_problem(failed) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew since the check
        raise _too_large(len(data), limit)
    return data


def _link_target(root: Path, path: Path) -> Path:
    """Where a symbolic link leads, if that is inside the content folder."""
    # realpath, not Path.resolve: it never raises, even for a link that loops.
    target, inside = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if not target.is_relative_to(inside):
        raise Unreadable(
            "the file is a symbolic link to something outside the content folder, "
            "which is never read",
            "copy the file into the content folder instead of linking to it",
        )
    if not os.path.lexists(target):
        raise Unreadable(
            "the file is a symbolic link to a file that does not exist",
            "point the link at an existing file, or delete it",
        )
    return target


def _check_regular(info: os.stat_result, limit: int) -> None:
    """Refuse anything but a regular file of at most `limit` bytes."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise Unreadable(
            f"this is {kind}, not a regular file, so it is not read",
            "replace it with an ordinary Markdown file, or remove it",
        )
    if info.st_size > limit:
        raise _too_large(info.st_size, limit)


def _too_large(size: int, limit: int) -> Unreadable:
    """The problem of a file over the size limit."""
    return Unreadable(
        f"the file is {size:,} bytes, over the limit of {limit:,} bytes per file",
        "shorten it (images and attachments go in media/), or raise 'max_file_size' in site.yaml",
    )


def _os_problem(failed: OSError) -> Unreadable:
    """The problem of a file the system would not let us read."""
    if failed.errno in ABSENT:
        return Unreadable(
            "the file is gone: it was deleted or moved while it was being read",
            "nothing to do if it was removed on purpose; otherwise put it back",
        )
    if failed.errno == errno.ELOOP:
        return Unreadable(
            "the file is a symbolic link that leads in a loop, or was replaced by a link "
            "while it was being read",
            "save it again as an ordinary file",
        )
    return Unreadable(
        f"cannot read the file: {failed.strerror}",
        "make it readable by the user the service runs as",
    )
