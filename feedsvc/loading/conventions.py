"""What Jekyll's and Hugo's front matter means here, beside feedsvc's own fields.

The mapping itself is a column of the per-field table (`schema.ARTICLE_FIELDS`);
this module holds what it needs: the fields that are presentation only, and the
readers of old site paths (`redirect_from`, `permalink`, Hugo's `url` and path-form
`aliases`), which must never take a path the service answers itself.
"""

from __future__ import annotations

import re
import sys

from feedsvc.loading import fields
from feedsvc.loading.fields import FieldError, address, excerpt, link, slug, text_list
from feedsvc.loading.table import FILE_DATE, Reading
from feedsvc.model import RelatedLink
from feedsvc.names import bundle_of
from feedsvc.urls import ARTICLE, KINDS, MEDIA, STATIC, is_relative, parse_feed_path, site_path

# Fields that only say how a generator lays a page out: nothing a feed has, so they
# are skipped without a word. A closed list; any other field is a warning. Not here,
# because they change what is published: Hugo's `build` and `headless` (pages never
# rendered) and Jekyll's `redirect_to` (a page that is only a redirect).
PRESENTATION = frozenset(
    {
        "layout",  # the template (both)
        "type",  # Hugo: which templates, by content type
        "weight",  # Hugo: order in lists and menus
        "toc",  # a table of contents on the page
        "markup",  # Hugo: the body's markup; bodies here are always Markdown
        "linkTitle",  # Hugo: a shorter title for menus
        "menu",  # Hugo: menu entries
        "menus",
        "sitemap",  # sitemap priority and frequency (both)
        "outputs",  # Hugo: the formats the page is rendered in
        "comments",  # Jekyll themes: the comment box
        "excerpt_separator",  # Jekyll: where a generated excerpt ends; ours is `summary`
        "keywords",  # HTML <meta> keywords
        "translationKey",  # Hugo: links translations of one page
        "resources",  # Hugo: names and titles for a bundle's files (which are served as is)
        "isCJKLanguage",  # Hugo: how words are counted for its own summaries
    }
)

# Paths the service answers itself (`http.views` and the feeds): a redirect there would
# be shadowed, or would shadow it. Anything below these prefixes counts.
_PREFIXES = tuple(
    "/" + prefix.partition("{}")[0].rstrip("/")
    for prefix in (ARTICLE, STATIC, MEDIA, *(kind for kind in KINDS.values() if kind))
)
_EXACT = frozenset({"/", "/healthz"})


def route_of(path: str) -> str | None:
    """What the service itself answers at a site path (`urls.site_path` form), if anything."""
    if path in _EXACT or parse_feed_path(path) is not None:
        return "a page or feed of feedsvc"
    for prefix in _PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return f"feedsvc's {prefix}/ pages"
    return None


# Jekyll's permalink patterns (`/:categories/:title/`) and its named styles say how the
# generator made URLs, not what an old URL was: no request could ever match one.
_PLACEHOLDER = re.compile(r"(?:^|[/._-]):[a-z_]+")
_STYLES = frozenset({"date", "pretty", "ordinal", "weekdate", "none"})


def redirect(value: object, name: str, reading: Reading) -> str | None:
    """One old site path that answers with a redirect to the article; None (with a
    warning) for a permalink pattern, which names no URL."""
    written = address(value, name)
    if _PLACEHOLDER.search(written) or written in _STYLES:
        reading.warn(
            name,
            f"'{name}': {excerpt(written)} is a permalink pattern, not an old URL: ignored",
            "list the article's old URLs in redirect_from: [/2016/03/01/tram-line.html]",
        )
        return None
    try:
        path = site_path(written)
    except ValueError:
        raise FieldError(
            f"'{name}': {excerpt(written)} has no valid host",
            "write the old path alone, such as /2016/03/01/tram-line.html",
        ) from None
    served = route_of(path)
    if served is not None:
        old_slug = path.removeprefix("/articles/")
        hint = (
            f"an old slug is an alias: write aliases: [{old_slug}]"
            if "/" not in old_slug
            else "remove it: the service answers this path itself"
        )
        raise FieldError(f"'{name}': the path {excerpt(path)} is {served}", hint)
    return sys.intern(path)


def redirects(value: object, name: str, reading: Reading) -> tuple[str, ...]:
    """`redirect_from`: one old path or a list of them; `permalink` (Jekyll) and `url`
    (Hugo): the page's old path."""
    items = value if isinstance(value, list) else [value]
    found = (redirect(item, name, reading) for item in items)
    return tuple(dict.fromkeys(path for path in found if path is not None))


def aliases(value: object, name: str, reading: Reading) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`aliases`: old slugs (feedsvc's) and old site paths (Hugo's: anything with a '/'),
    each list in order without repeats."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise FieldError(f"'{name}' is an empty list", f"name at least one {name}")
    slugs: dict[str, None] = {}
    paths: dict[str, None] = {}
    for item in items:
        if isinstance(item, str) and "/" in item:
            if (path := redirect(item, name, reading)) is not None:
                paths[path] = None
        else:
            slugs[sys.intern(slug(item, name))] = None
    return tuple(slugs), tuple(paths)


def terms(value: object, name: str, reading: Reading) -> tuple[str, ...]:
    """`tags`, `categories`, `category`. A text is split on commas (feedsvc's `tags: rail,
    city`); one with no comma on spaces where Jekyll does so: always for `categories` and
    `category`, and for `tags` in a Jekyll post (a dated file name). So Jekyll's
    `categories: release news` is two tags, and feedsvc's `tags: New York` stays one."""
    jekyll = name != "tags" or FILE_DATE in reading.implied  # a dated file name
    if isinstance(value, str) and "," not in value and jekyll:
        return text_list(value.split(), name)
    return text_list(value, name)


def related(value: object, name: str, reading: Reading) -> tuple[RelatedLink, ...]:
    """feedsvc's `related` links. A yes/no `related` is a Jekyll theme's switch for its
    own "related posts" box (Minimal Mistakes'): presentation, so no links and no word."""
    return () if isinstance(value, bool) else fields.related(value)


def image(value: object, name: str, reading: Reading) -> str:
    """The lead image: a URL or a site path; in a page bundle also a file beside it.
    Hugo's `images` is a list: its first is the lead image."""
    if isinstance(value, list):
        if not value:
            raise FieldError(f"'{name}' is an empty list", f"name an image, or remove '{name}'")
        value = value[0]
    found = address(value, name)
    if bundle_of(reading.rel) and is_relative(found):
        return found  # made a path below the article's once its slug is known
    return link(found, name)
