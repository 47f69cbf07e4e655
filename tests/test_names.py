"""How a file's path names its article, and how site paths are compared."""

from __future__ import annotations

from datetime import date

import pytest

from feedsvc.names import FileName, bundle_of, file_name, link_slug
from feedsvc.urls import site_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("news/tram-line.md", FileName("tram-line", None, None)),
        ("news/Tram Line.markdown", FileName("tram-line", None, None)),
        ("news/tram-line/index.md", FileName("tram-line", None, None)),
        (
            "2016-03-01-tram-line.md",
            FileName("tram-line", date(2016, 3, 1), "2016-03-01-tram-line"),
        ),
        (
            "2016-03-01-tram-line/index.md",
            FileName("tram-line", date(2016, 3, 1), "2016-03-01-tram-line"),
        ),
        ("2016-13-01-tram-line.md", FileName("2016-13-01-tram-line", None, None)),  # no such day
        ("2016-03-01-.md", FileName("2016-03-01", None, None)),  # nothing after the date
        ("index.md", FileName("index", None, None)),  # the top folder is no bundle
    ],
)
def test_file_names(path: str, expected: FileName) -> None:
    assert file_name(path) == expected


def test_only_an_index_in_a_folder_is_a_bundle() -> None:
    assert bundle_of("news/tram-line/index.md") == "news/tram-line"
    assert bundle_of("news/tram-line/index.markdown") == "news/tram-line"
    assert bundle_of("news/tram-line.md") is None
    assert bundle_of("index.md") is None


@pytest.mark.parametrize(
    ("target", "slug"),
    [
        ("tram-line", "tram-line"),
        ("_posts/2016-03-01-tram-line.md", "tram-line"),
        ("2016-03-01-tram-line", "tram-line"),
        ("news/tram-line/index.md", "tram-line"),
        ("/news/tram-line/", "tram-line"),
    ],
)
def test_link_slugs(target: str, slug: str) -> None:
    assert link_slug(target) == slug


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ("/0-20-1/", "/0-20-1"),
        ("0-20-1", "/0-20-1"),
        ("/news//0-20-1/./", "/news/0-20-1"),
        ("/news/a/../b", "/news/b"),
        ("https://example.org/news/a/?q=1#top", "/news/a"),
        ("/caf%C3%A9/", "/café"),
        ("/", "/"),
        ("/../..", "/"),
    ],
)
def test_site_paths(written: str, path: str) -> None:
    assert site_path(written) == path
