"""JSON from a source, refused before decoding when it is too large or too deeply nested.

Python's json decoder recurses once per nesting level: a source answering 100,000
opening brackets would crash the gather with a RecursionError, and a large answer takes
memory many times its size once decoded. ``loads`` checks both first, the nesting with an
iterative scan of the text (brackets inside strings do not count), and refuses with an
error naming the source, the limit and the option that sets it.
"""
from __future__ import annotations

import json
import re

import ckan.plugins.toolkit as tk

from ckanext.migration.harvesting.http import FetchError

DEPTH_OPTION = "ckanext.migration.harvest.json_max_depth"
SIZE_OPTION = "ckanext.migration.harvest.json_max_mb"

# a whole string (possessive: no backtracking, an unterminated one runs to the end), or an
# opening bracket (group 1), or a closing one (group 2)
_TOKEN = r'"(?:[^"\\]++|\\.)*+"?|([\[{])|([\]}])'
_TOKENS = {bytes: re.compile(_TOKEN.encode(), re.S), str: re.compile(_TOKEN, re.S)}


class JSONRefused(FetchError):
    """A source's JSON answer was not decoded (too large or too deeply nested)."""


def limits() -> tuple:
    """(max_depth, max_bytes) from the configuration."""
    return (int(tk.config.get(DEPTH_OPTION)),
            int(float(tk.config.get(SIZE_OPTION)) * 1024 * 1024))


def depth(data, stop_above: int | None = None) -> int:
    """How deeply ``data`` (JSON text, bytes or str) nests arrays and objects (0 for a
    scalar), counted without recursion; the scan stops once it passes ``stop_above``."""
    level = deepest = 0
    for match in _TOKENS[bytes if isinstance(data, (bytes, bytearray)) else str] \
            .finditer(data):
        if match.lastindex == 1:
            level += 1
            if level > deepest:
                deepest = level
                if stop_above is not None and deepest > stop_above:
                    break
        elif match.lastindex == 2:
            level -= 1
    return deepest


def _size(data) -> int:
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    return len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))


def loads(data, *, source: str, max_depth: int | None = None, max_bytes: int | None = None):
    """``json.loads(data)`` for a source's answer (bytes, a UTF-8 BOM allowed, or str).
    JSONRefused when it is over the size or nesting limit (the configured ones unless
    given); ValueError, as json.loads, when it is not JSON."""
    configured_depth, configured_bytes = limits()
    max_depth = configured_depth if max_depth is None else max_depth
    max_bytes = configured_bytes if max_bytes is None else max_bytes
    if _size(data) > max_bytes:
        raise JSONRefused("%s: JSON answer larger than %s MB (refused; %s)"
                          % (source, _mb(max_bytes), SIZE_OPTION))
    if depth(data, stop_above=max_depth) > max_depth:
        raise JSONRefused("%s: JSON nested deeper than %d levels (refused; %s)"
                          % (source, max_depth, DEPTH_OPTION))
    return json.loads(data)  # bytes: json detects the encoding and skips a UTF-8 BOM


def _mb(size: int) -> str:
    return ("%.2f" % (size / 1024 / 1024)).rstrip("0").rstrip(".")
