"""Publishing rules: what the public sees at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import SAMPLE, WriteFile
from feedsvc.catalog import Catalog, Link, build_catalog
from feedsvc.loading import load

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def catalog_of(root: Path, now: datetime = NOW) -> Catalog:
    """Load a folder and index it as of `now`."""
    loaded = load(root)
    return build_catalog(loaded.site, loaded.authors, loaded.articles, now, loaded.body)


def test_newest_first_without_drafts_or_scheduled() -> None:
    """Published articles are newest first; drafts and future ones are held apart."""
    catalog = catalog_of(SAMPLE)
    dates = [a.published for a in catalog.articles]
    assert dates == sorted(dates, reverse=True)
    assert [a.slug for a in catalog.drafts] == ["harbor-seawall-council-vote"]
    assert [a.slug for a in catalog.scheduled] == ["harbor-tricentennial-festival"]
    hidden = {"harbor-seawall-council-vote", "harbor-tricentennial-festival"}
    assert hidden.isdisjoint(catalog.by_slug)
    assert all(hidden.isdisjoint(a.slug for a in v) for v in catalog.by_author.values())


def test_scheduled_article_goes_live_at_its_time() -> None:
    """At its publication time a scheduled article joins the catalog, first in line."""
    before = catalog_of(SAMPLE)
    assert before.next_release == datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
    after = catalog_of(SAMPLE, before.next_release)
    assert after.articles[0].slug == "harbor-tricentennial-festival"
    assert after.next_release is None
    assert after.by_author["s-lindqvist"][0].slug == "harbor-tricentennial-festival"


def test_indexes_by_author_and_tag() -> None:
    """Co-authored articles appear under each author; tags index articles."""
    catalog = catalog_of(SAMPLE)
    garden = catalog.by_slug["community-garden-harvest"]
    assert garden in catalog.by_author["m-okafor"]
    assert garden in catalog.by_author["s-lindqvist"]
    assert catalog.by_slug["trump-putin-budapest-summit"] in catalog.by_tag["diplomacy"]


def test_related_links_resolve_with_titles() -> None:
    """Slugs become the target's page and title; external links keep their own title."""
    catalog = catalog_of(SAMPLE)
    assert catalog.related(catalog.by_slug["trump-putin-budapest-summit"]) == (
        Link(
            "https://news.example.org/articles/john-bolton-indicted/",
            catalog.by_slug["john-bolton-indicted"].title,
        ),
    )
    assert catalog.related(catalog.by_slug["science-museum-tides-exhibit"]) == (
        Link("https://tidesandcurrents.noaa.gov/", "NOAA Tides & Currents"),
    )


def test_related_link_to_unpublished_article_waits(write: WriteFile, content: Path) -> None:
    """A link to a future article is omitted until that article is published."""
    write(
        "2025/zz-teaser.md",
        """
        ---
        title: Teaser
        author: j-williams
        date: 2025-12-01
        related: [harbor-tricentennial-festival, harbor-seawall-council-vote, new-rail-timetable]
        ---
        Soon.
        """,
    )
    now = catalog_of(content)
    assert [link.url for link in now.related(now.by_slug["zz-teaser"])] == [
        "https://news.example.org/articles/regional-rail-winter-timetable/"  # via its alias
    ]
    later = catalog_of(content, datetime(2031, 6, 1, 9, tzinfo=UTC) + timedelta(seconds=1))
    assert len(later.related(later.by_slug["zz-teaser"])) == 2


def test_order_is_by_date_then_slug(write: WriteFile, content: Path) -> None:
    """Articles published at the same moment are ordered by slug; scheduled ones soonest first."""
    for slug, date in [("zz-b", "2025-12-01"), ("zz-a", "2025-12-01"), ("zz-later", "2030-01-01")]:
        write(f"2025/{slug}.md", f"---\ntitle: {slug}\nauthor: j-williams\ndate: {date}\n---\nx\n")
    catalog = catalog_of(content)
    assert [a.slug for a in catalog.articles[:2]] == ["zz-a", "zz-b"]
    assert [a.slug for a in catalog.scheduled] == ["zz-later", "harbor-tricentennial-festival"]
    assert [a.slug for a in catalog.by_author["j-williams"][:2]] == ["zz-a", "zz-b"]
