"""Solr dates: parsing, formatting and date math (``NOW-1DAY/DAY``)."""
from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from .errors import BadRequest

UTC = dt.timezone.utc

_ISO = re.compile(
    r"^(?P<y>[+-]?\d{4,})-(?P<mo>\d\d)-(?P<d>\d\d)"
    r"(?:[T ](?P<h>\d\d):(?P<mi>\d\d)(?::(?P<s>\d\d)(?:\.(?P<f>\d+))?)?)?"
    r"(?P<tz>Z|[+-]\d\d:?\d\d)?")
_MATH = re.compile(r"([+-]\d+|/)([A-Z]+)")
_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
    "MILLI": "microseconds", "MILLIS": "microseconds", "MILLISECOND": "microseconds",
    "MILLISECONDS": "microseconds",
}


def parse_date(text: str) -> dt.datetime:
    """A timezone-aware UTC datetime from an ISO 8601 / Solr date string."""
    m = _ISO.match(text.strip())
    if not m:
        raise BadRequest("Invalid Date String:'%s'" % text)
    frac = (m.group("f") or "0")[:6].ljust(6, "0")
    try:
        value = dt.datetime(int(m.group("y")), int(m.group("mo")), int(m.group("d")),
                            int(m.group("h") or 0), int(m.group("mi") or 0),
                            int(m.group("s") or 0), int(frac))
    except ValueError:
        raise BadRequest("Invalid Date String:'%s'" % text)
    tz = m.group("tz")
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value = value - sign * offset
    return value.replace(tzinfo=UTC)


def format_date(value: dt.datetime) -> str:
    """Solr's output format: second precision, milliseconds only when not zero."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    out = value.strftime("%Y-%m-%dT%H:%M:%S")
    ms = value.microsecond // 1000
    if ms:
        out += ".%03d" % ms
    return out + "Z"


def normalise_date(text: str) -> str:
    return format_date(parse_date(text))


def _round(value: dt.datetime, unit: str) -> dt.datetime:
    unit = _UNITS[unit]
    if unit == "years":
        return value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "months":
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "days":
        return value.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hours":
        return value.replace(minute=0, second=0, microsecond=0)
    if unit == "minutes":
        return value.replace(second=0, microsecond=0)
    if unit == "seconds":
        return value.replace(microsecond=0)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def date_math(expr: str, now: dt.datetime | None = None) -> dt.datetime:
    """Evaluate ``NOW``, an ISO date, optionally followed by ``+1DAY``, ``/MONTH``..."""
    expr = expr.strip()
    if expr.startswith("NOW"):
        base = (now or dt.datetime.now(UTC))
        rest = expr[3:]
    else:
        m = _ISO.match(expr)
        if not m:
            raise BadRequest("Invalid Date String:'%s'" % expr)
        base = parse_date(m.group(0))
        rest = expr[m.end():]
    pos = 0
    value = base
    for m in _MATH.finditer(rest):
        if m.start() != pos:
            break
        op, unit = m.groups()
        if unit not in _UNITS:
            raise BadRequest("Invalid Date Math String:'%s' (unit %s)" % (expr, unit))
        if op == "/":
            value = _round(value, unit)
        elif _UNITS[unit] == "microseconds":
            value = value + dt.timedelta(milliseconds=int(op))
        else:
            value = value + relativedelta(**{_UNITS[unit]: int(op)})
        pos = m.end()
    if pos != len(rest):
        raise BadRequest("Invalid Date Math String:'%s'" % expr)
    return value
