"""How authors' dates are read: forms, zones, partial dates, DST."""

from __future__ import annotations

import contextlib
import re
import time
import warnings
from datetime import UTC, datetime

import pytest
from dateutil import tz

from feedsvc.dates import DateError, parse_date
from feedsvc.zones import AMBIGUOUS, ZONES

NEW_YORK = tz.gettz("America/New_York")
assert NEW_YORK is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-16", datetime(2025, 10, 16, 4, 0, tzinfo=UTC)),
        ("Oct 16, 2025 2:30 PM", datetime(2025, 10, 16, 18, 30, tzinfo=UTC)),
        ("2025-10-16T14:30:00-04:00", datetime(2025, 10, 16, 18, 30, tzinfo=UTC)),
        ("2025-10-16T18:30:00Z", datetime(2025, 10, 16, 18, 30, tzinfo=UTC)),
        ("2025-10-16 16:05 -0400", datetime(2025, 10, 16, 20, 5, tzinfo=UTC)),
        ("Thursday 16 October 2025", datetime(2025, 10, 16, 4, 0, tzinfo=UTC)),
        ("16 Oct 2025 09:15", datetime(2025, 10, 16, 13, 15, tzinfo=UTC)),
        ("2025-01-15 12:00", datetime(2025, 1, 15, 17, 0, tzinfo=UTC)),  # EST in winter
        ("03/04/2025", datetime(2025, 3, 4, 5, 0, tzinfo=UTC)),  # month first by default
    ],
)
def test_date_forms(text: str, expected: datetime) -> None:
    """Every form dateutil reads works; dates without a zone are in the site's zone."""
    assert parse_date(text, NEW_YORK).value == expected


def test_day_first_setting() -> None:
    """`day_first: true` reads numeric dates day first; ISO dates are unaffected."""
    assert parse_date("03/04/2025", NEW_YORK, day_first=True).value.month == 4
    assert parse_date("2025-03-04", NEW_YORK, day_first=True).value.month == 3


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("October 2025", "day"),
        ("Oct 16", "year"),
        ("16", "year or month"),
        ("2025", "month or day"),
        ("2:30 PM", "year or month or day"),
    ],
)
def test_partial_dates_are_refused(text: str, missing: str) -> None:
    """A date missing its year, month or day is an error, never filled in from today."""
    with pytest.raises(DateError, match=f"has no {missing}$"):
        parse_date(text, NEW_YORK)


@pytest.mark.parametrize("value", ["yesterday-ish", "", "32/13/2025", None, True, [2025]])
def test_unreadable_dates(value: object) -> None:
    """Text that is no date at all is an error with an example of a good one."""
    with pytest.raises(DateError) as caught:
        parse_date(value, NEW_YORK)
    assert "2025-10-16" in caught.value.hint


def test_time_skipped_by_dst_moves_forward_with_a_warning() -> None:
    """02:30 on the spring-forward night does not exist: it becomes 03:30 EDT."""
    parsed = parse_date("2025-03-09 02:30", NEW_YORK)
    assert parsed.value == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert parsed.warning is not None
    assert "does not exist" in parsed.warning


def test_time_repeated_by_dst_is_the_first() -> None:
    """01:30 on the fall-back night happens twice: the first (EDT) one is meant."""
    parsed = parse_date("2025-11-02 01:30", NEW_YORK)
    assert parsed.value == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert parsed.warning is None


def _at(hour: int, minute: int = 0, day: int = 16) -> datetime:
    """An instant on 2025-10-16 (or `day` of October 2025), in UTC."""
    return datetime(2025, 10, day, hour, minute, tzinfo=UTC)


# Every abbreviation in ZONES, each at 09:00 local on 2025-10-16, as its UTC instant.
ABBREVIATIONS = [
    ("UTC", _at(9)),
    ("GMT", _at(9)),
    ("UT", _at(9)),
    ("Z", _at(9)),
    ("EST", _at(14)),
    ("EDT", _at(13)),
    ("MST", _at(16)),
    ("MDT", _at(15)),
    ("PST", _at(17)),
    ("PDT", _at(16)),
    ("AKST", _at(18)),
    ("AKDT", _at(17)),
    ("HST", _at(19)),
    ("ADT", _at(12)),
    ("WET", _at(9)),
    ("WEST", _at(8)),
    ("CET", _at(8)),
    ("CEST", _at(7)),
    ("EET", _at(7)),
    ("EEST", _at(6)),
    ("MSK", _at(6)),
]


def test_every_abbreviation_is_tested() -> None:
    """The table below covers ZONES exactly, so a new abbreviation comes with its case."""
    assert {name for name, _ in ABBREVIATIONS} == set(ZONES)
    assert not set(ZONES) & set(AMBIGUOUS)


@pytest.mark.parametrize(("name", "expected"), ABBREVIATIONS)
def test_zone_abbreviations(name: str, expected: datetime) -> None:
    """Each abbreviation in the table is its fixed offset, in any letter case."""
    for text in (f"2025-10-16 09:00 {name}", f"2025-10-16 09:00 {name.lower()}"):
        assert parse_date(text, NEW_YORK).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29 Feb 2024 23:59:59 PST", datetime(2024, 3, 1, 7, 59, 59, tzinfo=UTC)),
        ("29 Feb 2024 23:59:59 pst", datetime(2024, 3, 1, 7, 59, 59, tzinfo=UTC)),
        ("2025-10-16 09:00 Pst", _at(17)),
        ("2025-10-16 09:00 EST", _at(14)),  # EST is -05:00 even when New York is on EDT
        ("2025-03-09 02:30 EST", datetime(2025, 3, 9, 7, 30, tzinfo=UTC)),  # no DST gap
        ("2025-10-16 09:00 UTC", _at(9)),
        ("2025-10-16 09:00Z", _at(9)),
        ("2025-10-16 09:00 z", _at(9)),
        ("2025-10-16 09:00 GMT+0", _at(9)),
        ("2025-10-16T09:00 CEST", _at(7)),
        ("2025-10-16 9:00 a.m. EDT", _at(13)),
        ("Oct 16, 2025 2:30 PM", _at(18, 30)),
        ("Oct 16, 2025 2:30 PM PDT", _at(21, 30)),
        ("16th October 2025 2:30 PM", _at(18, 30)),
        ("2:30 PM on Oct 16, 2025", _at(18, 30)),
        ("16 October 2025", _at(4)),
        ("Thu, 16 Oct 2025 18:30:00 +0000", _at(18, 30)),
        ("Thu, 16 Oct 2025 18:30:00 GMT", _at(18, 30)),
        ("Thu, 16 Oct 2025 18:30:00 gmt", _at(18, 30)),
        ("Thu, 16 Oct 2025 18:30:00 -0400 (EDT)", _at(22, 30)),
        ("2025-10-16 09:00 +05:30 (IST)", _at(3, 30)),  # the offset settles IST
        ("2025-10-16 09:00 -0300 (BRST)", _at(12)),  # an unknown name in parentheses: a comment
        ("2025-10-16T14:30:00-04:00", _at(18, 30)),
    ],
)
def test_forms_with_and_without_zones(text: str, expected: datetime) -> None:
    """Real forms: abbreviations, RFC 822 dates, offsets, and none (the site's zone)."""
    assert parse_date(text, NEW_YORK).value == expected


@pytest.mark.parametrize(
    ("text", "offsets", "example"),
    [
        (
            "2025-10-16 09:00 IST",
            ["+05:30 (India)", "+01:00 (Ireland)", "+02:00 (Israel)"],
            "2025-10-16 09:00 +05:30",
        ),
        ("2025-10-16 09:00 ist", ["+05:30 (India)"], "2025-10-16 09:00 +05:30"),
        (
            "29 Feb 2024 23:59:59 BST",
            ["+01:00 (British Summer Time)", "+06:00 (Bangladesh)"],
            "2024-02-29 23:59:59 +01:00",
        ),
        (
            "Oct 16, 2025 2:30 PM CST",
            ["-06:00 (US Central)", "+08:00 (China)", "-05:00 (Cuba)"],
            "2025-10-16 14:30 -06:00",
        ),
        (
            "2025-10-16 09:00 CDT",
            ["-05:00 (US Central)", "-04:00 (Cuba)"],
            "2025-10-16 09:00 -05:00",
        ),
        (
            "2025-10-16 09:00 AST",
            ["-04:00 (Atlantic)", "+03:00 (Arabia)"],
            "2025-10-16 09:00 -04:00",
        ),
    ],
)
def test_ambiguous_abbreviations_are_refused(text: str, offsets: list[str], example: str) -> None:
    """An abbreviation of several zones is an error naming each offset it could mean."""
    with pytest.raises(DateError, match=f"^'{re.escape(text)}' names the zone ") as caught:
        parse_date(text, NEW_YORK)
    for offset in offsets:
        assert offset in caught.value.message
    assert caught.value.hint == f"write the UTC offset instead, e.g. {example}"


def test_ambiguous_message_reads_as_a_sentence() -> None:
    """The candidates are listed as 'a, b or c'."""
    with pytest.raises(DateError) as caught:
        parse_date("2025-10-16 09:00 IST", NEW_YORK)
    assert caught.value.message == (
        "'2025-10-16 09:00 IST' names the zone IST, which could mean "
        "+05:30 (India), +01:00 (Ireland) or +02:00 (Israel)"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("2025-10-16 10:00 XYZ", "XYZ"),
        ("Oct 16, 2025 2:30 PM ET", "ET"),
        ("2025-10-16T10:00 EAT", "EAT"),
    ],
)
def test_unknown_zone_names_are_refused(text: str, name: str) -> None:
    """A zone name not in the tables is an error that shows how to write an offset."""
    with pytest.raises(DateError) as caught:
        parse_date(text, NEW_YORK)
    assert caught.value.message == f"'{text}' names an unknown time zone '{name}'"
    assert "write its UTC offset instead, e.g. 2025-10-1" in caught.value.hint
    assert " -08:00" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "people", "posix"),
    [
        ("2025-10-16 09:00 UTC+3", "+03:00", "-03:00"),
        ("2025-10-16 09:00 UTC +3", "+03:00", "-03:00"),  # dateutil would drop the +3
        ("2025-10-16 09:00 GMT-5", "-05:00", "+05:00"),
        ("2025-10-16 09:00 utc+05:30", "+05:30", "-05:30"),
    ],
)
def test_offset_after_utc_is_refused(text: str, people: str, posix: str) -> None:
    """'UTC+3' reads both ways (+03:00 to people, -03:00 to POSIX): an error, not a guess."""
    with pytest.raises(DateError) as caught:
        parse_date(text, NEW_YORK)
    assert f"people read as {people} and POSIX zone strings as {posix}" in caught.value.message
    assert caught.value.hint.endswith(f"09:00 {people}")


@pytest.mark.parametrize(
    "text",
    [
        "Thu, 16 Oct 2025 18:30:00 -0400 (PST)",
        "2025-10-16 09:00 EST-0500",  # dateutil reads a sign after a name the POSIX way
        "2025-10-16 09:00 -0400 (IST)",  # not one of IST's meanings
    ],
)
def test_offset_must_agree_with_a_known_name(text: str) -> None:
    """A known abbreviation next to an offset that is not one of its own is an error."""
    with pytest.raises(DateError, match="but its offset reads as"):
        parse_date(text, NEW_YORK)


def test_offset_settles_an_ambiguous_name() -> None:
    """An offset that is one of an ambiguous name's meanings is used."""
    assert parse_date("2025-10-16 09:00 +0100 (IST)", NEW_YORK).value == _at(8)


def test_no_warning_is_ever_emitted() -> None:
    """dateutil's warning about an unknown zone never leaks: every case is a result or error."""
    texts = [
        *(f"2025-10-16 09:00 {name}" for name, _ in ABBREVIATIONS),
        *(f"2025-10-16 09:00 {name}" for name in AMBIGUOUS),
        "2025-10-16 10:00 XYZ",
        "2025-10-16 09:00 UTC+3",
        "Oct 16, 2025 2:30 PM",
        "29 Feb 2024 23:59:59 PST",
        "Oct 16 09:00 IST",
        "not a date",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for text in texts:
            with contextlib.suppress(DateError):
                parse_date(text, NEW_YORK)
    assert [str(warning.message) for warning in caught] == []


@pytest.mark.parametrize("name", ["IST", "XYZ"])
def test_the_machines_own_zone_is_never_used(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """dateutil reads a name the machine's zone uses as that zone; here it settles nothing."""
    monkeypatch.setattr(time, "tzname", (name, name))
    with pytest.raises(DateError, match=name):
        parse_date(f"2025-10-16 09:00 {name}", NEW_YORK)


def test_the_machines_own_zone_does_not_change_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine in Los Angeles, PDT is still -07:00 (not the machine's zone on that date)."""
    monkeypatch.setattr(time, "tzname", ("PST", "PDT"))
    assert parse_date("2025-01-16 09:00 PDT", NEW_YORK).value == datetime(
        2025, 1, 16, 16, 0, tzinfo=UTC
    )


def test_zone_errors_come_after_missing_fields() -> None:
    """A date with no year is reported as such first, whatever its zone."""
    with pytest.raises(DateError, match=r"has no year$"):
        parse_date("Oct 16 09:00 IST", NEW_YORK)


def test_zone_with_no_time_is_not_a_date() -> None:
    """dateutil takes a zone only after a time; without one, the text is refused."""
    with pytest.raises(DateError, match=r"is not a date$"):
        parse_date("16 Oct 2025 PST", NEW_YORK)
