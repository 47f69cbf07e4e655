"""File times set on purpose, so that tests of Last-Modified never sleep."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


def set_time(path: Path, when: datetime) -> None:
    """Give one file or folder the modification (and access) time `when`."""
    os.utime(path, (when.timestamp(), when.timestamp()))


def pin_times(root: Path, when: datetime) -> None:
    """Give `root`, every folder and every file below it the time `when`.

    Setting a file's time leaves its folder's alone, so the order does not matter.
    """
    for path in [root, *root.rglob("*")]:
        set_time(path, when)
