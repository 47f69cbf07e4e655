"""Read the dates authors write, in whatever form dateutil understands.

The rules, documented in the README:
- a date with no zone is in the site's time zone;
- a date must name its year, month and day; nothing is filled in from today;
- numeric dates such as 03/04/2025 are month first unless the site sets
  `day_first: true`; ISO dates (2025-04-03) are always year-month-day;
- a wall-clock time that does not exist (skipped by a DST change) moves
  forward by the gap, with a warning; one that happens twice is the first;
- a zone may be written as a UTC offset (-04:00, -0400) or as one of the
  abbreviations in `zones.ZONES`, in any letter case. Each stands for one fixed
  offset, whatever the date: EST is -05:00 even in July.

  The abbreviations in `zones.AMBIGUOUS` are each in common use for several
  zones; a date naming one is an error that lists what it could mean,
  never a guess.

  Any other name where dateutil expects a zone (`2025-10-16 10:00 XYZ`) is
  an error too. PST, MST and EST are read as the US zones on purpose, though
  PST is also Philippine Standard Time (+08:00), MST has been used for
  Malaysia (+08:00) and EST for eastern Australia (now AEST): the US meaning
  is the one in wide use, and sites elsewhere write an offset.

  An offset written after UTC or GMT (`UTC+3`) is an error: people mean
  +03:00 by it, POSIX zone strings (and dateutil) mean -03:00. A zone name
  in parentheses after an offset, as in email dates (`-0400 (EDT)`), is a
  comment: the offset is used, and must agree with the name if the name is
  in one of the tables in `zones`.
- a date's year (as written) is between `FIRST_YEAR` and `LAST_YEAR`, 1800 to
  2999: far enough back for a digitised archive, and every id and feed date
  keeps a four-digit year; 9999-12-31 23:00 in New York would not even fit in
  a datetime once in UTC. A date of over `MAX_LENGTH` characters is refused
  before any parser sees it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dateutil import parser, tz

from feedsvc.zones import AMBIGUOUS, FIXED, ZONE_WORD, ZONES, hours

# Two defaults that differ in year, month and day: a field the text does not
# name comes out differently from each, which is how a partial date shows.
_PROBE_A = datetime(1904, 1, 1)  # noqa: DTZ001 - defaults for naive parsing
_PROBE_B = datetime(1908, 2, 2)  # noqa: DTZ001


_ISO_START = re.compile(r"\d{4}-\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")

# "UTC+3": people mean +03:00, dateutil (like POSIX) reads -03:00; "UTC +3" it reads as UTC.
_UTC_PLUS = re.compile(r"(?<![A-Za-z])(UTC|GMT|UT|Z)\s*([+-])\s*(\d{1,2}):?(\d{2})?", re.IGNORECASE)


FIRST_YEAR, LAST_YEAR = 1800, 2999  # the plausible years (README, "Dates")
MAX_LENGTH = 80  # characters; the longest form people write is about 55


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
    if len(text) > MAX_LENGTH:
        raise DateError(f"the date is {len(text):,} characters long, too long for a date", EXAMPLE)
    first = _iso(text) or _dateutil(text, day_first)
    if not FIRST_YEAR <= first.year <= LAST_YEAR:
        raise DateError(
            f"'{text}' is in the year {first.year}, outside {FIRST_YEAR} to {LAST_YEAR}",
            "check the year: " + EXAMPLE,
        )
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
    zone = _ZoneSeen()
    first, second = _probes(text, day_first, zone)
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
    if zone.name is None and zone.offset is None:
        return first
    return first.replace(tzinfo=_zone(text, zone.name, zone.offset, first))


def _probes(text: str, day_first: bool, zone: _ZoneSeen) -> tuple[datetime, datetime]:
    """The text read with each default, its zone (if any) told to `zone`."""
    try:
        return _read(text, day_first, zone)
    except _UNREADABLE:
        # dateutil takes a zone name in upper case only: "pst" is one once it is "PST".
        upper = ZONE_WORD.sub(_upper, text)
        if upper != text:
            with contextlib.suppress(*_UNREADABLE):
                return _read(upper, day_first, zone)
    raise DateError(f"'{text}' is not a date", EXAMPLE)


# What dateutil raises for text it cannot read: OverflowError for a year such as
# 99999999999, TypeError for some mixes of words and numbers.
_UNREADABLE = (ValueError, OverflowError, TypeError)


def _read(text: str, day_first: bool, zone: _ZoneSeen) -> tuple[datetime, datetime]:
    """dateutil's two readings, naive; the second one skips the zone."""
    # A callable `tzinfos` hears of every zone dateutil finds, so dateutil never
    # guesses one (from the machine's own zone names) nor warns of one it does not know.
    first = parser.parse(text, default=_PROBE_A, dayfirst=day_first, tzinfos=zone)
    second = parser.parse(text, default=_PROBE_B, dayfirst=day_first, ignoretz=True)
    return first, second


def _upper(word: re.Match[str]) -> str:
    """A zone abbreviation in upper case, the only case dateutil takes it in."""
    return word[0].upper()


class _ZoneSeen:
    """The `tzinfos` for dateutil: notes the zone name and offset it found, decides nothing."""

    __slots__ = ("name", "offset")

    def __init__(self) -> None:
        self.name: str | None = None
        self.offset: int | None = None

    def __call__(self, name: str | None, offset: int | None) -> None:
        """Called once per parse, with (None, None) when the text has no zone."""
        self.name, self.offset = name, offset


def _zone(text: str, name: str | None, offset: int | None, wall: datetime) -> tzinfo:
    """The zone of a text from the name and offset (seconds) dateutil found in it."""
    if offset is not None:
        return _offset_zone(text, name, timedelta(seconds=offset), wall)
    assert name is not None  # dateutil reports an offset, a name or both
    if name in FIXED:
        return FIXED[name]
    if name in AMBIGUOUS:
        meanings = AMBIGUOUS[name]
        listed = [f"{_hhmm(meaning)} ({where})" for meaning, where in meanings]
        raise DateError(
            f"'{text}' names the zone {name}, which could mean "
            + ", ".join(listed[:-1])
            + f" or {listed[-1]}",
            f"write the UTC offset instead, e.g. {_example(wall, meanings[0][0])}",
        )
    raise DateError(
        f"'{text}' names an unknown time zone '{name}'",
        f"write its UTC offset instead, e.g. {_example(wall, hours(-8))}, "
        "or a zone from the README's table (UTC, EST, PST, CET…)",
    )


def _offset_zone(text: str, name: str | None, offset: timedelta, wall: datetime) -> tzinfo:
    """A numeric offset; refused if written after UTC or contradicting its named zone."""
    if abs(offset) >= timedelta(hours=24):  # `timezone` refuses it; so do RFC 3339 and 822
        raise DateError(
            f"'{text}' has the offset {_hhmm(offset)}, more than a day",
            f"write an offset between -23:59 and +23:59, e.g. {_example(wall, hours(-5))}",
        )
    written = _UTC_PLUS.search(text)
    if written and (int(written[3]) or int(written[4] or 0)):
        meant = hours(int(written[3]), int(written[4] or 0))
        if written[2] == "-":
            meant = -meant
        raise DateError(
            f"'{text}' puts an offset after {written[1].upper()}, "
            f"which people read as {_hhmm(meant)} and POSIX zone strings as {_hhmm(-meant)}",
            f"write the offset alone, e.g. {_example(wall, meant)}",
        )
    # A name we do not know ("-0300 (BRST)") is only a comment; one we know must agree.
    if name is not None and (name in ZONES or name in AMBIGUOUS):
        meanings = [ZONES[name]] if name in ZONES else [m for m, _ in AMBIGUOUS[name]]
        if offset not in meanings:
            raise DateError(
                f"'{text}' names the zone {name} ({' or '.join(map(_hhmm, meanings))}) "
                f"but its offset reads as {_hhmm(offset)}",
                f"write only the UTC offset, e.g. {_example(wall, meanings[0])}",
            )
    return UTC if not offset else timezone(offset)


def _hhmm(offset: timedelta) -> str:
    """An offset as +05:30 or -08:00."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _example(wall: datetime, offset: timedelta) -> str:
    """The author's wall-clock time with `offset`, as an ISO date to copy."""
    when = f"{wall:%Y-%m-%d %H:%M:%S}" if wall.second else f"{wall:%Y-%m-%d %H:%M}"
    return f"{when} {_hhmm(offset)}"
