"""site.yaml as a running service follows it: the settings in force and their problems.

A site.yaml with errors keeps the last good settings in force, so that a typo never
takes a running site down. They are kept in the body store too, like every file's last
good version, so a process that starts while site.yaml has errors (a restart, a worker
that gunicorn starts again) takes them as well; only a first read with no settings to
fall back on and none at all (no `url`) stops the start.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path

from feedsvc.loading.discover import SITE_FILE, Stamp, stamp
from feedsvc.loading.site import SiteError, SiteRead, read_site
from feedsvc.model import KeptSettings, Problem, Site
from feedsvc.store.bodies import Bodies

log = logging.getLogger(__name__)


class SiteFile:
    """The settings read from site.yaml, re-read when its stamp changes."""

    def __init__(self, root: Path, base_url: str | None, store: Bodies) -> None:
        self.root = root
        self.base_url = base_url
        self._store = store
        self.stamp: Stamp | None = stamp(root / SITE_FILE)
        first = read_site(root, base_url)
        kept = None if first.clean else self._kept()
        site = kept or first.site
        if site is None:  # no url, no service
            raise SiteError(first.problems)
        self.site: Site = site
        self.problems: tuple[Problem, ...] = first.problems
        if first.clean:
            self._keep(first)

    def _kept(self) -> Site | None:
        """The settings a previous process kept, if read for this base URL (and by a version
        of feedsvc whose settings have the same fields)."""
        found = self._store.good([SITE_FILE]).get(SITE_FILE)
        if not isinstance(found, KeptSettings) or found.base_url != self.base_url:
            return None
        if vars(found.site).keys() != {field.name for field in fields(Site)}:
            return None
        return found.site

    def _keep(self, read: SiteRead) -> None:
        """Keep settings now in force for later starts (the newest file time wins)."""
        if read.site is not None:
            kept = KeptSettings(self.base_url, read.site)
            self._store.put_good([(SITE_FILE, kept, self.stamp[0] if self.stamp else 0)])

    def reload(self) -> bool:
        """Re-read site.yaml if it changed; True if the settings in force changed (so every
        file is read again). Its problems are those of the version on disk."""
        found = stamp(self.root / SITE_FILE)
        if found == self.stamp:
            return False
        read = read_site(self.root, self.base_url)
        self.stamp = found  # only now: a read that raised is tried again by the next refresh
        self.problems = read.problems
        if not read.clean or read.site is None:
            for problem in read.problems:
                log.warning("%s", problem.format())
            return False
        self._keep(read)
        if read.site == self.site:
            return False
        self.site = read.site
        return True
