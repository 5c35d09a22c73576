"""Pure parsing of Solr request syntax: mm specs, qf lists, local params, dismax tokens."""
from __future__ import annotations

import math
import re
from typing import Optional

from .errors import BadRequest

_DISMAX_TOKEN = re.compile(r'[+-]?"[^"]*"|[^\s"]+')


def parse_mm(spec: Optional[str], n: int) -> int:
    """How many of ``n`` optional clauses must match, from a Solr ``mm`` spec."""
    if n == 0:
        return 0
    if not spec:
        return n

    def apply(part: str) -> int:
        part = part.strip()
        if part.endswith("%"):
            pct = int(part[:-1])
            k = math.floor(n * abs(pct) / 100.0)
            return n - k if pct < 0 else k
        val = int(part)
        return n + val if val < 0 else val

    spec = spec.strip()
    try:
        if "<" not in spec:
            result = apply(spec)
        else:
            result = n
            for cond in spec.split():
                bound, part = cond.split("<", 1)
                if n > int(bound):
                    result = apply(part)
    except ValueError:
        raise BadRequest("Invalid 'mm' parameter: %r" % spec)
    return max(0, min(n, result))


def parse_qf(qf: str) -> list:
    out = []
    for item in (qf or "").split():
        name, _, boost = item.partition("^")
        out.append((name, float(boost) if boost else 1.0))
    return out


_LOCAL_PARAM = re.compile(r"""\s*([\w.]+)(?:=('[^']*'|"[^"]*"|[^\s}]+))?""")


def split_local_params(text: str):
    """``{!type key=value ...}rest`` -> (type or None, {key: value}, rest)."""
    stripped = text.lstrip()
    if not stripped.startswith("{!"):
        return None, {}, text
    end = stripped.find("}")
    if end < 0:
        raise BadRequest("org.apache.solr.search.SyntaxError: unterminated local params "
                         "in '%s'" % text)
    body, rest = stripped[2:end], stripped[end + 1:]
    params, qtype, pos = {}, None, 0
    while pos < len(body):
        m = _LOCAL_PARAM.match(body, pos)
        if not m or m.end() == pos:
            if body[pos:].strip():
                raise BadRequest("org.apache.solr.search.SyntaxError: bad local params "
                                 "'%s'" % body)
            break
        key, value = m.group(1), m.group(2)
        if value is None:
            qtype = key
        else:
            params[key] = value[1:-1] if value[:1] in "'\"" else value
        pos = m.end()
    qtype = params.pop("type", qtype) or "lucene"
    if "v" in params and not rest.strip():
        rest = params.pop("v")
    return qtype.lower(), params, rest


def escape_dismax(token: str) -> str:
    # dismax treats everything but +, - and quotes as literal text
    return re.sub(r'([\\:(){}\[\]^~!&|/])', r"\\\1", token)


def dismax_tokens(text: str) -> list:
    return _DISMAX_TOKEN.findall(text)
