"""The one parser of SDMX / Eurostat time periods ("2008", "2008Q3", "2024M08",
"2024-03", "2020-S2", "2008W05", "2024-03-15"), used by every harvester that reads them."""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

# SDMX FREQ codes (the period letters are the same) -> EU frequency authority codes
SDMX_FREQUENCIES = {"D": "DAILY", "B": "DAILY", "W": "WEEKLY", "M": "MONTHLY",
                    "Q": "QUARTERLY", "S": "ANNUAL_2", "H": "ANNUAL_2", "A": "ANNUAL",
                    "I": "IRREG"}
_PERIOD = re.compile(r"^(\d{4})(?:-?([QMSHW])(\d{1,2})|-?(\d{2})(?:-(\d{2}))?)?(?!\d)")


class Period(NamedTuple):
    start: str       # ISO year, year-month or date where the period starts; "" if unknown
    frequency: str   # EU frequency code the period's shape implies; "" if unknown


def parse(value) -> Period:
    """Where a reporting period starts, and the frequency its shape implies."""
    m = _PERIOD.match(str(value or "").strip())
    if not m:
        return Period("", "")
    year, kind, number, month, day = m.groups()
    if day:
        return Period("%s-%s-%s" % (year, month, day), "DAILY")
    if month:
        return Period("%s-%s" % (year, month), "MONTHLY")
    if kind == "M":
        return Period("%s-%02d" % (year, int(number)), "MONTHLY")
    if kind == "Q":
        return Period("%s-%02d" % (year, (int(number) - 1) * 3 + 1), "QUARTERLY")
    if kind in ("S", "H"):
        return Period("%s-%02d" % (year, 1 if number == "1" else 7), "ANNUAL_2")
    if kind == "W":
        try:
            monday = dt.date.fromisocalendar(int(year), int(number), 1)
        except ValueError:
            return Period(year, "WEEKLY")
        return Period(monday.isoformat(), "WEEKLY")
    return Period(year, "ANNUAL")


# years between observations -> EU frequency authority code
_YEAR_STEPS = {1: "ANNUAL", 2: "BIENNIAL", 3: "TRIENNIAL", 5: "QUINQUENNIAL", 10: "DECENNIAL"}


def frequency_of_years(years) -> str:
    """EU frequency code of the years a series has values for: their step when it is
    regular (every year, every 5 years...), IRREG when not; "" with under 3 years, which
    say too little."""
    distinct = sorted({int(y) for y in years if str(y).isdigit()})
    if len(distinct) < 3:
        return ""
    steps = {b - a for a, b in zip(distinct, distinct[1:])}
    return _YEAR_STEPS.get(steps.pop(), "IRREG") if len(steps) == 1 else "IRREG"
