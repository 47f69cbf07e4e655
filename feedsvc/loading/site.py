"""`site.yaml`: the site's settings, read through a per-setting table.

It is content, re-read live like any file. Only what cannot be defaulted (the
site's `url`) keeps a site from starting; any other problem is reported, its
setting takes its default at a first start, and a running site keeps its last
good settings until the file is fixed (`live`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import idna
import yaml
from dateutil import tz

from feedsvc.loading import fields
from feedsvc.loading.discover import MAX_FILE_SIZE, SITE_FILE
from feedsvc.loading.fields import FieldError, excerpt
from feedsvc.loading.frontmatter import aliased
from feedsvc.loading.source import Unreadable, read_source
from feedsvc.model import Problem, Severity, Site, error, warning
from feedsvc.urls import Urls

BASE_URL_VAR = "FEEDSVC_BASE_URL"

log = logging.getLogger(__name__)

_BUG = "an error in feedsvc, logged for its maintainers: write the value another way"

# An IANA zone name (`Europe/Paris`, `Etc/GMT+3`) or a POSIX TZ string (`EST5EDT`): never
# a file path, which dateutil would read.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")


class SiteError(Exception):
    """`site.yaml` is missing or has no usable `url`: nothing can be served without it."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("\n".join(p.format() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class SiteRead:
    """What `site.yaml` gave: the settings (None if unusable) and its problems."""

    site: Site | None
    problems: tuple[Problem, ...]

    @property
    def clean(self) -> bool:
        """No errors: a running site may take these settings."""
        return self.site is not None and all(p.severity is Severity.WARNING for p in self.problems)


def load_site(root: Path, base_url: str | None = None) -> Site:
    """The settings, defaults standing in for unusable values; `SiteError` if there is no url."""
    read = read_site(root, base_url)
    if read.site is None:
        raise SiteError(read.problems)
    return read.site


def read_site(root: Path, base_url: str | None = None) -> SiteRead:
    """Read `site.yaml`; `base_url` (`FEEDSVC_BASE_URL`) replaces its `url` in links."""
    data, lines, problem = _yaml(root)
    if problem is not None:
        return SiteRead(None, (problem,))
    problems = fields.unknown(SITE_FILE, data, lines, SETTINGS)
    values: dict[str, Any] = {}
    for name, (reader, default) in SETTINGS.items():
        line = lines.get(name, 1)
        if name not in data:
            values[name] = default
            continue
        try:
            values[name] = reader(data[name])
        except FieldError as failed:
            values[name] = default
            problems.append(error(SITE_FILE, line, failed.message, failed.hint, name))
        except Exception:  # a bug, never a reason to stop a site: the setting's error
            log.exception("reading the setting %r of %s failed", name, SITE_FILE)
            values[name] = default
            problems.append(error(SITE_FILE, line, f"reading '{name}' failed", _BUG, name))
    own_url = values["url"]
    if own_url is None:
        if not any(p.field == "url" for p in problems):
            problems.append(error(SITE_FILE, 1, "'url' is missing", "add 'url: https://…'"))
        return SiteRead(None, tuple(problems))
    host = _host(own_url)
    if values["id_authority"] is None:
        values["id_authority"] = host
        problems.append(
            warning(
                SITE_FILE,
                1,
                f"'id_authority' is not set: article ids use '{host}', the host of 'url'",
                f"add 'id_authority: {host}' to pin it; until then, moving the site to "
                "another host changes every article's id",
                "id_authority",
            )
        )
    if values["title"] is None:
        values["title"] = host
        problems.append(
            warning(
                SITE_FILE, 1, f"'title' is missing; the site is called '{host}'", "add 'title: …'"
            )
        )
    values["url"] = base_url or own_url
    urls = Urls(values["url"])
    for key in ("logo", "icon"):
        if values[key]:
            values[key] = urls.absolute(values[key])
    values["timezone_name"] = values["timezone"]
    values["timezone"] = tz.gettz(values["timezone"])
    return SiteRead(Site(**values), tuple(problems))


def _yaml(root: Path) -> tuple[dict[str, Any], dict[str, int], Problem | None]:
    """The file's settings and the line of each, or the problem reading it."""
    path = root / SITE_FILE
    try:
        # Read like any content file: never a FIFO, a device or a link out of the folder.
        text = read_source(root, SITE_FILE, MAX_FILE_SIZE).decode("utf-8-sig")
        loader = yaml.CSafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and (shared := aliased(node)) is not None:
                at = shared.start_mark.line + 1
                return {}, {}, error(SITE_FILE, at, "it uses a YAML alias (*…)", "write values out")
            data = loader.construct_document(node) if node else {}
        finally:
            loader.dispose()
    except Unreadable as failed:
        if not path.exists() and not path.is_symlink():
            missing = f"no {SITE_FILE} in {root}"
            return {}, {}, error(SITE_FILE, 1, missing, "create it; see the README")
        return {}, {}, error(SITE_FILE, 1, failed.message, failed.hint)
    # ValueError: an int of over 4,300 digits (and UnicodeDecodeError, which is one).
    except (ValueError, RecursionError, yaml.YAMLError) as failed:
        return {}, {}, _not_yaml(failed)
    if not isinstance(data, dict):
        return {}, {}, error(SITE_FILE, 1, "it is not a list of settings", "see the README")
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value} if node else {}
    return {str(k): v for k, v in data.items()}, lines, None


def _not_yaml(failed: Exception) -> Problem:
    """Why site.yaml is no YAML, at the line where it goes wrong if the parser knows it."""
    if isinstance(failed, yaml.MarkedYAMLError):
        mark = failed.problem_mark or failed.context_mark
        return error(
            SITE_FILE,
            mark.line + 1 if mark else 1,
            f"not valid YAML: {excerpt(failed.problem or 'invalid YAML')}",
            "check this line: quote values that contain ': ' or start with a special character",
        )
    return error(SITE_FILE, 1, f"cannot read it: {excerpt(str(failed))}", "fix the YAML")


def _host(url: str) -> str:
    """A URL's host as an id authority: lower case, IDNA, no port, no final dot."""
    return _domain(urlsplit(url).hostname or "")


def _domain(host: str) -> str:
    """A host name in the one form ids use: lower case, IDNA, without the final dot of a
    fully qualified name, so that each way of writing a host gives the same ids.

    IDNA 2008 as browsers apply it (UTS #46, non-transitional): `faß.de` is the domain
    `xn--fa-hia.de`, which Python's own codec (IDNA 2003) turns into `fass.de`, a domain
    someone else may own. A host IDNA 2008 refuses (an emoji) keeps IDNA 2003's form.
    """
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _site_url(value: object) -> str:
    """The public base URL, always ending with '/'."""
    url = fields.web_url(value, "url")
    return url if url.endswith("/") else url + "/"


def _language(value: object) -> str:
    """A language tag such as `en` or `en-us` (RSS 2.0 `<language>`)."""
    result = fields.text(value, "language")
    parts = result.split("-")
    if not (
        result.isascii()
        and parts[0].isalpha()
        and 2 <= len(parts[0]) <= 3
        and all(p.isalnum() for p in parts)
    ):
        raise FieldError(f"'{result}' is not a language tag", "write a tag such as en or en-us")
    return result.lower()


def _timezone(value: object) -> str:
    """An IANA time zone name that this machine knows."""
    result = fields.text(value, "timezone")
    try:
        zone = tz.gettz(result) if len(result) <= 64 and _ZONE_NAME.fullmatch(result) else None
        for month in (1, 7) if zone else ():  # `ABC+30`: a zone, but no offset a date can have
            datetime(2000, month, 1, tzinfo=zone).utcoffset()
    except (ValueError, OSError, OverflowError):  # not a zone dateutil can read and use
        zone = None
    if zone is None:
        raise FieldError(
            f"unknown time zone '{excerpt(result)}'", "use an IANA name such as Europe/Paris or UTC"
        )
    return result


def _authority(value: object) -> str:
    """The domain in `tag:` ids: a bare host name, fixed for the site's life."""
    result = _domain(fields.text(value, "id_authority"))
    if not result.isascii() or not all(
        part.replace("-", "").isalnum() for part in result.split(".")
    ):
        raise FieldError(
            f"'{result}' is not a domain name",
            "write the site's domain alone, e.g. news.example.org (no https://, no path)",
        )
    return result


def _positive(name: str) -> Callable[[object], int]:
    """A reader of a whole number of at least 1."""

    def read(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
            raise FieldError(f"'{name}' must be a whole number of at least 1", f"write {name}: 50")
        return value

    return read


def _file_size(value: object) -> int:
    """`max_file_size`: bytes a content file may have, from 1 KiB to 1 GiB."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 2**30:
        raise FieldError(
            "'max_file_size' must be a number of bytes from 1024 to 1073741824",
            f"write max_file_size: {MAX_FILE_SIZE} (1 MiB, the default)",
        )
    return value


# Each setting: its reader (a value → the clean value, or FieldError) and its default.
SETTINGS: dict[str, tuple[Callable[[object], Any], Any]] = {
    "title": (lambda v: fields.text(v, "title"), None),  # None: the url's host, with a warning
    "description": (lambda v: fields.text(v, "description"), ""),
    "url": (_site_url, None),  # None: the site cannot start
    "language": (_language, "en"),
    "timezone": (_timezone, "UTC"),
    "id_authority": (_authority, None),  # None: the url's host, with a warning
    "feed_size": (_positive("feed_size"), 50),
    "feed_max_bytes": (lambda v: fields.size(v, "feed_max_bytes", least=2**10), 2 * 2**20),
    "ttl": (_positive("ttl"), 5),
    "day_first": (lambda v: fields.flag(v, "day_first"), False),
    "logo": (lambda v: fields.link(v, "logo"), None),
    "icon": (lambda v: fields.link(v, "icon"), None),
    "copyright": (lambda v: fields.text(v, "copyright"), None),
    "max_file_size": (_file_size, MAX_FILE_SIZE),
    # The author of articles that name none (Hugo sites set one for the whole site): a
    # slug or a name, resolved as an article's `author` is.
    "author": (lambda v: fields.reference(v, "author"), None),
}
