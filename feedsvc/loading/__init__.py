"""Reading the content folder: which files (`discover`), one file (`documents`), the
site's settings (`site`), and the rules across files (`rules`).

`load` is the whole pipeline at once, for `feedsvc check` and tests; `live`
runs the same pieces file by file as the folder changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.loading.authors import distinct_authors
from feedsvc.loading.discover import is_author_file, scan
from feedsvc.loading.documents import FileRead, read_file
from feedsvc.loading.rules import Candidates, Rules
from feedsvc.loading.site import SiteError, read_site
from feedsvc.model import Article, Author, Problem, Site


@dataclass(frozen=True)
class Content:
    """Everything read from a content folder: what loaded, and what did not."""

    site: Site
    authors: Mapping[str, Author]
    articles: tuple[Article, ...]  # the version of each file that is published, by path
    problems: tuple[Problem, ...]
    bodies: Mapping[str, str] = field(default_factory=dict)  # digest → Markdown

    def body(self, article: Article) -> str:
        """An article's Markdown body."""
        return self.bodies[article.digest]


def load(root: Path, base_url: str | None = None) -> Content:
    """Load a content folder; raise `SiteError` only if `site.yaml` has no usable `url`."""
    found = read_site(root, base_url)
    if found.site is None:
        raise SiteError(found.problems)
    site = found.site
    stamps = scan(root)
    reads = [read_file(root, rel, stamps[rel], site) for rel in sorted(stamps)]
    content = assemble(site, reads)
    bodies = {r.article.digest: r.body for r in reads if r.article}
    problems = found.problems + content.problems
    return Content(site, content.authors, content.articles, problems, bodies)


def authors_of(reads: Iterable[FileRead]) -> tuple[dict[str, Author], list[Problem]]:
    """The authors that author files define, by slug, and the files that repeat a slug."""
    return distinct_authors((r.path, r.author) for r in sorted(reads, key=_path) if r.author)


def assemble(site: Site, reads: Iterable[FileRead]) -> Content:
    """Apply the rules across files to what was read."""
    reads = sorted(reads, key=_path)
    by_path = {r.path: r for r in reads}
    authors, repeated = authors_of(reads)
    rules = Rules()
    articles = {r.path: Candidates(r.article) for r in reads if not is_author_file(r.path)}
    # `check` names the closest slug for every dangling link, not only a change's first few.
    rules.update(articles, authors, lambda path, name: by_path[path].line(name), suggestions=None)
    problems = [*(p for r in reads for p in r.problems), *repeated, *rules.problems]
    published = tuple(rules.accepted[p] for p in sorted(rules.accepted))
    return Content(site, authors, published, tuple(sorted(problems)))


def _path(read: FileRead) -> str:
    return read.path
