"""What an article file offers the rules, and the keys by which two articles collide."""

from __future__ import annotations

from feedsvc.model import Article


class Candidates:
    """What an article file offers: its current version (None if broken) and its last good one."""

    __slots__ = ("current", "good", "versions")

    def __init__(self, current: Article | None, good: Article | None = None) -> None:
        self.current, self.good = current, good
        found = [] if current is None else [current]
        # The same text is the same version (a last good one may differ only by the
        # author slugs the rules resolved in it).
        if (
            good is not None
            and good != current
            and (current is None or good.digest != current.digest)
        ):
            found.append(good)
        self.versions: tuple[Article, ...] = tuple(found)  # in the order they are tried


def article_keys(article: Article) -> tuple[str, ...]:
    """What no two articles may share: slug, aliases, id and old site paths, each once
    (an alias may repeat the article's own slug). A path is its own key: it starts with
    '/', which neither a slug nor an id (an absolute URI) can."""
    return tuple(dict.fromkeys((article.slug, *article.aliases, article.id, *article.redirects)))


def holds(article: Article, key: str) -> bool:
    """Whether `key` is one of the article's keys."""
    return key in (article.slug, article.id) or key in article.aliases or key in article.redirects
