"""How authors' dates are read: forms, zones, partial dates, DST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil import tz

from feedsvc.dates import DateError, parse_date

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
