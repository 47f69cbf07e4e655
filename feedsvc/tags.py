"""What the supported Liquid tags and Hugo shortcodes render to, from what is written.

Pure functions of a tag's text (and the site's `Urls`); `shortcodes` finds the
tags and decides which of these to call.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from feedsvc.urls import Urls

# A Hugo argument: `name=value` or a value, quoted "…" (with \-escapes) or `…`, or bare.
_ARGUMENT = re.compile(r'(?:([\w-]+)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|\S+)')
_ESCAPE = re.compile(r"\\(.)")
_LANGUAGE = re.compile(r"[\w+#.-]+\Z")  # what a fence's info string may carry
_BACKTICKS = re.compile(r"`+")
_LEADING_BLANK = re.compile(r"\A(?:[ \t]*\n)+")
# The output tags resolved: a site variable or a string, through the URL filters.
_VALUE = r"""site\.url|site\.baseurl|"[^"]*"|'[^']*'"""
_FILTER = rf"\|\s*(relative_url|absolute_url|prepend|append)\s*(?::\s*({_VALUE}))?\s*"
_OUTPUT = re.compile(rf"\s*({_VALUE})\s*((?:{_FILTER})*)\Z")
_FILTERS = re.compile(_FILTER)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
URL_SAFE = "/:?#[]@!$&'()*+,;=%~"  # kept as written when a URL is percent-encoded


def split(written: str) -> tuple[str, str]:
    """A tag's name and the rest."""
    parts = written.split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (written.strip(), "")


def arguments(written: str) -> tuple[list[str], dict[str, str]]:
    """A shortcode's positional and named arguments, quotes taken off."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for key, written_value in _ARGUMENT.findall(written):
        value = _unquote(written_value)
        if key:
            named[key] = value
        else:
            positional.append(value)
    return positional, named


def _unquote(value: str) -> str:
    """An argument without its quotes: "…" with its \\-escapes, or `…` as it is."""
    if len(value) > 1 and value[0] == value[-1] == '"':
        return _ESCAPE.sub(r"\1", value[1:-1])
    if len(value) > 1 and value[0] == value[-1] == "`":
        return value[1:-1]
    return value


def fence(code: str, language: str, indent: str | None) -> str:
    """Code as a fenced block, longer than any run of backticks in it; `indent` is the
    whitespace the tag's line starts with, None if the tag is not first on its line."""
    code = _LEADING_BLANK.sub("", code).rstrip()  # as Jekyll trims a highlight's edges
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    marks = "`" * max(3, longest + 1)
    language = language if _LANGUAGE.match(language) else ""
    start = "\n" if indent is None else ""  # a fence opens a line
    return f"{start}{marks}{language}\n{code}\n{indent or ''}{marks}"


def figure(named: dict[str, str]) -> str | None:
    """Hugo's `figure`: the image, maybe linked, with its title and caption (and credit)
    below; every value escaped and on one line, so the HTML is one block. None if there
    is no `src`."""
    get = {key: " ".join(value.split()) for key, value in named.items() if value.strip()}
    if "src" not in get:
        return None
    esc = html.escape
    alt = get.get("alt", get.get("caption", ""))
    size = "".join(f' {key}="{esc(get[key])}"' for key in ("width", "height") if key in get)
    image = f'<img src="{esc(get["src"])}" alt="{esc(alt)}"{size}>'
    if "link" in get:
        image = f'<a href="{esc(get["link"])}">{image}</a>'
    caption = esc(get.get("caption", ""))
    if "attr" in get:
        credit = esc(get["attr"])
        if "attrlink" in get:
            credit = f'<a href="{esc(get["attrlink"])}">{credit}</a>'
        caption = f"{caption} {credit}".strip()
    parts = [f"<h4>{esc(get['title'])}</h4>"] if "title" in get else []
    parts += [f"<p>{caption}</p>"] if caption else []
    below = f"<figcaption>{''.join(parts)}</figcaption>" if parts else ""
    return f"<figure>{image}{below}</figure>"


def output(expression: str, urls: Urls) -> str | None:
    """What a supported `{{ … }}` writes (percent-encoded, as Jekyll's URL filters do),
    or None for any other."""
    match = _OUTPUT.match(expression)
    if match is None:
        return None
    value = _value(match[1], urls)
    for name, argument in _FILTERS.findall(match[2]):
        extra = _value(argument, urls) if argument else ""
        if name == "prepend":
            value = extra + value
        elif name == "append":
            value += extra
        elif not _SCHEME.match(value):  # a URL with a scheme stays as it is
            path = "/" + value.lstrip("/")
            value = path if name == "relative_url" else urls.absolute(path)
    return quote(value, safe=URL_SAFE)


def _value(written: str, urls: Urls) -> str:
    """A string, or one of the site's variables.

    The site's URL has its sub-path and a path in content is the site's (the sub-path
    is added when it is resolved), so `site.url` is the URL without its last '/' and
    `site.baseurl` is empty: `{{ site.url }}{{ site.baseurl }}/x` and
    `{{ site.baseurl }}/x` both end up at the site's `x`.
    """
    if written == "site.url":
        return urls.base.rstrip("/")
    if written == "site.baseurl":
        return ""
    return written[1:-1]
