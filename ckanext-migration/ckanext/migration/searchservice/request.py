"""Solr request parsing, in one place: a /select request becomes a ``SelectRequest``.

Read here: local params ``{!...}``, defType lucene/dismax/edismax, qf/mm/tie/df/q.op,
wildcards, ranges, date math, sort, paging, fl and facet parameters. Lucene syntax is
parsed by luqum; each leaf is analysed with the query analyzer of the field it targets,
as Solr does, and built as a tantivy query. ``select`` only runs the result.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
import threading
from typing import NamedTuple, Optional

import tantivy
from dateutil.relativedelta import relativedelta
from luqum import tree as lt
from luqum.exceptions import ParseError
# luqum.thread.parse, not luqum.parser.parser.parse: PLY's lexer keeps its state in one
# shared object, and the service parses in several threads at once (a query parsed
# while another is could fail: "unexpected end of expression")
from luqum import thread as luqum_parser

from .dates import ISO_DATE, UTC, parse_date
from .documents import (dynamic_field_name, json_path, multiterm_text,
                        prepare_text, to_millis)
from .errors import BadRequest

Occur = tantivy.Occur
Q = tantivy.Query
MATCH_ALL = ("*:*", "*")
_SORT_ITEM = re.compile(r"^\s*(\S+)\s+(asc|desc)\s*$", re.I)
_LOCAL_PARAM = re.compile(r"""\s*([\w.]+)(?:=('[^']*'|"[^"]*"|[^\s}]+))?""")
_DISMAX_TOKEN = re.compile(r'[+-]?"[^"]*"|[^\s"]+')
_DISMAX_SPECIAL = re.compile(r'([\\:(){}\[\]^~!&|/])')
_WILDCARD = re.compile(r"(?<!\\)[*?]")
_UNESCAPE = re.compile(r"\\(.)", re.S)
_PLAIN_BOUND = re.compile(r'^[^\s\[\]{}"\\]+$')
_I64_MIN, _I64_MAX = -2 ** 63, 2 ** 63 - 1
_U32_MAX, _F32_MAX = 2 ** 32 - 1, 3.4e38
_FIELD_TYPES = {"int": tantivy.FieldType.Integer, "float": tantivy.FieldType.Float,
                "date": tantivy.FieldType.Integer}
_DATE_MATH = re.compile(r"([+-]\d+|/)([A-Z]+)")
_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
    "MILLI": "microseconds", "MILLIS": "microseconds", "MILLISECOND": "microseconds",
    "MILLISECONDS": "microseconds",
}
# rounding (``/DAY``) floors every part finer than the unit
_FLOOR = (("month", 1), ("day", 1), ("hour", 0), ("minute", 0), ("second", 0),
          ("microsecond", 0))
_FINER = {"years": 0, "months": 1, "days": 2, "hours": 3, "minutes": 4, "seconds": 5}
# facet.sort: Solr still reads the legacy true/false
_FACET_SORTS = {"count": "count", "true": "count", "index": "index", "false": "index"}


class Params:
    """Solr request parameters: a multi-dict with Solr's per-field overrides."""

    def __init__(self, pairs):
        self._data = {}
        for key, value in pairs:
            self._data.setdefault(key, []).append(value)

    def get(self, key, default=None):
        values = self._data.get(key)
        return values[-1] if values else default

    def getlist(self, key) -> list:
        return list(self._data.get(key, []))

    def field(self, field: str, key: str, default=None):
        return self.get("f.%s.%s" % (field, key), self.get(key, default))

    def int(self, key, default: int, field: str = None) -> int:
        raw = self.field(field, key, None) if field else self.get(key, None)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest("Invalid integer for parameter '%s': '%s'" % (key, raw))

    def echo_pairs(self):
        for key, values in self._data.items():
            for value in values:
                yield key, value

    def echo(self) -> dict:
        return {k: (v[0] if len(v) == 1 else v) for k, v in self._data.items()}


class FieldList(NamedTuple):
    """``fl``: stored fields by name or glob, and whether to return the score."""
    score: bool
    all: bool
    names: frozenset
    globs: tuple


class FacetSpec(NamedTuple):
    """One field's facet: for ``facet.field``, or one level of a pivot."""
    name: str
    path: str  # tantivy field, or JSON path for a dynamic field
    kind: str
    limit: int  # negative: no limit
    mincount: int
    sort: str  # "count" or "index"
    offset: int = 0


class PivotSpec(NamedTuple):
    """One ``facet.pivot``: its response key and a level per field, outermost first."""
    key: str
    levels: tuple  # (FacetSpec, ...)


class SelectRequest(NamedTuple):
    query: object  # tantivy query: q and every fq
    sort: list  # [(field or "score", descending)]
    start: int
    rows: int
    fl: FieldList
    facets: Optional[list]  # [FacetSpec], None without facet=true
    pivots: tuple = ()  # (PivotSpec, ...)


# -- the request ---------------------------------------------------------------------
def parse_select(core, params: Params) -> SelectRequest:
    q = (params.get("q") or "").strip()
    def_type = (params.get("defType") or "lucene").lower()
    constant_score = q in MATCH_ALL or not q
    main = _client_query(core, q, def_type, params) if q else None
    clauses = [(Occur.Must, main if main is not None else
                (Q.all_query() if constant_score else Q.empty_query()))]
    for fq in params.getlist("fq"):
        if fq and fq.strip():
            built = _client_query(core, fq, "lucene", params)
            if built is not None:
                clauses.append((Occur.Must, Q.const_score_query(built, 0.0)))
    start = params.int("start", 0)
    rows = params.int("rows", 10)
    if start < 0 or rows < 0:
        raise BadRequest("'start' and 'rows' must not be negative")
    sort = parse_sort(core, params.get("sort"))
    if constant_score:
        sort = [k for k in sort if k[0] != "score"] or [("score", True)]
    facets, pivots = None, ()
    if (params.get("facet") or "").lower() == "true":
        facets = [_facet(core, name, params) for name in params.getlist("facet.field")]
        pivots = tuple(_pivot(core, raw, params) for raw in params.getlist("facet.pivot"))
    return SelectRequest(combine(clauses), sort, start, rows, parse_fl(params.get("fl")),
                         facets, pivots)


# the parameters parse_query reads besides the query text (local params are in the text)
_QUERY_PARAMS = ("df", "q.op", "tie", "qf", "mm")


class QueryCache:
    """Built queries by text, parser and the parameters they depend on. ``fq`` repeat a
    lot (site, state, permission labels, dataset type), and luqum's parsing costs more
    than the search. Queries with date math on ``NOW`` change with time: never cached."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._items = {}
        self._lock = threading.Lock()

    def get(self, core, text: str, def_type: str, params: Params):
        if "NOW" in text or len(text) > _CACHED_TEXT:
            return parse_query(core, text, def_type, params)
        key = (text, def_type) + tuple(params.get(p) for p in _QUERY_PARAMS)
        found = self._items.get(key, _MISSING)
        if found is not _MISSING:
            return found
        built = parse_query(core, text, def_type, params)
        with self._lock:
            if len(self._items) >= self.size:
                # drop the oldest half (dicts keep insertion order): cheap and bounded
                for old in list(self._items)[:self.size // 2]:
                    self._items.pop(old, None)
            self._items[key] = built
        return built


_MISSING = object()
# longer query texts are rare and would make the caches big: built every time
_CACHED_TEXT = 2000


def _client_query(core, text: str, def_type: str, params: Params):
    """``parse_query`` for a client's q or fq: a value tantivy refuses while the query is
    built (a term of the wrong type, a number out of range) came from the request, so it
    is a 400 naming the query, never a 500."""
    try:
        cache = getattr(core, "query_cache", None)
        if cache is not None:
            return cache.get(core, text, def_type, params)
        return parse_query(core, text, def_type, params)
    except BadRequest:
        raise
    except (ValueError, OverflowError) as e:
        raise BadRequest("Cannot build the query '%s': %s" % (text[:200], e))


def parse_query(core, text: str, def_type: str, params: Params, local: dict = None):
    """A query string under a parser; local params (``{!dismax qf=...}``) override."""
    qtype, lp, rest = split_local_params(text)
    if qtype is not None:
        merged = Params(list(params.echo_pairs()) + list(lp.items()))
        return parse_query(core, rest, qtype, merged, lp)
    qb = core.queries
    df = params.get("df") or "text"
    q_op = params.get("q.op") or "OR"
    try:
        tie = float(params.get("tie") or 0.0)
    except ValueError:
        raise BadRequest("Invalid 'tie' parameter: %r" % params.get("tie"))
    text = text.strip()
    if def_type == "dismax":
        qf = parse_qf(params.get("qf")) or [(df, 1.0)]
        if text in MATCH_ALL:
            return Q.all_query()
        return qb.dismax(text, qf, params.get("mm"), tie)
    if def_type == "edismax":
        qf = parse_qf(params.get("qf")) or [(df, 1.0)]
        return qb.lucene(text, df, q_op, qf=qf, tie=tie)
    if def_type in ("lucene", "standard"):
        return qb.lucene(text, df, q_op)
    if def_type == "bool" and local is not None:
        clauses = []
        for key, occur in (("must", Occur.Must), ("should", Occur.Should),
                           ("must_not", Occur.MustNot), ("filter", Occur.Must)):
            if key in local:
                built = qb.lucene(local[key], df, q_op)
                if built is not None:
                    clauses.append((occur, built))
        return combine(clauses)
    if def_type in ("term", "field") and local is not None and "f" in local:
        fd, path, dyn = qb.field(local["f"])
        return qb.value(fd, path, dyn, text)
    raise BadRequest("Unknown query parser '%s'" % def_type)


def parse_sort(core, spec: str) -> list:
    """[(field or 'score', descending)] from a Solr ``sort`` parameter."""
    keys = []
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        m = _SORT_ITEM.match(item)
        if not m:
            raise BadRequest("Can't determine a Sort Order (asc or desc) in sort spec '%s'"
                             % item.strip())
        name, direction = m.group(1), m.group(2).lower()
        if name != "score":
            hit = core.doc_builder.resolve(name)
            if hit is None:
                raise BadRequest("sort param field can't be found: %s" % name)
            fd, _dyn = hit
            if fd.kind == "text" or fd.multi:
                raise BadRequest("can not sort on multivalued or tokenized field: %s" % name)
        keys.append((name, direction == "desc"))
    return keys or [("score", True)]


def parse_fl(fl: Optional[str]) -> FieldList:
    names = [n for n in re.split(r"[\s,]+", fl or "*") if n]
    fields = [n for n in names if n not in ("*", "score")]
    return FieldList("score" in names, "*" in names, frozenset(fields),
                     tuple(n for n in fields if "*" in n))


def _facet(core, name: str, params: Params, pivot: bool = False) -> FacetSpec:
    """A field's facet; per-field ``f.<field>.facet.*`` parameters win, as in Solr."""
    hit = core.doc_builder.resolve(name)
    if hit is None:
        raise BadRequest('undefined field: "%s"' % name)
    fd, dyn = hit
    if fd.kind == "text" or not fd.indexed:
        raise BadRequest("can not facet on tokenized or unindexed field: %s" % name)
    limit = params.int("facet.limit", 100, field=name)
    offset = max(params.int("facet.offset", 0, field=name), 0)
    if pivot:  # pivots ignore facet.mincount: Solr reads facet.pivot.mincount, default 1
        mincount = max(params.int("facet.pivot.mincount", 1, field=name), 0)
    else:
        mincount = max(params.int("facet.mincount", 0, field=name), 1)
    sort = _FACET_SORTS.get((params.field(name, "facet.sort") or "").lower()) or \
        ("count" if limit > 0 else "index")
    return FacetSpec(name, field_path(name, dyn), fd.kind, limit, mincount, sort, offset)


def _pivot(core, raw: str, params: Params) -> PivotSpec:
    """``facet.pivot=a,b``, maybe with local params: ``{!key=matrix}a,b``."""
    qtype, local, value = split_local_params(raw)
    if local:  # local params are defaults under the request's f.<field>.* ones, as in Solr
        params = Params(list(params.echo_pairs()) + list(local.items()))
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise BadRequest("Pivot Facet needs at least one field name: %s" % raw)
    levels = tuple(_facet(core, name, params, pivot=True) for name in names)
    return PivotSpec(local.get("key", raw if qtype is None else value), levels)


def field_path(name: str, dyn) -> str:
    """The tantivy field, or JSON path inside a dynamic field's column, of a field."""
    return name if dyn is None else "%s.%s" % (dynamic_field_name(dyn), json_path(name))


# -- queries -------------------------------------------------------------------------
class QueryBuilder:
    """Builds tantivy queries against one core's schema."""

    def __init__(self, core):
        self.core = core
        self.tschema = core.tantivy_schema

    def field(self, name: str):
        """(FieldDef, tantivy field path, is_dynamic) for a field name in a query."""
        hit = self.core.doc_builder.resolve(name)
        if hit is None:
            raise BadRequest("undefined field %s" % name)
        fd, dyn = hit
        if not fd.indexed:
            raise BadRequest("can not use FieldCache on a field which is neither indexed "
                             "nor has doc values: %s" % name)
        return fd, field_path(name, dyn), dyn is not None

    def _analyse(self, fd, text: str) -> list:
        an = fd.type.query_analyzer
        return self.core.analyzers[an.key].analyze(prepare_text(an, text))

    # -- leaves ---------------------------------------------------------------------
    def term(self, field: str, raw: str) -> Optional[object]:
        """A bare word, escapes still in it."""
        if field == "*" and raw == "*":
            return Q.all_query()
        fd, path, dyn = self.field(field)
        if _WILDCARD.search(raw):
            return self._wildcard(fd, path, dyn, raw)
        return self.value(fd, path, dyn, unescape(raw))

    def value(self, fd, path, dyn, text: str, slop: int = 0):
        kind = fd.kind
        if kind == "text":
            tokens = self._analyse(fd, text)
            if not tokens:
                return None
            if len(tokens) == 1:
                return Q.term_query(self.tschema, path, tokens[0])
            return Q.phrase_query(self.tschema, path, tokens, slop)
        if kind == "string":
            return Q.term_query(self.tschema, path, text)
        if kind == "boolean":
            low = text.strip().lower()
            if low not in ("true", "false"):
                raise BadRequest("Invalid boolean value '%s' for field %s" % (text, fd.name))
            if dyn:
                return Q.term_query(self.tschema, path, low)
            return Q.term_query(self.tschema, path, low == "true")
        bound = parse_bound(fd, text)
        return self._range(fd, path, dyn, bound, bound, True, True)

    def _range(self, fd, path, dyn, low, high, inc_low, inc_high):
        if low is None and high is None:
            return self._exists(fd, path, dyn)
        if fd.kind in _FIELD_TYPES and not dyn:
            return Q.range_query(self.tschema, path, _FIELD_TYPES[fd.kind], low, high,
                                 inc_low if low is not None else True,
                                 inc_high if high is not None else True)
        # strings, booleans and dynamic fields: tantivy's own parser handles term ranges
        def fmt(v):
            if v is None:
                return "*"
            v = str(v)
            if not _PLAIN_BOUND.match(v):
                raise BadRequest("range bounds on field %s must be plain words "
                                 "(no spaces or brackets): %r" % (fd.name, v))
            return v
        expr = "%s:%s%s TO %s%s" % (path, "[" if inc_low else "{", fmt(low), fmt(high),
                                    "]" if inc_high else "}")
        try:
            return self.core.index.parse_query(expr)
        except ValueError as e:
            raise BadRequest("Cannot run range query on field %s: %s" % (fd.name, e))

    def _exists(self, fd, path, dyn):
        if fd.kind == "text" and not dyn:
            return Q.regex_query(self.tschema, path, ".*")
        return Q.exists_query(path)

    def _wildcard(self, fd, path, dyn, raw: str):
        if raw == "*":
            return self._exists(fd, path, dyn)
        if dyn:
            raise BadRequest("wildcard queries are not supported on dynamic field %s"
                             % fd.name)
        if fd.kind not in ("string", "text"):
            raise BadRequest("wildcard queries need a string or text field, %s is %s"
                             % (fd.name, fd.kind))
        # Solr applies the multi-term-aware filters (lowercasing, folding) to wildcards
        if fd.kind == "text":
            raw = multiterm_text(fd.type.query_analyzer, raw)
        return self._regex(fd, path, wildcard_regex(raw))

    def _regex(self, fd, path, pattern: str):
        # tantivy refuses a malformed or too large automaton with ValueError: the
        # client's mistake (a 400), never the service's
        try:
            return Q.regex_query(self.tschema, path, pattern)
        except ValueError as e:
            raise BadRequest("Invalid regular expression or wildcard on field %s: %s"
                             % (fd.name, str(e).splitlines()[0] if str(e) else e))

    def phrase(self, field: str, quoted: str, slop: int = 0):
        fd, path, dyn = self.field(field)
        return self.value(fd, path, dyn, unescape(quoted[1:-1]), slop)

    # -- lucene trees ---------------------------------------------------------------
    def lucene(self, text: str, df: str, q_op: str = "OR", qf=None, tie: float = 0.0):
        """A query in the standard (lucene) or, with ``qf``, the edismax syntax."""
        text = (text or "").strip()
        if not text:
            return None
        ctx = {"df": df, "and": (q_op or "OR").upper() == "AND", "qf": qf, "tie": tie}
        try:
            return self._node(parse_lucene_tree(text), None, ctx)
        except RecursionError:  # thousands of nested groups: refused, not a crash
            raise BadRequest("org.apache.solr.search.SyntaxError: Cannot parse '%s': "
                             "the query is nested too deeply" % text[:200])

    def _node(self, node, field, ctx):
        if isinstance(node, lt.SearchField):
            name = node.name
            if name != "*" and ctx.get("qf") is not None:
                name = unescape(name)
            return self._node(node.expr, unescape(name), ctx)
        if isinstance(node, (lt.Group, lt.FieldGroup)):
            return self._node(node.expr, field, ctx)
        if isinstance(node, (lt.AndOperation, lt.OrOperation, lt.UnknownOperation)):
            return self._boolean(node, field, ctx)
        if isinstance(node, (lt.Not, lt.Prohibit)):
            inner = self._node(node.a, field, ctx)
            if inner is None:
                return None
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, inner)])
        if isinstance(node, lt.Plus):
            return self._node(node.a, field, ctx)
        if isinstance(node, lt.Boost):
            inner = self._node(node.expr, field, ctx)
            boost = _number(node.force or 1, "boost", 0.0, _F32_MAX)
            return None if inner is None else Q.boost_query(inner, boost)
        if isinstance(node, lt.Proximity):
            slop = int(_number(node.degree or 0, "proximity (~)", 0, _U32_MAX))
            return self._leaf(node.term, field, ctx, slop=slop)
        if isinstance(node, lt.Fuzzy):
            return self._fuzzy(node, field, ctx)
        if isinstance(node, lt.Range):
            return self._range_node(node, field or ctx["df"])
        if isinstance(node, lt.From) or isinstance(node, lt.To):
            raise BadRequest("open range syntax (>, <) is not supported, use [a TO *]")
        if isinstance(node, (lt.Word, lt.Phrase, lt.Regex)):
            return self._leaf(node, field, ctx)
        raise BadRequest("unsupported query syntax: %s" % node)

    def _leaf(self, node, field, ctx, slop: int = 0):
        if field is None and ctx.get("qf"):
            return self._dismax_clause(node, ctx["qf"], ctx.get("tie", 0.0), slop)
        field = field or ctx["df"]
        if isinstance(node, lt.Phrase):
            return self.phrase(field, node.value, slop)
        if isinstance(node, lt.Regex):
            fd, path, dyn = self.field(field)
            if dyn:
                raise BadRequest("regex queries are not supported on dynamic field %s" % field)
            return self._regex(fd, path, node.value[1:-1])
        return self.term(field, node.value)

    def _fuzzy(self, node, field, ctx):
        field = field or ctx["df"]
        fd, path, _dyn = self.field(field)
        if fd.kind not in ("text", "string"):
            raise BadRequest("fuzzy queries (~) need a string or text field, %s is %s"
                             % (field, fd.kind))
        text = unescape(node.term.value)
        if fd.kind == "text":
            # like Solr, multi-term queries are lowercased and folded but not stemmed
            text = multiterm_text(fd.type.query_analyzer, text)
        degree = node.degree
        distance = 2 if degree is None else int(round(_number(degree, "fuzzy (~)", 0, 2)))
        return Q.fuzzy_term_query(self.tschema, path, text, distance)

    def _range_node(self, node, field):
        fd, path, dyn = self.field(field)
        # a bound is any luqum node: "-1" parses as Prohibit(Word("1")), its text is "-1"
        low = parse_bound(fd, str(node.low).strip().strip('"')) \
            if node.low is not None else None
        high = parse_bound(fd, str(node.high).strip().strip('"')) \
            if node.high is not None else None
        return self._range(fd, path, dyn, low, high, node.include_low, node.include_high)

    def _boolean(self, node, field, ctx):
        if isinstance(node, lt.AndOperation):
            default = Occur.Must
        elif isinstance(node, lt.OrOperation):
            default = Occur.Should
        else:
            default = Occur.Must if ctx["and"] else Occur.Should
        clauses = []
        for child in node.children:
            occur = default
            target = child
            if isinstance(child, (lt.Prohibit, lt.Not)):
                occur, target = Occur.MustNot, child.a
            elif isinstance(child, lt.Plus):
                occur, target = Occur.Must, child.a
            built = self._node(target, field, ctx)
            if built is not None:
                clauses.append((occur, built))
        return combine(clauses)

    # -- dismax ---------------------------------------------------------------------
    def _dismax_clause(self, node, qf, tie, slop=0):
        subs = []
        for name, boost in qf:
            fd, path, dyn = self.field(name)
            if isinstance(node, lt.Phrase):
                built = self.value(fd, path, dyn, unescape(node.value[1:-1]), slop)
            elif _WILDCARD.search(node.value):
                try:
                    built = self._wildcard(fd, path, dyn, node.value)
                except BadRequest:
                    built = None
            else:
                text = unescape(node.value)
                if fd.kind not in ("string", "text") and not _parses_as(fd, text):
                    continue
                built = self.value(fd, path, dyn, text)
            if built is None:
                continue
            subs.append(Q.boost_query(built, boost) if boost != 1.0 else built)
        if not subs:
            return None
        if len(subs) == 1:
            return subs[0]
        return Q.disjunction_max_query(subs, tie)

    def dismax(self, text: str, qf: list, mm: Optional[str], tie: float):
        """The dismax parser: +/-, quotes and words; every clause across the ``qf`` fields."""
        clauses = []
        for token in dismax_tokens(text):
            occur = Occur.Should
            if token[:1] in "+-" and len(token) > 1:
                occur = Occur.Must if token[0] == "+" else Occur.MustNot
                token = token[1:]
            if token.startswith('"') and token.endswith('"') and len(token) > 1:
                node = lt.Phrase(token)
            else:
                node = lt.Word(escape_dismax(token))
            built = self._dismax_clause(node, qf, tie)
            if built is not None:
                clauses.append((occur, built))
        should = sum(1 for occur, _ in clauses if occur == Occur.Should)
        if not clauses:
            return None
        return combine(clauses, parse_mm(mm, should) if should else None)


def combine(clauses: list, min_should: Optional[int] = None):
    """A boolean query; a purely negative one matches all documents but those."""
    if not clauses:
        return None
    if len(clauses) == 1 and clauses[0][0] == Occur.Must:
        return clauses[0][1]
    if all(occur == Occur.MustNot for occur, _ in clauses):
        clauses = [(Occur.Must, Q.all_query())] + clauses
    if min_should and min_should > 1:
        return Q.boolean_query(clauses, min_should)
    return Q.boolean_query(clauses)


# -- syntax --------------------------------------------------------------------------
def parse_lucene_tree(text: str):
    try:
        if len(text) > _CACHED_TEXT:
            return luqum_parser.parse(text)
        return _parse_tree(text)
    except (ParseError, Exception) as e:  # luqum raises several kinds
        raise BadRequest("org.apache.solr.search.SyntaxError: Cannot parse '%s': %s"
                         % (text, e))


@functools.lru_cache(maxsize=4096)
def _parse_tree(text: str):
    """luqum's tree of a query text; cached, trees are only read (filters with ``NOW``
    repeat too, and parsing is the dearest step of building a query)."""
    return luqum_parser.parse(text)


def _number(raw, what: str, low, high) -> float:
    """A number of the query syntax (boost, slop, fuzzy distance), clamped to what the
    index takes; not a number is the client's error."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadRequest("org.apache.solr.search.SyntaxError: %s must be a number, got %r"
                         % (what, raw))
    if math.isnan(value):
        raise BadRequest("org.apache.solr.search.SyntaxError: %s must be a number, got %r"
                         % (what, raw))
    return max(low, min(high, value))


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


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


def parse_qf(qf: Optional[str]) -> list:
    """[(field, boost)] from ``qf`` such as ``"title^2 text"``."""
    out = []
    for item in (qf or "").split():
        name, _, boost = item.partition("^")
        out.append((name, _number(boost, "the boost of %s in 'qf'" % name, 0.0, _F32_MAX)
                    if boost else 1.0))
    return out


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


def dismax_tokens(text: str) -> list:
    return _DISMAX_TOKEN.findall(text)


def escape_dismax(token: str) -> str:
    # dismax treats everything but +, - and quotes as literal text
    return _DISMAX_SPECIAL.sub(r"\\\1", token)


def wildcard_regex(raw: str, lowercase: bool = False) -> str:
    """The tantivy regex of a wildcard term (``*``, ``?``, backslash escapes)."""
    pattern = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            pattern.append(re.escape(raw[i + 1]))
            i += 2
            continue
        pattern.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    regex = "".join(pattern)
    if lowercase:
        regex = regex.lower()
    # tantivy's regex syntax does not know Python's escapes of '-' or ' '
    return regex.replace("\\-", "-").replace("\\ ", " ")


def parse_bound(fd, text: str):
    """A range bound or exact value for a field: int, float, epoch millis, text; * is None."""
    text = unescape(text).strip()
    if text == "*":
        return None
    try:
        if fd.kind == "int":
            value = int(text)
        elif fd.kind == "float":
            return float(text)
        elif fd.kind == "date":
            value = to_millis(date_math(text))
        else:
            return text
    except (ValueError, OverflowError):
        raise BadRequest("Invalid Number: %s for field %s" % (text, fd.name))
    # ints, longs and dates are 64-bit in the index, as in Solr
    if not _I64_MIN <= value <= _I64_MAX:
        raise BadRequest("Invalid Number: %s for field %s (out of the 64-bit range)"
                         % (text, fd.name))
    return value


def _parses_as(fd, text: str) -> bool:
    if fd.kind == "boolean":
        return text.lower() in ("true", "false")
    try:
        parse_bound(fd, text)
        return True
    except BadRequest:
        return False


def date_math(expr: str, now: Optional[dt.datetime] = None) -> dt.datetime:
    """Evaluate ``NOW``, an ISO date, optionally followed by ``+1DAY``, ``/MONTH``..."""
    expr = expr.strip()
    if expr.startswith("NOW"):
        base = (now or dt.datetime.now(UTC))
        rest = expr[3:]
    else:
        m = ISO_DATE.match(expr)
        if not m:
            raise BadRequest("Invalid Date String:'%s'" % expr)
        base = parse_date(m.group(0))
        rest = expr[m.end():]
    pos = 0
    value = base
    for m in _DATE_MATH.finditer(rest):
        if m.start() != pos:
            break
        op, unit = m.groups()
        if unit not in _UNITS:
            raise BadRequest("Invalid Date Math String:'%s' (unit %s)" % (expr, unit))
        if op == "/":
            value = _round(value, _UNITS[unit])
        elif _UNITS[unit] == "microseconds":
            value = value + dt.timedelta(milliseconds=int(op))
        else:
            value = value + relativedelta(**{_UNITS[unit]: int(op)})
        pos = m.end()
    if pos != len(rest):
        raise BadRequest("Invalid Date Math String:'%s'" % expr)
    return value


def _round(value: dt.datetime, unit: str) -> dt.datetime:
    if unit == "microseconds":
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value.replace(**dict(_FLOOR[_FINER[unit]:]))
