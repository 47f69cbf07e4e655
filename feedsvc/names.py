"""How a content file's path names its article: the slug, the file-name date, the old name.

One rule for the loader (which article a file is) and for links written in
bodies (`{% post_url %}`, `{{< ref >}}`), so both always agree:

- `news/tram-line.md` is `tram-line`;
- a page bundle `news/tram-line/index.md` is named by its folder, `tram-line`;
- a Jekyll-style dated name `2016-03-01-tram-line.md` is `tram-line`, dated
  2016-03-01, and its full stem `2016-03-01-tram-line` stays its old name: the
  first alias, so the article keeps the id and URL it had under that name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

EXTENSIONS = (".md", ".markdown")  # what an article or author file's name ends with
BUNDLE_INDEX = "index"  # `<name>/index.md` is the article `<name>`; the rest its media

_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


def slugify(value: str) -> str:
    """A slug made from free text: lower case, words joined by hyphens."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", value).lower())
    return "-".join(words)


def is_content_name(name: str) -> bool:
    """Whether a file name is an article's or author's (`.md` or `.markdown`)."""
    return name.endswith(EXTENSIONS)


def stem(rel: str) -> str:
    """A file's name without its extension; a bundle's index is named by its folder."""
    folder, _, name = rel.rpartition("/")
    name = stem_of_file(name)
    if name == BUNDLE_INDEX and folder:
        return folder.rpartition("/")[2]
    return name


@dataclass(frozen=True)
class FileName:
    """What an article's path says of it."""

    slug: str  # the slug it has unless its front matter sets one
    date: date | None  # from a `YYYY-MM-DD-` prefix, if it has a valid one
    old: str | None  # the full dated stem, slugified: an implicit first alias


def file_name(rel: str) -> FileName:
    """The slug, date and old name that an article's path gives it."""
    name = stem(rel)
    dated = _DATED.match(name)
    if dated:
        try:
            day = date(int(dated[1]), int(dated[2]), int(dated[3]))
        except ValueError:
            day = None
        rest = slugify(dated[4])
        if day is not None and rest:
            return FileName(rest, day, slugify(name))
    return FileName(slugify(name), None, None)


def bundle_of(rel: str) -> str | None:
    """The folder of a page bundle whose index is `rel`, or None."""
    folder, _, name = rel.rpartition("/")
    return folder if folder and stem_of_file(name) == BUNDLE_INDEX else None


def stem_of_file(name: str) -> str:
    """A file name without its content extension."""
    for extension in EXTENSIONS:
        if name.endswith(extension):
            return name[: -len(extension)]
    return name


def link_slug(target: str) -> str:
    """The slug a link in a body names, written as a slug, a file stem or a content
    path (`_posts/2016-03-01-tram-line.md`, `news/tram-line/index.md`, `tram-line`):
    the slug the named file has, so the link goes straight to the article."""
    return file_name(target.strip().strip("/")).slug
