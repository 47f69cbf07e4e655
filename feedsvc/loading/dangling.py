"""Links that name no article: the slugs an article links to (`related` and its body), and
a warning for each one that no published article holds, with the closest slug as a hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from rapidfuzz import fuzz, process

from feedsvc.loading.tagcheck import BODY, line_key
from feedsvc.model import Article, Problem, warning
from feedsvc.textpass import MAX_NOTES

# Dangling links per live change that get a closest-slug hint: each compares with every
# slug (13 ms at 100,000 articles), and a change can leave thousands dangling (the
# deletion of an article many link to). `check` gives every one its hint.
SUGGESTIONS = 50
SIMILAR = 60  # the least similarity worth suggesting, out of 100 (difflib's cutoff, 0.6)

Line = Callable[[str, str], int]  # (path, field) → the field's line in the file's current version


def warn_dangling(
    paths: Iterable[str],
    line: Line,
    accepted: Mapping[str, Article],
    problems: dict[str, tuple[Problem, ...]],
    owner: Callable[[str], str | None],
    *,
    suggestions: int | None = SUGGESTIONS,
) -> None:
    """Warn, for each of `paths`, about `related` slugs and body links that name no
    article: no published version (`accepted`) has them, says `owner`; the warnings
    replace the ones `problems` held for the file. The first `suggestions` (None: all)
    name the closest slug."""
    known: list[str] | None = None
    hinted = 0
    for path in paths:
        article = accepted.get(path)
        before = problems.get(path)
        kept = [p for p in before if p.field not in _LINKING] if before else []
        warned = 0
        for slug, field in _targets(article) if article else ():
            if owner(slug) is not None:
                continue
            warned += 1
            if warned > MAX_NOTES:  # a body may link to thousands of slugs
                break
            hint = "use an existing article's slug, or remove the entry"
            if suggestions is None or hinted < suggestions:
                hinted += 1
                if known is None:
                    known = [s for a in accepted.values() for s in (a.slug, *a.aliases)]
                close = closest(slug.casefold(), known)
                if close:
                    hint = f"did you mean '{close}'?"
            if field == "related":
                at = line(path, "related")
                message = f"related article '{slug}' does not exist; the link is left out"
            else:
                at = line(path, line_key(slug))
                message = f"the body links to '{slug}', which is no article: shown as text"
            kept.append(warning(path, at, message, hint, field))
        if kept:
            problems[path] = tuple(kept)
        elif before:
            del problems[path]


def closest(slug: str, known: Sequence[str]) -> str | None:
    """The known slug most like `slug`, if any is like it at all; of equally close ones
    the first in sorted order, so that every process suggests the same."""
    found = process.extract(slug, known, scorer=fuzz.ratio, score_cutoff=SIMILAR, limit=None)
    return min(found, key=lambda match: (-match[1], match[0]))[0] if found else None


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
