"""Read the dates authors write, in whatever form dateutil understands.

The rules, documented in the README:
- a date with no zone is in the site's time zone;
- a date must name its year, month and day; nothing is filled in from today;
- numeric dates such as 03/04/2025 are month first unless the site sets
  `day_first: true`; ISO dates (2025-04-03) are always year-month-day;
- a wall-clock time that does not exist (skipped by a DST change) moves
  forward by the gap, with a warning; one that happens twice is the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from dateutil import parser, tz

# Two defaults that differ in year, month and day: a field the text does not
# name comes out differently from each, which is how a partial date shows.
_PROBE_A = datetime(1904, 1, 1)  # noqa: DTZ001 - defaults for naive parsing
_PROBE_B = datetime(1908, 2, 2)  # noqa: DTZ001


_ISO_START = re.compile(r"\d{4}-\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")


class DateError(ValueError):
    """The text is not a complete date; `hint` says how to write one."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class ParsedDate:
    """An aware UTC datetime, plus a warning when the text needed a correction."""

    value: datetime
    warning: str | None = None


EXAMPLE = "write it as 2025-10-16, 2025-10-16T14:30:00-04:00 or 'Oct 16, 2025 2:30 PM'"


def parse_date(text: object, zone: tzinfo, *, day_first: bool = False) -> ParsedDate:
    """Parse an author's date; naive ones are in `zone`. Raise `DateError` if unusable."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        raise DateError("the date is not text", EXAMPLE)
    text = str(text).strip()
    first = _iso(text) or _dateutil(text, day_first)
    if first.tzinfo is not None:
        return ParsedDate(first.astimezone(UTC))
    local = first.replace(tzinfo=zone)
    if not tz.datetime_exists(local):
        moved = tz.resolve_imaginary(local)
        return ParsedDate(
            moved.astimezone(UTC),
            f"'{text}' does not exist in the site's time zone (clocks skip it); "
            f"read as {moved:%Y-%m-%d %H:%M %z}",
        )
    return ParsedDate(local.astimezone(UTC))


def _iso(text: str) -> datetime | None:
    """The common case, a full ISO 8601 date, read without dateutil's heavier parser."""
    if not _ISO_DATE.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None  # e.g. "2025-10-16 16:05 -0400": dateutil reads it


def _dateutil(text: str, day_first: bool) -> datetime:
    """Any form dateutil reads; refuse one that lacks its year, month or day."""
    # dateutil would read 2025-03-04 as 3 April with dayfirst; ISO order is fixed.
    day_first = day_first and not _ISO_START.match(text)
    try:
        first = parser.parse(text, default=_PROBE_A, dayfirst=day_first)
        second = parser.parse(text, default=_PROBE_B, dayfirst=day_first)
    except (ValueError, OverflowError):
        raise DateError(f"'{text}' is not a date", EXAMPLE) from None
    missing = [
        name
        for name, a, b in (
            ("year", first.year, second.year),
            ("month", first.month, second.month),
            ("day", first.day, second.day),
        )
        if a != b
    ]
    if missing:
        raise DateError(
            f"'{text}' has no {' or '.join(missing)}",
            "give the full date: " + EXAMPLE,
        )
    return first
