"""gunicorn's gevent worker, booting without reading every installed package's metadata.

gevent's monkey-patching announces each module it patches to plugins, looking
them up through `importlib.metadata.entry_points` every time: 25 scans of every
installed distribution's metadata, 0.1 to 0.2 s in each worker, on the critical
path of a restart. While the worker patches, the lookup reads the metadata once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import metadata
from typing import Any

from gunicorn.workers.ggevent import GeventWorker


class Worker(GeventWorker):  # type: ignore[misc]  # gunicorn ships no types
    """`gevent` as gunicorn runs it, but for how its patching finds plugins."""

    def patch(self) -> None:
        every = metadata.entry_points()  # one scan, then selections of it
        lookup: Callable[..., Any] = metadata.entry_points

        @functools.wraps(lookup)
        def entry_points(**params: Any) -> Any:
            return every.select(**params) if params else every

        metadata.entry_points = entry_points
        try:
            super().patch()
        finally:
            metadata.entry_points = lookup
