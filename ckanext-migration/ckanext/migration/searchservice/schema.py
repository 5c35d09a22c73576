"""Read a Solr ``schema.xml``: field types, fields, dynamic fields, copy fields, unique key.

Only what the service needs to index and query like Solr is kept: the kind of each
field type (string, text, int, float, date, boolean, binary) and, for text types, the
analysis chain reduced to what tantivy offers.
"""
from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import Optional

from lxml import etree

# Solr field type classes -> the service's kinds
_CLASS_KINDS = {
    "StrField": "string",
    "UUIDField": "string",
    "TextField": "text",
    "BoolField": "boolean",
    "IntPointField": "int", "LongPointField": "int",
    "TrieIntField": "int", "TrieLongField": "int",
    "FloatPointField": "float", "DoublePointField": "float",
    "TrieFloatField": "float", "TrieDoubleField": "float",
    "DatePointField": "date", "TrieDateField": "date",
    "BinaryField": "binary",
}


class SchemaError(ValueError):
    """The schema file cannot be used."""


# Solr token filter classes -> the service's filters (applied in the schema's order);
# filters not listed here (word delimiter, flatten, synonyms) change nothing we model
_FILTERS = (
    (("LowerCase",), "lowercase"),
    (("ASCIIFolding", "ICUFolding"), "ascii_fold"),
    (("ArabicNormalization",), "arabic_normalize"),
    (("ArabicStem",), "arabic_stem"),
    (("StopFilter",), "stopwords"),
    (("SnowballPorter", "PorterStem", "KStem", "EnglishMinimalStem"), "stem"),
)


@dataclass(frozen=True)
class Analyzer:
    """An analysis chain reduced to tantivy's building blocks.

    ``filters`` keeps the schema's order: folding before stemming is not the same as
    stemming before folding ("Senegal" -> "seneg" while "Sénégal" stays whole).
    """
    tokenizer: str = "whitespace"  # whitespace | simple | ngram | raw
    ngram: tuple = (2, 10)
    filters: tuple = ()

    @property
    def lowercase(self) -> bool:
        return "lowercase" in self.filters

    @property
    def stem(self) -> bool:
        return "stem" in self.filters

    @property
    def ascii_fold(self) -> bool:
        return "ascii_fold" in self.filters

    @property
    def stopwords(self) -> bool:
        return "stopwords" in self.filters

    @property
    def arabic(self) -> bool:
        """Arabic normalisation or stemming, done by the service before tantivy's chain."""
        return "arabic_normalize" in self.filters or "arabic_stem" in self.filters

    @property
    def key(self) -> str:
        parts = [self.tokenizer]
        if self.tokenizer == "ngram":
            parts.append("%d_%d" % self.ngram)
        parts += list(self.filters)
        return "a_" + "_".join(parts)


@dataclass(frozen=True)
class FieldType:
    name: str
    kind: str
    multi: bool = False
    index_analyzer: Optional[Analyzer] = None
    query_analyzer: Optional[Analyzer] = None


@dataclass(frozen=True)
class FieldDef:
    name: str  # the field name, or the pattern of a dynamic field
    type: FieldType
    indexed: bool = True
    stored: bool = True
    multi: bool = False
    required: bool = False
    default: Optional[str] = None

    @property
    def kind(self) -> str:
        return self.type.kind


@dataclass
class SolrSchema:
    name: str
    version: str
    unique_key: str
    fields: dict = field(default_factory=dict)
    dynamic: list = field(default_factory=list)  # [FieldDef] in Solr's matching order
    copy_fields: list = field(default_factory=list)  # [(source pattern, dest)]
    raw: bytes = b""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def resolve(self, name: str) -> Optional[FieldDef]:
        """The definition a field name gets: its own, else the longest matching dynamic one."""
        found = self.fields.get(name)
        if found is not None:
            return found
        for dyn in self.dynamic:
            if fnmatch.fnmatchcase(name, dyn.name):
                return dyn
        return None

    def dynamic_for(self, name: str) -> Optional[int]:
        """Index in ``dynamic`` of the pattern a non-static field name falls under."""
        if name in self.fields:
            return None
        for i, dyn in enumerate(self.dynamic):
            if fnmatch.fnmatchcase(name, dyn.name):
                return i
        return None

    def copy_targets(self, name: str) -> list:
        cache = self.__dict__.setdefault("_copy_cache", {})
        found = cache.get(name)
        if found is None:
            found = [dest for src, dest in self.copy_fields
                     if src == name or ("*" in src and fnmatch.fnmatchcase(name, src))]
            if len(cache) < 100000:  # field names come from clients: bounded
                cache[name] = found
        return found


def _analyzer(node) -> Analyzer:
    tok = node.find("tokenizer")
    tok_class = (tok.get("class", "") if tok is not None else "").rsplit(".", 1)[-1]
    filters = [f.get("class", "").rsplit(".", 1)[-1] for f in node.findall("filter")]
    kwargs = {}
    if tok_class.startswith("NGram") or tok_class.startswith("EdgeNGram"):
        kwargs["tokenizer"] = "ngram"
        kwargs["ngram"] = (int(tok.get("minGramSize", 1)), int(tok.get("maxGramSize", 2)))
    elif tok_class.startswith("Keyword"):
        kwargs["tokenizer"] = "raw"
    elif tok_class.startswith("Standard") or tok_class.startswith("Classic") or any(
            f.startswith("WordDelimiter") for f in filters):
        # splitting on punctuation is what the word delimiter filter mostly does
        kwargs["tokenizer"] = "simple"
    else:
        kwargs["tokenizer"] = "whitespace"
    chain = []
    for f in filters:
        for prefixes, name in _FILTERS:
            if f.startswith(prefixes) and name not in chain:
                chain.append(name)
    kwargs["filters"] = tuple(chain)
    return Analyzer(**kwargs)


def _bool(value: Optional[str], default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


def parse_schema(raw: bytes) -> SolrSchema:
    """Parse the bytes of a Solr schema.xml."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as e:
        raise SchemaError("schema.xml is not well-formed XML: %s" % e)
    if root.tag != "schema":
        raise SchemaError("schema.xml: root element must be <schema>, found <%s>" % root.tag)

    types = {}
    for node in root.iter("fieldType", "fieldtype"):
        cls = node.get("class", "").rsplit(".", 1)[-1]
        kind = _CLASS_KINDS.get(cls)
        if kind is None:
            raise SchemaError("schema.xml: field type %r uses unsupported class %r"
                              % (node.get("name"), node.get("class")))
        index_an = query_an = None
        if kind == "text":
            analyzers = node.findall("analyzer")
            by_type = {a.get("type", "all"): a for a in analyzers}
            index_node = by_type.get("index", by_type.get("all"))
            query_node = by_type.get("query", by_type.get("all", index_node))
            index_an = _analyzer(index_node) if index_node is not None else Analyzer()
            query_an = _analyzer(query_node) if query_node is not None else index_an
        types[node.get("name")] = FieldType(
            name=node.get("name"), kind=kind, multi=_bool(node.get("multiValued"), False),
            index_analyzer=index_an, query_analyzer=query_an)

    def field_def(node) -> FieldDef:
        type_name = node.get("type")
        if type_name not in types:
            raise SchemaError("schema.xml: field %r has unknown type %r"
                              % (node.get("name"), type_name))
        ftype = types[type_name]
        return FieldDef(
            name=node.get("name"), type=ftype,
            indexed=_bool(node.get("indexed"), True),
            stored=_bool(node.get("stored"), True),
            multi=_bool(node.get("multiValued"), ftype.multi),
            required=_bool(node.get("required"), False),
            default=node.get("default"))

    fields = {}
    dynamic = []
    for node in root.iter("field"):
        fields[node.get("name")] = field_def(node)
    for node in root.iter("dynamicField"):
        dynamic.append(field_def(node))
    # Solr prefers the longest pattern when several match
    dynamic.sort(key=lambda d: -len(d.name))

    key_node = root.find(".//uniqueKey")
    if key_node is None or not (key_node.text or "").strip():
        raise SchemaError("schema.xml: <uniqueKey> is required")
    unique_key = key_node.text.strip()
    if unique_key not in fields:
        raise SchemaError("schema.xml: uniqueKey %r is not a declared field" % unique_key)

    copies = [(node.get("source"), node.get("dest")) for node in root.iter("copyField")]
    for _src, dest in copies:
        if dest not in fields:
            raise SchemaError("schema.xml: copyField dest %r is not a declared field" % dest)

    return SolrSchema(name=root.get("name", ""), version=root.get("version", ""),
                      unique_key=unique_key, fields=fields, dynamic=dynamic,
                      copy_fields=copies, raw=raw)


def load_schema(path: str) -> SolrSchema:
    with open(path, "rb") as f:
        return parse_schema(f.read())
