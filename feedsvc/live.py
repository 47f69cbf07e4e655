"""The content the service is showing now: one load, and the catalog for the current moment."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from feedsvc.catalog import Catalog, build_catalog
from feedsvc.loading import Content, load

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)


class Library:
    """Holds the loaded content and hands out the catalog as of now.

    A catalog is rebuilt only when a scheduled article's time comes, so a
    request normally costs one comparison. Readers get whole catalogs: a new
    one is built aside and swapped in with a single assignment.
    """

    def __init__(
        self,
        root: Path,
        base_url: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.root = root
        self.clock = clock
        self.content: Content = load(root, base_url)
        for problem in self.content.problems:
            log.warning("%s", problem.format())
        self._catalog: Catalog | None = None

    def catalog(self) -> Catalog:
        """The catalog as the public sees it at this moment."""
        catalog, now = self._catalog, self.clock()
        if catalog is None or (catalog.next_release is not None and now >= catalog.next_release):
            content = self.content
            catalog = build_catalog(content.site, content.authors, content.articles, now)
            self._catalog = catalog
        return catalog
