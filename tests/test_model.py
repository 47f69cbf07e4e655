"""The content model: frozen values that survive the content cache's pickling unchanged."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from feedsvc.loading.discover import scan
from feedsvc.loading.documents import read_file
from feedsvc.loading.site import load_site


def test_reads_pickle_back_equal_and_frozen(content: Path) -> None:
    """Every file's read, article, author and related link comes back equal and still frozen."""
    site = load_site(content)
    reads = [read_file(content, rel, stamp, site) for rel, stamp in sorted(scan(content).items())]
    assert any(r.author for r in reads)
    assert any(r.article and r.article.related for r in reads)
    assert any(r.problems or r.lines for r in reads)
    again = pickle.loads(pickle.dumps(reads, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == reads
    article = next(r.article for r in again if r.article and r.article.related)
    assert hash(article) == hash(next(r.article for r in reads if r.article == article))
    for value in (article, article.related[0], again[0]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, dataclasses.fields(value)[0].name, "changed")


def test_labels_are_shared_between_articles(content: Path) -> None:
    """Tags, author slugs and related slugs are one string each, however many articles use
    them: a large corpus repeats them hundreds of thousands of times."""
    site = load_site(content)
    articles = [
        read.article
        for rel, stamp in sorted(scan(content).items())
        if (read := read_file(content, rel, stamp, site)).article
    ]
    for name in ("authors", "tags"):
        values = [value for article in articles for value in getattr(article, name)]
        assert len({id(value) for value in values}) == len(set(values))
    slugs = [link.slug for article in articles for link in article.related if link.slug]
    assert len({id(slug) for slug in slugs}) == len(set(slugs))
