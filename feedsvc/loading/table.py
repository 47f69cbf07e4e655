"""Reading a document's fields through a per-field table (`schema.ARTICLE_FIELDS`).

Each row names a field, its reader and, in `also`, the names that stand for it when
it is absent (Jekyll's and Hugo's, or a value from elsewhere): the first one given
is read, so feedsvc's own field wins. A row that `merge`s reads them all instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from feedsvc.loading import fields
from feedsvc.loading.fields import FieldError
from feedsvc.loading.frontmatter import Document
from feedsvc.model import Problem, Site, error, warning

# Names in `also` that are no field of the file but a value from elsewhere.
FILE_DATE = ":file-name"  # the date of a `YYYY-MM-DD-name` file name
SITE_AUTHOR = ":site"  # site.yaml's `author`


class Reading:
    """One document's fields being read: the site they are read for, the values that
    stand in for absent fields, and the problems."""

    def __init__(
        self,
        rel: str,
        document: Document,
        site: Site | None,
        implied: Mapping[str, object] | None = None,
    ) -> None:
        self.rel, self.document, self.site = rel, document, site
        self.implied = implied or {}
        self.problems: list[Problem] = []
        self.source: dict[str, str] = {}  # row → the field its value was read from

    def warn(self, name: str, message: str, hint: str) -> None:
        """Record a warning at a field's line."""
        self.problems.append(warning(self.rel, self.document.line(name), message, hint, name))


Reader = Callable[[object, str, Reading], Any]


@dataclass(frozen=True)
class Field:
    """How one front-matter field is read: its reader, whether it must be there, its
    default, and the other names that stand for it (in order)."""

    read: Reader
    required: bool = False
    default: Any = None
    also: tuple[str, ...] = ()
    merge: bool = False  # read the field and every name in `also`, one after the other
    missing: str = ""  # how to fix a required field that is missing, if not by adding it


def plain(reader: Callable[[object, str], Any]) -> Reader:
    """A reader that needs only the value and the field's name."""
    return lambda value, name, _: reader(value, name)


def known_names(table: Mapping[str, Field]) -> list[str]:
    """Every field name a table reads."""
    names = dict.fromkeys(table)
    for spec in table.values():
        names.update(dict.fromkeys(n for n in spec.also if not n.startswith(":")))
    return list(names)


class _Plan:
    """What `read_fields` needs of a table, worked out once: a table is read for every
    file, 100,000 times on a first load."""

    def __init__(self, table: Mapping[str, Field], quiet: Iterable[str]) -> None:
        self.known = known_names(table)
        self.skipped = frozenset((*self.known, *quiet))
        self.rows = [(name, spec, (name, *spec.also)) for name, spec in table.items()]
        self.row_of = {n: at for at, (_, _, names) in enumerate(self.rows) for n in names}


_PLANS: dict[tuple[int, int], _Plan] = {}  # by the identity of (table, quiet): module constants


def _plan(table: Mapping[str, Field], quiet: Iterable[str]) -> _Plan:
    key = (id(table), id(quiet))
    found = _PLANS.get(key)
    if found is None:
        found = _PLANS[key] = _Plan(table, quiet)
    return found


def read_fields(
    reading: Reading, table: Mapping[str, Field], quiet: Iterable[str] = ()
) -> dict[str, Any] | None:
    """Every row of `table` read from the document; None if any has an error."""
    document, problems = reading.document, reading.problems
    plan = _plan(table, quiet)
    present = document.fields.keys()
    if not plan.skipped.issuperset(present):
        problems.extend(
            fields.unknown(reading.rel, document.fields, document.lines, plan.known, quiet)
        )
    for key, line in document.duplicate_keys[: fields.UNKNOWN_SHOWN]:
        problems.append(
            warning(
                reading.rel,
                line,
                f"'{fields.excerpt(key)}' is given twice",
                "keep one; the last one is used",
            )
        )
    values: dict[str, Any] = {}
    failed = False
    implied, row_of = reading.implied, plan.row_of
    rows_given = {row_of[n] for n in (*present, *implied) if n in row_of}
    for at, (name, spec, names) in enumerate(plan.rows):
        # An empty field (`authors = []`, `date:`) gives way to the next name (the site's
        # author, the file name's date); with none, a required one says it is empty.
        given = [n for n in names if _given(reading, n)] if at in rows_given else []
        if not given and spec.required and name in present:
            given = [name]
        if not given:
            if spec.required:
                failed = True
                hint = spec.missing or f"add a line '{name}: …'"
                problems.append(error(reading.rel, 1, f"'{name}' is missing", hint, name))
            values[name] = spec.default
            continue
        source = given[0]
        try:
            if spec.merge:
                parts = []
                for source in given:
                    parts.append(spec.read(_value(reading, source), source, reading))
                values[name] = tuple(dict.fromkeys(x for part in parts for x in part))
            else:
                values[name] = spec.read(_value(reading, source), source, reading)
                reading.source[name] = source
        except FieldError as wrong:
            failed = True
            line = document.line(source)
            problems.append(error(reading.rel, line, wrong.message, wrong.hint, source))
    return None if failed else values


def _given(reading: Reading, name: str) -> bool:
    """Whether a field is there. One left empty (`tags:`, `description = ""`, `images =
    []`: a generator's archetype not filled in) is as if it were not."""
    if name in reading.implied:
        return True
    if name not in reading.document.fields:
        return False
    value = reading.document.fields[name]
    empty = value is None or value in ([], {}) or (isinstance(value, str) and not value.strip())
    return not empty


def _value(reading: Reading, name: str) -> object:
    """A field's value, or what stands in for it."""
    fields_ = reading.document.fields
    return fields_[name] if name in fields_ else reading.implied[name]
