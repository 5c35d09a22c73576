"""JSON from a source, refused before decoding when it is too large or too deeply nested.

Python's json decoder recurses once per nesting level: a source answering 100,000
opening brackets would crash the gather with a RecursionError, and a large answer takes
memory many times its size once decoded. ``loads`` checks both first, the nesting with an
iterative scan of the text (brackets inside strings do not count), and refuses with an
error naming the source, the limit and the option that sets it. The same scan counts the
nesting of a Turtle document (blank nodes, collections), which rdflib parses recursively too.
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
# Turtle: long and short strings, IRIs, comments and escapes skipped; [ ( open, ] ) close
_TURTLE = (r'"""(?:[^"\\]++|\\.|"(?!""))*+(?:""")?'
           r"|'''(?:[^'\\]++|\\.|'(?!''))*+(?:''')?"
           r'|"(?:[^"\\\n]++|\\.)*+"?|\'(?:[^\'\\\n]++|\\.)*+\'?|<[^>\s]*+>?|#[^\n]*+|\\.'
           r'|([\[(])|([\])])')
_TOKENS = {(syntax, kind): re.compile(pattern.encode() if kind is bytes else pattern, re.S)
           for syntax, pattern in (("json", _TOKEN), ("turtle", _TURTLE))
           for kind in (bytes, str)}


class JSONRefused(FetchError):
    """A source's JSON answer was not decoded (too large or too deeply nested)."""


def limits() -> tuple:
    """(max_depth, max_bytes) from the configuration."""
    return (int(tk.config.get(DEPTH_OPTION)),
            int(float(tk.config.get(SIZE_OPTION)) * 1024 * 1024))


def depth(data, stop_above: int | None = None, syntax: str = "json") -> int:
    """How deeply ``data`` (JSON text, bytes or str) nests arrays and objects (0 for a
    scalar), counted without recursion; the scan stops once it passes ``stop_above``.
    ``syntax="turtle"``: the nesting of blank nodes and collections in Turtle."""
    level = deepest = 0
    kind = bytes if isinstance(data, (bytes, bytearray)) else str
    for match in _TOKENS[syntax, kind].finditer(data):
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
    check(data, source=source, max_depth=max_depth, max_bytes=max_bytes)
    return json.loads(data)  # bytes: json detects the encoding and skips a UTF-8 BOM


def check(data, *, source: str, max_depth: int | None = None, max_bytes: int | None = None,
          syntax: str = "json") -> None:
    """JSONRefused when ``data`` is over the size or nesting limit (see ``loads``)."""
    configured_depth, configured_bytes = limits()
    max_depth = configured_depth if max_depth is None else max_depth
    max_bytes = configured_bytes if max_bytes is None else max_bytes
    if _size(data) > max_bytes:
        raise JSONRefused("%s: JSON answer larger than %s MB (refused; %s)"
                          % (source, _mb(max_bytes), SIZE_OPTION))
    if depth(data, stop_above=max_depth, syntax=syntax) > max_depth:
        raise JSONRefused("%s: %s nested deeper than %d levels (refused; %s)"
                          % (source, "Turtle" if syntax == "turtle" else "JSON", max_depth,
                             DEPTH_OPTION))


def _mb(size: int) -> str:
    return ("%.2f" % (size / 1024 / 1024)).rstrip("0").rstrip(".")
