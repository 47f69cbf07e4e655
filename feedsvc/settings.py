"""The process's settings: read and validated once, from `FEEDSVC_*` variables and options.

`site.yaml` is content, not settings: it is re-read live like any file (see
`loading.site`). These are what a process needs before it can read any content:
where the content is, where its cache goes, whether to follow changes, and how
many bytes of rendered feeds and pages a worker keeps.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from feedsvc.urls import web_parts

PREFIX = "FEEDSVC_"
DEFAULT_CONTENT = Path("articles")
DEFAULT_HEADER_TIMEOUT = 10
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
# Bytes of rendered entries, pages' HTML and feeds' bytes that one worker keeps (`feeds.budget`).
DEFAULT_RENDER_BUDGET = 64 * 2**20
# A size: a whole number of bytes, or with K, M or G (powers of 1024, as nginx reads them).
_SIZE = re.compile(r"(\d+)\s*([kmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything a process is told from outside the content folder."""

    content: Path = DEFAULT_CONTENT  # the content folder
    base_url: str | None = None  # the public URL, over site.yaml's `url`
    cache: Path | None = None  # the parsed-content cache folder; None: no cache
    watch: bool = True  # follow changes in the content folder
    render_budget: int = DEFAULT_RENDER_BUDGET  # bytes of rendered output a worker keeps
    # Seconds a client has to send a request's headers (and, kept alive, to start the next).
    header_timeout: int = DEFAULT_HEADER_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: object) -> Settings:
        """Settings from `FEEDSVC_*` variables, then `options` (command-line values) over them.

        Raises `SettingsError` naming the variable for a value that cannot be used.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {
            name: env[PREFIX + name.upper()]
            for name in ("content", "base_url", "cache", "watch", "render_budget", "header_timeout")
            if env.get(PREFIX + name.upper())
        }
        values.update({k: v for k, v in options.items() if v is not None})
        content = Path(str(values.get("content", DEFAULT_CONTENT)))
        cache = str(values.get("cache", "") or default_cache_dir(content))
        return cls(
            content=content,
            base_url=_base_url(values.get("base_url")),
            cache=None if cache == "off" else Path(cache),
            watch=_flag(values.get("watch", True), PREFIX + "WATCH"),
            render_budget=_render_budget(values.get("render_budget", DEFAULT_RENDER_BUDGET)),
            header_timeout=_seconds(
                values.get("header_timeout", DEFAULT_HEADER_TIMEOUT), PREFIX + "HEADER_TIMEOUT"
            ),
        )


def default_cache_dir(content: Path) -> Path:
    """Per content folder, under the user's cache directory."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha1(str(content.resolve()).encode(), usedforsecurity=False).hexdigest()
    return base / "feedsvc" / key[:16]


def _base_url(value: object) -> str | None:
    """An absolute http(s) URL, ending with '/'."""
    if value is None:
        return None
    url = str(value).strip()
    try:
        parts = web_parts(url) if url.isprintable() else urlsplit("")
    except ValueError:  # a host that is not one: `https://[oops/`
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"{PREFIX}BASE_URL is not an absolute web address: '{url}'; "
            "write the full address, e.g. https://news.example.org/"
        )
    return url if url.endswith("/") else url + "/"


def _flag(value: object, name: str) -> bool:
    """A yes/no setting written as a word."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise SettingsError(f"{name} must be 1 or 0 (or true/false), not '{value}'")


def parse_size(text: str) -> int:
    """A size in bytes as people write it: `65536`, `512K`, `64M`, `1G` (powers of 1024;
    a trailing `B` and any case are fine). Raises ValueError for anything else."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"'{text}' is not a size")
    return int(found[1]) * _UNITS[found[2].lower()]


def _render_budget(value: object) -> int:
    """FEEDSVC_RENDER_BUDGET: bytes, 0 or more (0 keeps nothing: every 200 renders again)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    try:
        return parse_size(str(value))
    except ValueError:
        raise SettingsError(
            f"{PREFIX}RENDER_BUDGET is not a size: '{value}'; "
            "write bytes, or a number with K, M or G, e.g. 64M"
        ) from None


def _seconds(value: object, name: str) -> int:
    """A whole number of seconds, at least 1 (gunicorn counts them whole)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 3600:
        raise SettingsError(
            f"{name} must be a whole number of seconds from 1 to 3600, not '{value}'"
        )
    return int(text)
