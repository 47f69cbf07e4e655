"""The zone abbreviations a date may name, in any letter case, and what each stands for.

Each in `ZONES` is one fixed offset, whatever the date: EST is -05:00 even in July.

| Abbreviation     | Offset        | Meaning                               |
|------------------|---------------|---------------------------------------|
| UTC, GMT, UT, Z  | +00:00        | Universal / Greenwich time            |
| EST / EDT        | -05:00/-04:00 | US Eastern standard / daylight        |
| MST / MDT        | -07:00/-06:00 | US Mountain standard / daylight       |
| PST / PDT        | -08:00/-07:00 | US Pacific standard / daylight        |
| AKST / AKDT      | -09:00/-08:00 | Alaska standard / daylight            |
| HST              | -10:00        | Hawaii                                |
| ADT              | -03:00        | Atlantic daylight (Canada)            |
| WET / WEST       | +00:00/+01:00 | Western European standard / summer    |
| CET / CEST       | +01:00/+02:00 | Central European standard / summer    |
| EET / EEST       | +02:00/+03:00 | Eastern European standard / summer    |
| MSK              | +03:00        | Moscow                                |

Each in `AMBIGUOUS` is in common use for several zones: a date naming one is an error
that lists what it could mean, never a guess.

| Abbreviation | Could mean                                                |
|--------------|-----------------------------------------------------------|
| IST          | +05:30 India, +01:00 Ireland, +02:00 Israel               |
| BST          | +01:00 British Summer Time, +06:00 Bangladesh             |
| CST          | -06:00 US Central, +08:00 China, -05:00 Cuba              |
| CDT          | -05:00 US Central daylight, -04:00 Cuba daylight          |
| AST          | -04:00 Atlantic, +03:00 Arabia                            |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, timedelta, timezone
from types import MappingProxyType
from typing import Final


def hours(hours: int, minutes: int = 0) -> timedelta:
    """An offset from UTC; `minutes` has the sign of `hours`."""
    return timedelta(hours=hours, minutes=minutes if hours >= 0 else -minutes)


# The abbreviations read as one fixed offset (the table in the module docstring).
ZONES: Final[Mapping[str, timedelta]] = MappingProxyType(
    {
        "UTC": hours(0),
        "GMT": hours(0),
        "UT": hours(0),
        "Z": hours(0),
        "EST": hours(-5),
        "EDT": hours(-4),
        "MST": hours(-7),
        "MDT": hours(-6),
        "PST": hours(-8),
        "PDT": hours(-7),
        "AKST": hours(-9),
        "AKDT": hours(-8),
        "HST": hours(-10),
        "ADT": hours(-3),
        "WET": hours(0),
        "WEST": hours(1),
        "CET": hours(1),
        "CEST": hours(2),
        "EET": hours(2),
        "EEST": hours(3),
        "MSK": hours(3),
    }
)

# The abbreviations that name several zones: each is an error listing these, most common first.
AMBIGUOUS: Final[Mapping[str, tuple[tuple[timedelta, str], ...]]] = MappingProxyType(
    {
        "IST": ((hours(5, 30), "India"), (hours(1), "Ireland"), (hours(2), "Israel")),
        "BST": ((hours(1), "British Summer Time"), (hours(6), "Bangladesh")),
        "CST": ((hours(-6), "US Central"), (hours(8), "China"), (hours(-5), "Cuba")),
        "CDT": ((hours(-5), "US Central"), (hours(-4), "Cuba")),
        "AST": ((hours(-4), "Atlantic"), (hours(3), "Arabia")),
    }
)

FIXED: Final = {name: timezone(offset, name) if offset else UTC for name, offset in ZONES.items()}

# The zone names, in any case: dateutil takes them in upper case only.
ZONE_WORD = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(sorted({*ZONES, *AMBIGUOUS}, key=len, reverse=True)) + ")"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
