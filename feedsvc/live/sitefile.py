"""site.yaml as a running service follows it: the settings in force and their problems.

A site.yaml with errors keeps the last good settings in force, so that a typo never
takes a running site down; only a first read that gives no settings at all (no
`url`) stops the start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from feedsvc.loading.discover import SITE_FILE, Stamp, stamp
from feedsvc.loading.site import SiteError, read_site
from feedsvc.model import Problem, Site

log = logging.getLogger(__name__)


class SiteFile:
    """The settings read from site.yaml, re-read when its stamp changes."""

    def __init__(self, root: Path, base_url: str | None) -> None:
        self.root = root
        self.base_url = base_url
        first = read_site(root, base_url)
        if first.site is None:  # no url, no service
            raise SiteError(first.problems)
        self.site: Site = first.site
        self.problems: tuple[Problem, ...] = first.problems
        self.stamp: Stamp | None = stamp(root / SITE_FILE)

    def reload(self) -> bool:
        """Re-read site.yaml if it changed; True if the settings in force changed (so every
        file is read again). Its problems are those of the version on disk."""
        found = stamp(self.root / SITE_FILE)
        if found == self.stamp:
            return False
        self.stamp = found
        read = read_site(self.root, self.base_url)
        self.problems = read.problems
        if not read.clean or read.site is None:
            for problem in read.problems:
                log.warning("%s", problem.format())
            return False
        if read.site == self.site:
            return False
        self.site = read.site
        return True
