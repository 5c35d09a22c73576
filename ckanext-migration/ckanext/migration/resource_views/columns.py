"""Which columns of a DataStore table a chart or a map can use.

Decided from the field names and types and a sample of rows: ckanext-xloader loads every
column as text unless its type guessing is on, so a "numeric" column is one whose sampled
cells are numbers. This module must not import CKAN.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import math
import re

from ckanext.migration import countries

# words naming a time column (a whole name, or one word of it: "Year of arrival")
TIME_WORDS = {"year", "years", "time", "time_period", "date", "period", "month", "quarter",
              "ref_period", "reference_period", "refperiod"}
# names of the measure in SDMX-CSV and common tables, preferred over other numeric columns
VALUE_NAMES = ("obs_value", "value", "values", "count", "counts", "number", "total",
               "amount", "persons", "people")
# words of codes and coordinates: numeric cells, but nothing to add up
NOT_MEASURE_WORDS = {"id", "code", "iso", "m49", "lat", "lon", "latitude", "longitude"}
# words of a country column, best first ("Country of Asylum ISO" before "Country of Asylum")
COUNTRY_WORDS = (("iso", "iso3", "alpha3"), ("geo", "country", "countries", "ref_area"),
                 ("asylum", "origin", "nationality", "citizen", "citizenship", "residence",
                  "destination", "reporting", "area", "location"))
NUMERIC_TYPES = {"numeric", "int", "int2", "int4", "int8", "integer", "bigint", "smallint",
                 "float", "float4", "float8", "real", "double precision", "decimal"}
TIME_TYPES = {"timestamp", "timestamptz", "date"}
# cells that mean "no figure" (Eurostat writes ":", UNHCR "-")
MISSING = {"", "-", ":", "..", "...", "na", "n/a", "nan", "null", "none", "x"}
# share of sampled cells that must fit for a column to count as time, numeric, country
TIME_SHARE, NUMERIC_SHARE, COUNTRY_SHARE = 0.9, 0.95, 0.6

_PERIOD = re.compile(r"^(1[89]|2[01])\d\d(-?(Q[1-4]|S[12]|H[12]|W\d\d|M?\d\d)(-\d\d)?)?$",
                     re.IGNORECASE)
_TIMESTAMP = re.compile(r"^((1[89]|2[01])\d\d-\d\d-\d\d)[T ][0-9:.+Z-]*$")
_YEAR = re.compile(r"^(1[89]|2[01])\d\d$")


@dataclasses.dataclass
class Columns:
    """The columns a view draws. ``dimensions``: the text columns other than time
    (the country column among them); the aggregation keeps their "total" rows."""
    time: str | None = None
    value: str | None = None
    country: str | None = None
    numeric: list = dataclasses.field(default_factory=list)
    countries: list = dataclasses.field(default_factory=list)
    dimensions: list = dataclasses.field(default_factory=list)
    names: list = dataclasses.field(default_factory=list)
    # {column: its data-dictionary label, else its id} (SDMX-CSV loads get labels)
    labels: dict = dataclasses.field(default_factory=dict)

    def label(self, name) -> str:
        return self.labels.get(name) or (str(name) if name else "")


def words(name: str) -> list:
    return [w for w in re.split(r"[^a-z0-9]+", str(name).lower()) if w]


def _key(name: str) -> str:
    return "_".join(words(name))


def is_missing(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip().lower() in MISSING)


def number(cell) -> float | None:
    """The number in a cell, None for an empty, missing or non-numeric one."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float, decimal.Decimal)):
        value = float(cell)
    else:
        text = str(cell).strip()
        if text.lower() in MISSING:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def period(cell) -> str | None:
    """The period a time cell names, as text that sorts in time order (``2021``,
    ``2021-Q3``, ``2021-03``, ``2021-03-04``; a timestamp gives its day), else None."""
    if isinstance(cell, (datetime.date, datetime.datetime)):
        return cell.isoformat()[:10]
    text = str(cell if cell is not None else "").strip()
    if _PERIOD.match(text):
        return text.upper()
    match = _TIMESTAMP.match(text)
    return match.group(1) if match else None


def _share(cells: list, test) -> float:
    return sum(1 for c in cells if test(c)) / len(cells) if cells else 0.0


def detect(fields: list, rows: list) -> Columns:
    """The columns of a table (``fields``: DataStore fields, ``rows``: sampled records as
    dicts) a chart or map can use; a view can draw when ``time``/``country`` and
    ``value`` are set."""
    names = [f["id"] for f in fields if f["id"] != "_id"]
    types = {f["id"]: str(f.get("type") or "text").lower() for f in fields}
    present = {n: [r.get(n) for r in rows if not is_missing(r.get(n))] for n in names}
    out = Columns(names=names, labels={
        f["id"]: ((f.get("info") or {}).get("label") or "").strip() or f["id"] for f in fields})

    named_time, year_time = [], []
    for name in names:
        cells = present[name]
        if not cells:
            continue
        periodic = _share(cells, lambda c: period(c) is not None) >= TIME_SHARE
        named = _key(name) in TIME_WORDS or any(w in TIME_WORDS for w in words(name))
        if types[name] in TIME_TYPES or (named and periodic):
            named_time.append(name)
        elif periodic and all(_YEAR.match(str(c).strip()) for c in cells):
            # integer years under another name ("yr", "anno")
            year_time.append(name)
    out.time = (named_time or year_time or [None])[0]

    for name in names:
        if name == out.time or not present[name]:
            continue
        if types[name] in NUMERIC_TYPES or (
                types[name] == "text"
                and _share(present[name], lambda c: number(c) is not None) >= NUMERIC_SHARE):
            out.numeric.append(name)
    preferred = [n for v in VALUE_NAMES for n in out.numeric if _key(n) == v]
    measures = [n for n in out.numeric if not NOT_MEASURE_WORDS & set(words(n))]
    out.value = (preferred or measures or [None])[0]

    out.dimensions = [n for n in names if n != out.time and n not in out.numeric]
    ranked = []
    for name in out.dimensions:
        distinct = {str(c).strip() for c in present[name]}
        if not distinct:
            continue
        codes = {countries.to_iso3(c) for c in distinct} - {None}
        rank = next((i for i, group in enumerate(COUNTRY_WORDS)
                     if set(words(name)) & set(group)), len(COUNTRY_WORDS))
        # a column not named like one needs several countries: a unit "PER" (persons) or
        # a flag "bd" would be Peru or Bangladesh
        enough = len(codes) >= (1 if rank < len(COUNTRY_WORDS) else 3)
        if enough and _share(sorted(distinct), lambda c: countries.to_iso3(c) is not None) \
                >= COUNTRY_SHARE:
            ranked.append((rank, name))
    out.countries = [name for _, name in sorted(ranked, key=lambda r: r[0])]
    out.country = (out.countries or [None])[0]
    return out
