"""Readers for single front-matter values: each returns a clean value or raises `FieldError`.

Kept apart from the file reading in `documents` so that each rule is a small
function with one message and one fix, easy to test in a table.
"""

from __future__ import annotations

import difflib
import re
import reprlib
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from feedsvc.model import Problem, RelatedLink, warning
from feedsvc.names import slugify
from feedsvc.settings import parse_size
from feedsvc.urls import web_parts


class FieldError(ValueError):
    """A value that cannot be used as written, with how to write it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_SLUG = re.compile(r"^[^\W_]+(?:[-_][^\W_]+)*$")
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
SLUG_MAX = 200  # characters: a slug is a URL path segment, and messages quote it
URI_MAX = 500  # characters of an `id`, for the same reasons
EXCERPT = 60  # characters of a value that a message quotes at most
UNKNOWN_SHOWN = 20  # unknown fields warned of one by one; the rest in one warning
# C0 controls and DEL are never part of an address (RFC 3986, RFC 5322), and most of them
# cannot be written in XML at all: one in an id or a link would fail every feed showing it.
_NOT_IN_ADDRESS = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 cannot carry at all (controls but tab and line ends, lone surrogates,
# U+FFFE, U+FFFF): a feed would drop it, or refuse to be written.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A bounded repr for values that are not text: never the whole of a huge list.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 2, 4, 4
_REPR.maxstring = _REPR.maxother = EXCERPT


def excerpt(value: object) -> str:
    """A value as a message quotes it: at most `EXCERPT` characters on one line, cut with
    '…'. A message never embeds a whole value, which may be a megabyte long."""
    shown = value if isinstance(value, str) else _REPR.repr(value)
    shown = " ".join(shown[: EXCERPT * 4].split())
    return shown if len(shown) <= EXCERPT else shown[: EXCERPT - 1] + "…"


def text(value: object, name: str) -> str:
    """A non-empty line of text; numbers are taken as written (`title: 1984`)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(f"'{name}' must be text", f"write {name}: followed by plain text")
    # What no feed can carry is dropped, as from bodies: a title of only that is empty.
    result = _NOT_XML.sub("", str(value)).strip()
    if not result:
        raise FieldError(f"'{name}' is empty", f"give the {name} some text, or remove the line")
    return result


def text_list(value: object, name: str) -> tuple[str, ...]:
    """A list of texts; a single text (`tags: rail, city`) is split on commas."""
    if isinstance(value, str):
        items: list[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise FieldError(f"'{name}' must be a list", f"write {name}: [first, second]")
    return tuple(dict.fromkeys(sys.intern(text(item, name)) for item in items))


def slug(value: object, name: str = "slug") -> str:
    """A URL-safe slug: letters and digits (any script) joined by '-' or '_'."""
    result = text(value, name)
    if len(result) > SLUG_MAX:
        raise FieldError(
            f"the {name} '{excerpt(result)}' is {len(result):,} characters long",
            f"use a short slug of at most {SLUG_MAX} characters",
        )
    if not _SLUG.match(result):
        suggestion = slugify(result) or "my-article"
        raise FieldError(
            f"'{excerpt(result)}' is not a valid {name}",
            f"use letters, digits and hyphens only, e.g. '{suggestion}'",
        )
    return result


def slug_list(value: object, name: str) -> tuple[str, ...]:
    """A slug, or a list of slugs (for `author` and `aliases`)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise FieldError(f"'{name}' is an empty list", f"name at least one {name}")
    return tuple(dict.fromkeys(sys.intern(slug(item, name)) for item in items))


def reference(value: object, name: str) -> str:
    """How an article names an author: a slug in any case, or the author's name
    (`rules` resolves it); only its length is checked here."""
    result = " ".join(text(value, name).split())
    if len(result) > SLUG_MAX:
        raise FieldError(
            f"the {name} '{excerpt(result)}' is {len(result):,} characters long",
            f"name the author by their slug, of at most {SLUG_MAX} characters",
        )
    return sys.intern(result)


def reference_list(value: object, name: str) -> tuple[str, ...]:
    """An author reference, or a list of them (`author`, `authors`)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise FieldError(f"'{name}' is an empty list", f"name at least one {name}")
    return tuple(dict.fromkeys(reference(item, name) for item in items))


def flag(value: object, name: str) -> bool:
    """A yes/no value."""
    if not isinstance(value, bool):
        raise FieldError(f"'{name}' must be true or false", f"write {name}: true")
    return value


def address(value: object, name: str) -> str:
    """Text that is an address of some kind (a URL, a path, an id, an e-mail address):
    without control characters or others no feed can carry, which no address has: one
    dropped would make another address."""
    found = _NOT_IN_ADDRESS.search(value.strip()) if isinstance(value, str) else None
    if found:
        code = ord(found[0])
        what = "an invisible control character" if code <= 0x7F else "a character no feed can carry"
        raise FieldError(
            f"'{name}' contains {what} (U+{code:04X})", f"retype the {name} without it"
        )
    return text(value, name)


def web_url(value: object, name: str) -> str:
    """An absolute http(s) URL."""
    result = address(value, name)
    try:
        parts = web_parts(result)
    except ValueError:  # a host that is not one: `https://[oops/`
        raise FieldError(
            f"'{name}' has no valid host: '{excerpt(result)}'",
            "check the host: '[' and ']' only enclose an IPv6 address, and a port is a "
            "number up to 65535",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError(
            f"'{name}' is not an absolute web address: '{excerpt(result)}'",
            "write the full address, starting with https://",
        )
    return result


def link(value: object, name: str) -> str:
    """An absolute http(s) URL or a path on the site (`/static/logo.png`)."""
    result = address(value, name)
    if result.startswith("/") and not result.startswith("//"):
        return result
    return web_url(result, name)


def uri(value: object, name: str) -> str:
    """An absolute URI of any scheme, as an Atom id must be (RFC 4287 §4.2.6)."""
    result = address(value, name)
    if len(result) > URI_MAX:
        raise FieldError(
            f"'{name}' is {len(result):,} characters long",
            f"use an id of at most {URI_MAX} characters, or remove the line",
        )
    if not _URI_SCHEME.match(result):
        raise FieldError(
            f"'{name}' is not an absolute URI: '{excerpt(result)}'",
            "use a full URI such as tag:news.example.org,2025-10-16:my-article, "
            "or remove the line to let feedsvc make one",
        )
    return result


def email(value: object, name: str = "email") -> str:
    """An e-mail address (only its shape is checked)."""
    result = address(value, name)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", result):
        raise FieldError(
            f"'{excerpt(result)}' is not an e-mail address", "write it as name@example.org"
        )
    return result


def size(value: object, name: str, least: int = 1) -> int:
    """A size in bytes: a whole number, or one with K, M or G (`2M`; powers of 1024)."""
    hint = f"write a number of bytes, or one with K, M or G: {name}: 2M"
    try:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(name)
        result = value if isinstance(value, int) else parse_size(value)
    except ValueError:
        raise FieldError(f"'{name}' must be a size in bytes", hint) from None
    if result < least:
        raise FieldError(f"'{name}' must be at least {least:,} bytes", hint)
    return result


def related(value: object) -> tuple[RelatedLink, ...]:
    """`related`: a list of slugs, absolute URLs, or `{slug}` / `{url, title}` mappings."""
    items = value if isinstance(value, list) else [value]
    return tuple(_related_item(item) for item in items)


def _related_slug(value: object) -> str:
    """A related article's slug. Text that cannot be a slug (`john bolton indicted`) is a
    typo like any slug that names no article: the rules warn of it, with the closest slug,
    and leave the link out, so the article still publishes."""
    written = text(value, "related")
    try:
        return sys.intern(slug(written, "related"))
    except FieldError:
        return excerpt(written)


def _related_item(item: object) -> RelatedLink:
    """One entry of `related`."""
    if isinstance(item, str):
        if "://" in item:
            return RelatedLink(url=web_url(item, "related"))
        return RelatedLink(slug=_related_slug(item))
    if isinstance(item, dict):
        unknown = set(item) - {"slug", "url", "title"}
        if unknown or ("slug" in item) == ("url" in item):
            raise FieldError(
                f"a 'related' entry needs either 'slug' or 'url': {excerpt(item)}",
                "write '- slug: other-article' or '- url: https://…' with 'title: …'",
            )
        title = text(item["title"], "related title") if "title" in item else None
        if "slug" in item:
            return RelatedLink(slug=_related_slug(item["slug"]), title=title)
        return RelatedLink(url=web_url(item["url"], "related"), title=title)
    raise FieldError(
        f"a 'related' entry must be a slug, a URL or a mapping, not {excerpt(item)}",
        "write '- other-article-slug' or '- url: https://…'",
    )


def unknown(
    rel: str,
    data: Mapping[str, Any],
    lines: Mapping[str, int],
    known: Iterable[str],
    quiet: Iterable[str] = (),
) -> list[Problem]:
    """A warning for each field nobody reads: usually a typo, so the closest name is
    suggested. `quiet` fields are not read and not warned of either."""
    names = list(known)
    skipped = {*names, *quiet}
    strangers = [str(key) for key in data if key not in skipped]
    problems = []
    for key in strangers[:UNKNOWN_SHOWN]:
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(names)}"
        problems.append(warning(rel, lines.get(key, 1), f"unknown field '{excerpt(key)}'", hint))
    if len(strangers) > UNKNOWN_SHOWN:  # a pasted table, say: one warning, not thousands
        more = strangers[UNKNOWN_SHOWN:]
        problems.append(
            warning(
                rel,
                lines.get(more[0], 1),
                f"{len(more):,} more unknown fields",
                f"known fields: {', '.join(names)}",
            )
        )
    return problems
