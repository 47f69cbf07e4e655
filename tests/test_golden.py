"""Golden files: the sample's feeds, byte for byte.

After an intended change in output, regenerate them with `make golden`
(FEEDSVC_UPDATE_GOLDEN=1) and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedsvc import feeds
from test_feeds import AUTHORS, catalog_of

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("FEEDSVC_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
@pytest.mark.parametrize("who", ["site", *AUTHORS])
def test_feed_matches_golden_file(who: str, fmt: str) -> None:
    """The feed's bytes equal the reviewed golden file."""
    catalog = catalog_of()
    feed = feeds.build(catalog, "site") if who == "site" else feeds.build(catalog, "author", who)
    assert feed is not None
    body = feeds.WRITERS[fmt](feed)
    path = GOLDEN / f"{who}.{fmt}.xml"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(body)
    assert body == path.read_bytes(), f"{path.name} differs; run `make golden` if intended"
