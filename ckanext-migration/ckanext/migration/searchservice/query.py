"""Solr query syntax (lucene, dismax, edismax parsers) -> tantivy queries.

Lucene syntax is parsed by luqum; each leaf is analysed with the query analyzer of the
field it targets, the way Solr does, and built as a tantivy query.
"""
from __future__ import annotations

import re
from typing import Optional

import tantivy
from luqum import tree as lt
from luqum.exceptions import ParseError
from luqum.parser import parser as luqum_parser

from .dates import date_math
from .documents import dynamic_field_name, json_path, to_millis
from .errors import BadRequest
from .syntax import dismax_tokens, escape_dismax, parse_mm

Occur = tantivy.Occur
Q = tantivy.Query
_UNESCAPE = re.compile(r"\\(.)", re.S)
_PLAIN_BOUND = re.compile(r'^[^\s\[\]{}"\\]+$')
_FIELD_TYPES = {"int": tantivy.FieldType.Integer, "float": tantivy.FieldType.Float,
                "date": tantivy.FieldType.Integer}


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def parse_lucene_tree(text: str):
    try:
        return luqum_parser.parse(text)
    except (ParseError, Exception) as e:  # luqum raises several kinds
        raise BadRequest("org.apache.solr.search.SyntaxError: Cannot parse '%s': %s"
                         % (text, e))


class QueryBuilder:
    """Builds tantivy queries against one core's schema."""

    def __init__(self, core):
        self.core = core
        self.schema = core.solr_schema
        self.tschema = core.tantivy_schema

    # -- fields ---------------------------------------------------------------------
    def _field(self, name: str):
        """(FieldDef, tantivy field path, is_dynamic) for a field name in a query."""
        hit = self.core.doc_builder.resolve(name)
        if hit is None:
            raise BadRequest("undefined field %s" % name)
        fd, dyn = hit
        if not fd.indexed:
            raise BadRequest("can not use FieldCache on a field which is neither indexed "
                             "nor has doc values: %s" % name)
        if dyn is not None:
            return fd, "%s.%s" % (dynamic_field_name(dyn), json_path(name)), True
        return fd, name, False

    def _analyse(self, fd, text: str) -> list:
        return self.core.analyzers[fd.type.query_analyzer.key].analyze(text)

    # -- leaves ---------------------------------------------------------------------
    def term(self, field: str, raw: str) -> Optional[object]:
        """A bare word, escapes still in it."""
        if field == "*" and raw == "*":
            return Q.all_query()
        fd, path, dyn = self._field(field)
        if _has_wildcard(raw):
            return self._wildcard(fd, path, dyn, raw)
        return self.value(fd, path, dyn, unescape(raw))

    def value(self, fd, path, dyn, text: str, phrase: bool = False, slop: int = 0):
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
        bound = self._bound(fd, text)
        return self._range(fd, path, dyn, bound, bound, True, True)

    def _bound(self, fd, text: str):
        text = unescape(text).strip()
        if text == "*":
            return None
        try:
            if fd.kind == "int":
                return int(text)
            if fd.kind == "float":
                return float(text)
            if fd.kind == "date":
                return to_millis(date_math(text))
        except ValueError:
            raise BadRequest("Invalid Number: %s for field %s" % (text, fd.name))
        return text

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
        if fd.kind == "text":
            # Solr applies the multi-term-aware filters (lowercasing, folding) to wildcards
            an = fd.type.query_analyzer
            if an.lowercase:
                regex = regex.lower()
        # tantivy's regex syntax does not know Python's escapes of '-' or ' '
        regex = regex.replace("\\-", "-").replace("\\ ", " ")
        return Q.regex_query(self.tschema, path, regex)

    def phrase(self, field: str, quoted: str, slop: int = 0):
        fd, path, dyn = self._field(field)
        return self.value(fd, path, dyn, unescape(quoted[1:-1]), phrase=True, slop=slop)

    # -- lucene trees ---------------------------------------------------------------
    def lucene(self, text: str, df: str, q_op: str = "OR", qf=None, tie: float = 0.0):
        """A query in the standard (lucene) or, with ``qf``, the edismax syntax."""
        text = (text or "").strip()
        if not text:
            return None
        node = parse_lucene_tree(text)
        ctx = {"df": df, "and": (q_op or "OR").upper() == "AND", "qf": qf, "tie": tie}
        return self._node(node, None, ctx)

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
            return None if inner is None else Q.boost_query(inner, float(node.force or 1))
        if isinstance(node, lt.Proximity):
            return self._leaf(node.term, field, ctx, slop=int(node.degree or 0))
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
            fd, path, dyn = self._field(field)
            if dyn:
                raise BadRequest("regex queries are not supported on dynamic field %s" % field)
            return Q.regex_query(self.tschema, path, node.value[1:-1])
        return self.term(field, node.value)

    def _fuzzy(self, node, field, ctx):
        field = field or ctx["df"]
        fd, path, _dyn = self._field(field)
        text = unescape(node.term.value)
        if fd.kind == "text" and fd.type.query_analyzer.lowercase:
            # like Solr, multi-term queries are lowercased but not stemmed
            text = text.lower()
        degree = node.degree
        distance = 2 if degree is None else max(0, min(2, int(round(float(degree)))))
        return Q.fuzzy_term_query(self.tschema, path, text, distance)

    def _range_node(self, node, field):
        fd, path, dyn = self._field(field)
        low = self._bound(fd, node.low.value.strip('"')) if node.low is not None else None
        high = self._bound(fd, node.high.value.strip('"')) if node.high is not None else None
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
            fd, path, dyn = self._field(name)
            if isinstance(node, lt.Phrase):
                built = self.value(fd, path, dyn, unescape(node.value[1:-1]), True, slop)
            elif _has_wildcard(node.value):
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


def _has_wildcard(raw: str) -> bool:
    return bool(re.search(r"(?<!\\)[*?]", raw))


def _parses_as(fd, text: str) -> bool:
    try:
        if fd.kind == "int":
            int(text)
        elif fd.kind == "float":
            float(text)
        elif fd.kind == "date":
            date_math(text)
        elif fd.kind == "boolean":
            return text.lower() in ("true", "false")
        return True
    except (ValueError, BadRequest):
        return False
