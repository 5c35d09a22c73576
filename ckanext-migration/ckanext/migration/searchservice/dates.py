"""Solr date values: parsing and formatting (date math is request syntax: request.py)."""
from __future__ import annotations

import datetime as dt
import re

from .errors import BadRequest

UTC = dt.timezone.utc

ISO_DATE = re.compile(
    r"^(?P<y>[+-]?\d{4,})-(?P<mo>\d\d)-(?P<d>\d\d)"
    r"(?:[T ](?P<h>\d\d):(?P<mi>\d\d)(?::(?P<s>\d\d)(?:\.(?P<f>\d+))?)?)?"
    r"(?P<tz>Z|[+-]\d\d:?\d\d)?")


# the form CKAN and Solr write (UTC, "Z"): read by the C parser, 20 times faster
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z\Z")


def parse_date(text: str) -> dt.datetime:
    """A timezone-aware UTC datetime from an ISO 8601 / Solr date string."""
    if _CANONICAL.match(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass  # out-of-range day or hour: the message below
    m = ISO_DATE.match(text.strip())
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
    if 1000 <= value.year <= 9999:  # strftime's %Y, without its cost
        out = "%04d-%02d-%02dT%02d:%02d:%02d" % (value.year, value.month, value.day,
                                                 value.hour, value.minute, value.second)
    else:
        out = value.strftime("%Y-%m-%dT%H:%M:%S")
    ms = value.microsecond // 1000
    if ms:
        out += ".%03d" % ms
    return out + "Z"


def normalise_date(text: str) -> str:
    return format_date(parse_date(text))
