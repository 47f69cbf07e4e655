"""Links that name no article: the slugs an article links to (`related` and its body), and
a warning for each one that no published article holds, with the closest slug as a hint."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping

from feedsvc.loading.tagcheck import BODY, line_key
from feedsvc.model import Article, Problem, warning

SUGGESTIONS = 50  # dangling links per change that get a closest-slug hint (each scans every slug)

Line = Callable[[str, str], int]  # (path, field) → the field's line in the file's current version


def warn_dangling(
    paths: Iterable[str],
    line: Line,
    accepted: Mapping[str, Article],
    problems: dict[str, tuple[Problem, ...]],
    owner: Callable[[str], str | None],
) -> None:
    """Warn, for each of `paths`, about `related` slugs and body links that name no
    article: no published version (`accepted`) has them, says `owner`; the warnings
    replace the ones `problems` held for the file."""
    known: list[str] | None = None
    hinted = 0
    for path in paths:
        article = accepted.get(path)
        before = problems.get(path)
        kept = [p for p in before if p.field not in _LINKING] if before else []
        for slug, field in _targets(article) if article else ():
            if owner(slug) is not None:
                continue
            hint = "use an existing article's slug, or remove the entry"
            if hinted < SUGGESTIONS:
                hinted += 1
                if known is None:
                    known = [s for a in accepted.values() for s in (a.slug, *a.aliases)]
                close = difflib.get_close_matches(slug.casefold(), known, n=1)
                if close:
                    hint = f"did you mean '{close[0]}'?"
            if field == "related":
                at = line(path, "related")
                message = f"related article '{slug}' does not exist; the link is left out"
            else:
                at = line(path, line_key(slug))
                message = f"the body links to '{slug}', which is no article: the link is broken"
            kept.append(warning(path, at, message, hint, field))
        if kept:
            problems[path] = tuple(kept)
        elif before:
            del problems[path]


def linking_to(slugs: set[str], accepted: Mapping[str, Article]) -> set[str]:
    """The files whose published version links to one of `slugs`."""
    return {
        path
        for path, article in accepted.items()
        if any(slug in slugs for slug, _ in _targets(article))
    }


_LINKING = ("related", BODY)  # the fields whose warnings `warn_dangling` derives


def _targets(article: Article) -> Iterator[tuple[str, str]]:
    """The slugs an article links to, each with the field it is written in."""
    for link in article.related:
        if link.slug is not None:
            yield link.slug, "related"
    for slug in article.links:
        yield slug, BODY
