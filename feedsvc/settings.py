"""The process's settings: read and validated once, from `FEEDSVC_*` variables and options.

`site.yaml` is content, not settings: it is re-read live like any file (see
`loading.site`). These are what a process needs before it can read any content:
where the content is, where its cache goes, whether to follow changes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "FEEDSVC_"
DEFAULT_CONTENT = Path("articles")
DEFAULT_HEADER_TIMEOUT = 10
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything a process is told from outside the content folder."""

    content: Path = DEFAULT_CONTENT  # the content folder
    base_url: str | None = None  # the public URL, over site.yaml's `url`
    cache: Path | None = None  # the parsed-content cache folder; None: no cache
    watch: bool = True  # follow changes in the content folder
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
            for name in ("content", "base_url", "cache", "watch", "header_timeout")
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
    parts = urlsplit(url)
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


def _seconds(value: object, name: str) -> int:
    """A whole number of seconds, at least 1 (gunicorn counts them whole)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 3600:
        raise SettingsError(
            f"{name} must be a whole number of seconds from 1 to 3600, not '{value}'"
        )
    return int(text)
