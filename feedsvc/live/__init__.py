"""Live content: the state being served (`state`) and the thread that follows the folder
(`watcher`)."""

from __future__ import annotations

from feedsvc.live.state import Library, utc_now
from feedsvc.live.watcher import Watcher

__all__ = ["Library", "Watcher", "utc_now"]
