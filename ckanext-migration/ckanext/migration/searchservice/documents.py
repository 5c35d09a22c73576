"""Solr schema -> tantivy schema, and Solr documents -> tantivy documents."""
from __future__ import annotations

import datetime as dt
import json
import math

import tantivy

from . import arabic
from .dates import UTC, format_date, parse_date
from .errors import BadRequest
from .schema import Analyzer, FieldDef, SolrSchema

try:
    import orjson
except ImportError:  # optional: only faster
    orjson = None

SOURCE_FIELD = "__src"
# Solr refuses terms longer than this; we index a truncated prefix instead of failing
MAX_TERM_BYTES = 32766


def loads(data):
    """``json.loads``, by orjson when it can (several times faster on the stored sources
    and update bodies); what orjson refuses and Python's decoder reads (NaN, integers
    over 64 bits, lone surrogates, UTF-16) goes to Python's, errors included."""
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps_source(source: dict) -> bytes:
    """A normalised source document as stored: UTF-8 JSON. orjson when the values allow
    it (it would write NaN and infinities as null; it refuses integers over 64 bits)."""
    if orjson is not None and not any(
            type(v) is float and not math.isfinite(v) or
            type(v) is list and any(type(x) is float and not math.isfinite(x) for x in v)
            for v in source.values()):
        try:
            return orjson.dumps(source)
        except TypeError:
            pass
    return json.dumps(source, ensure_ascii=False).encode("utf-8")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)


def to_millis(value: dt.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MILLISECOND


def from_millis(ms: int) -> str:
    return format_date(dt.datetime.fromtimestamp(ms / 1000.0, UTC))


def dynamic_field_name(index: int) -> str:
    return "__dyn%d" % index


def json_path(name: str) -> str:
    """A key inside a JSON field, escaped the way tantivy addresses it."""
    return name.replace("\\", "\\\\").replace(".", "\\.")


_TANTIVY_FILTERS = {
    "lowercase": tantivy.Filter.lowercase,
    "ascii_fold": tantivy.Filter.ascii_fold,
    "stopwords": lambda: tantivy.Filter.stopword("english"),
    "stem": lambda: tantivy.Filter.stemmer("english"),
}


def build_analyzer(an: Analyzer):
    """The tantivy analyzer of a chain; the Arabic filters, which tantivy lacks, are
    applied to the text beforehand (``prepare_text``)."""
    if an.tokenizer == "ngram":
        tok = tantivy.Tokenizer.ngram(an.ngram[0], an.ngram[1], False)
    elif an.tokenizer == "raw":
        tok = tantivy.Tokenizer.raw()
    elif an.tokenizer == "simple":
        tok = tantivy.Tokenizer.simple()
    else:
        tok = tantivy.Tokenizer.whitespace()
    builder = tantivy.TextAnalyzerBuilder(tok).filter(tantivy.Filter.remove_long(255))
    for name in an.filters:
        make = _TANTIVY_FILTERS.get(name)
        if make is not None:
            builder = builder.filter(make())
    return builder.build()


def prepare_text(an: Analyzer, text: str) -> str:
    """A text value as tantivy's chain for ``an`` should see it (Arabic filters done)."""
    return arabic.prepare(text, an.filters) if an.arabic else text


_FOLDER = []


def _fold(text: str) -> str:
    if not _FOLDER:
        _FOLDER.append(tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
                       .filter(tantivy.Filter.ascii_fold()).build())
    tokens = _FOLDER[0].analyze(text)
    return tokens[0] if tokens else text


def multiterm_text(an: Analyzer, text: str) -> str:
    """A wildcard or fuzzy term through Solr's multi-term-aware filters of a chain
    (lower-casing, folding, Arabic normalisation; never stemming or stop words)."""
    for name in an.filters:
        if name == "lowercase":
            text = text.lower()
        elif name == "ascii_fold":
            text = _fold(text)
        elif name == "arabic_normalize":
            text = arabic.normalise(text)
    return text


def analyzers_of(schema: SolrSchema) -> dict:
    """Every analyzer the schema uses, by key, for indexing and for query parsing."""
    out = {}
    for fd in list(schema.fields.values()) + schema.dynamic:
        for an in (fd.type.index_analyzer, fd.type.query_analyzer):
            if an is not None and an.key not in out:
                out[an.key] = build_analyzer(an)
    return out


def _add_field(builder, name: str, fd: FieldDef, json_field: bool = False):
    kind = fd.kind
    if json_field:
        if kind == "text":
            # fast too, so that field:* (exists) works on dynamic text fields
            builder.add_json_field(name, fast=True, tokenizer_name=fd.type.index_analyzer.key,
                                   index_option="position")
        else:
            builder.add_json_field(name, fast=True, tokenizer_name="raw",
                                   index_option="basic")
    elif kind == "string":
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    elif kind == "text":
        builder.add_text_field(name, tokenizer_name=fd.type.index_analyzer.key,
                               index_option="position")
    elif kind == "int":
        builder.add_integer_field(name, indexed=True, fast=True)
    elif kind == "float":
        builder.add_float_field(name, indexed=True, fast=True)
    elif kind == "date":
        # epoch milliseconds: tantivy's date fast fields keep only seconds
        builder.add_integer_field(name, indexed=True, fast=True)
    elif kind == "boolean":
        builder.add_boolean_field(name, indexed=True, fast=True)


def build_tantivy_schema(schema: SolrSchema):
    builder = tantivy.SchemaBuilder()
    for name, fd in schema.fields.items():
        if fd.indexed and fd.kind != "binary":
            _add_field(builder, name, fd)
    for i, fd in enumerate(schema.dynamic):
        if fd.indexed and fd.kind != "binary":
            _add_field(builder, dynamic_field_name(i), fd, json_field=True)
    builder.add_bytes_field(SOURCE_FIELD, stored=True, indexed=False)
    return builder.build()


_TEXT_KINDS = ("string", "text", "binary")


def convert_value(fd: FieldDef, name: str, value, doc_id: str):
    """A Solr input value as the Python value stored for the field's kind."""
    kind = fd.type.kind
    if type(value) is str and kind in _TEXT_KINDS:  # most values: nothing to convert
        return value
    try:
        if kind in _TEXT_KINDS:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, (dict, list)):
                return json.dumps(value)
            return str(value)
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(str(value).strip()) if not isinstance(value, int) else value
        if kind == "float":
            return float(value)
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("true", "false", "t", "f", "1", "0", "on", "off"):
                raise ValueError(value)
            return text in ("true", "t", "1", "on")
        if kind == "date":
            if isinstance(value, dt.datetime):
                return format_date(value)
            text = str(value)
            if text.strip().startswith("NOW"):
                return format_date(dt.datetime.now(UTC))
            return format_date(parse_date(text))
    except (ValueError, TypeError, BadRequest):
        pass
    raise BadRequest("ERROR: [doc=%s] Error adding field '%s'='%s' msg=invalid %s value"
                     % (doc_id, name, value, kind))


class DocumentBuilder:
    """Turns one Solr input document into a tantivy document plus its stored source."""

    def __init__(self, schema: SolrSchema, tantivy_schema=None):
        self.schema = schema
        self.tantivy_schema = tantivy_schema or build_tantivy_schema(schema)
        # name -> (FieldDef, dynamic index or None); resolution is cached, it is hot
        self._resolved = {}
        # name -> how _add indexes its values; name -> [(copyField dest, its FieldDef)]
        self._plans = {}
        self._copies = {}
        # name -> (FieldDef, holds text, multi-valued), for normalise()
        self._normalise_plans = {}
        # the fields normalise() fills in or requires
        self._checked = [(name, fd) for name, fd in schema.fields.items()
                         if fd.default is not None or fd.required]

    def resolve(self, name: str):
        hit = self._resolved.get(name)
        if hit is None:
            fd = self.schema.resolve(name)
            if fd is None:
                return None
            hit = (fd, self.schema.dynamic_for(name))
            if len(self._resolved) < 100000:
                self._resolved[name] = hit
        return hit

    def normalise(self, doc: dict) -> dict:
        """Validate and type the input values: {field: value or [values]}."""
        key = self.schema.unique_key
        raw_id = doc.get(key)
        if raw_id is None or raw_id == [] or raw_id == "":
            raise BadRequest("Document is missing mandatory uniqueKey field: %s" % key)
        doc_id = raw_id[0] if isinstance(raw_id, list) else raw_id
        out = {}
        plans = self._normalise_plans
        for name, value in doc.items():
            if value is None:
                continue
            plan = plans.get(name)
            if plan is None:
                hit = self.resolve(name)
                if hit is None:
                    raise BadRequest("ERROR: [doc=%s] unknown field '%s'" % (doc_id, name))
                plan = (hit[0], hit[0].type.kind in _TEXT_KINDS, hit[0].multi)
                if len(plans) < 100000:
                    plans[name] = plan
            fd, text, multi = plan
            if text and type(value) is str:  # most values: nothing to convert or check
                out[name] = [value] if multi else value
                continue
            values = value if isinstance(value, list) else [value]
            if text:
                values = [v if type(v) is str else convert_value(fd, name, v, doc_id)
                          for v in values if v is not None]
            else:
                values = [convert_value(fd, name, v, doc_id) for v in values if v is not None]
            if not values:
                continue
            if len(values) > 1 and not multi:
                raise BadRequest(
                    "ERROR: [doc=%s] multiple values encountered for non multiValued "
                    "field %s: %s" % (doc_id, name, values))
            out[name] = values if multi else values[0]
        for name, fd in self._checked:
            if name not in out and fd.default is not None:
                out[name] = convert_value(fd, name, fd.default, doc_id)
                if fd.multi:
                    out[name] = [out[name]]
            if fd.required and name not in out:
                raise BadRequest("ERROR: [doc=%s] missing required field: %s" % (doc_id, name))
        return out

    def build(self, source: dict):
        """A tantivy document from a normalised source document (one call into tantivy:
        a value at a time cost more than the rest of the work)."""
        fields = {}
        dynamic = {}
        copies = self._copies
        for name, value in source.items():
            values = value if isinstance(value, list) else [value]
            self._add(fields, dynamic, name, values)
            targets = copies.get(name)
            if targets is None:
                targets = [(dest, self.schema.fields[dest])
                           for dest in self.schema.copy_targets(name) if dest != name]
                if len(copies) < 100000:
                    copies[name] = targets
            for dest, dest_fd in targets:
                self._add(fields, dynamic, dest,
                          [convert_value(dest_fd, dest, v, "") for v in values])
        for idx, payload in dynamic.items():
            fields[dynamic_field_name(idx)] = [payload]
        fields[SOURCE_FIELD] = [dumps_source(source)]
        return tantivy.Document.from_dict(fields, self.tantivy_schema)

    def _add(self, fields: dict, dynamic: dict, name: str, values: list):
        plan = self._plans.get(name)
        if plan is None:
            fd, dyn_index = self.resolve(name)
            skip = not fd.indexed or fd.kind == "binary"
            an = fd.type.index_analyzer
            plan = (skip, dyn_index, fd.kind, an, an is not None and an.arabic)
            if len(self._plans) < 100000:
                self._plans[name] = plan
        skip, dyn_index, kind, an, arabic_text = plan
        if skip:
            return
        if dyn_index is not None:
            bucket = dynamic.setdefault(dyn_index, {}).setdefault(name, [])
        else:
            bucket = fields.get(name)
            if bucket is None:
                bucket = fields[name] = []
        if kind == "string":
            bucket.extend([_clip(v) for v in values])
        elif kind == "text":
            if arabic_text:
                values = [prepare_text(an, v) for v in values]
            bucket.extend([_clip(v) for v in values] if dyn_index is not None else values)
        elif kind == "date":
            bucket.extend([to_millis(parse_date(v)) for v in values])
        else:
            bucket.extend(values)


def _clip(text: str) -> str:
    if len(text) <= MAX_TERM_BYTES // 4:  # 4 bytes at most per character in UTF-8
        return text
    data = text.encode("utf-8")
    if len(data) <= MAX_TERM_BYTES:
        return text
    return data[:MAX_TERM_BYTES].decode("utf-8", "ignore")
