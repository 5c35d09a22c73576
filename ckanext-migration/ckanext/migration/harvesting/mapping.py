"""The one mapping of harvested records onto the migration schema.

A harvester only knows its source: it turns what the source publishes into a
``SourceRecord``; ``to_package`` does the rest the same way for every source (country
codes, inferred topics and GCM objectives, names, resources).
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

import yaml

from ckan.lib.munge import munge_name, munge_tag

from ckanext.migration import countries as country_codes

REGISTRY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "harvest_registry")
RULES_FILE = os.path.join(REGISTRY_DIR, "rules.yaml")


@dataclass
class SourceRecord:
    """What a harvester knows about one upstream dataset."""
    guid: str
    title: str
    identifier: str
    source_platform: str
    notes: str = ""
    url: str = ""
    producer: str = ""
    producer_type: str = ""
    keywords: list = field(default_factory=list)
    countries: list = field(default_factory=list)   # any codes or names: normalised here
    period_start: str = ""
    period_end: str = ""
    frequency: str = ""        # an EU frequency code or URI
    modified: str = ""         # last update at the source
    topics: list = field(default_factory=list)
    gcm_objectives: list = field(default_factory=list)
    resources: list = field(default_factory=list)  # [{url, name, format, raw_data, ...}]
    extra: dict = field(default_factory=dict)      # further schema fields, as they are


@functools.lru_cache(maxsize=1)
def load_rules() -> list:
    with open(RULES_FILE) as f:
        rules = yaml.safe_load(f)["rules"]
    return [(re.compile(r["match"], re.I), r.get("topics", []), r.get("gcm_objectives", []))
            for r in rules]


def infer(record: SourceRecord) -> tuple:
    """(topics, gcm_objectives) the rules find in a record's texts."""
    texts = [record.title, record.notes, record.identifier, " ".join(record.keywords)]
    topics, objectives = [], []
    for pattern, rule_topics, rule_objectives in load_rules():
        if any(pattern.search(t or "") for t in texts):
            topics += [t for t in rule_topics if t not in topics]
            objectives += [o for o in rule_objectives if o not in objectives]
    return topics, objectives


@functools.lru_cache(maxsize=1)
def load_definition_rules() -> list:
    with open(RULES_FILE) as f:
        rules = yaml.safe_load(f).get("definitions") or []
    return [(re.compile(r["source"], re.I), re.compile(r["match"], re.I),
             list(r["definition_terms"])) for r in rules]


def infer_definitions(record: SourceRecord) -> list:
    """Glossary definition codes of the producer's standard definitions the rules find."""
    sources = [record.producer, record.source_platform, record.notes]
    texts = [record.title, record.notes, record.identifier, " ".join(record.keywords)]
    out = []
    for source, pattern, codes in load_definition_rules():
        if any(source.search(s or "") for s in sources) and \
                any(pattern.search(t or "") for t in texts):
            out += [c for c in codes if c not in out]
    return out


@functools.lru_cache(maxsize=1)
def _rules_file() -> dict:
    with open(RULES_FILE) as f:
        return yaml.safe_load(f)


@functools.lru_cache(maxsize=4)
def load_code_rules(section: str) -> list:
    """[(pattern, codes)] of a rules.yaml section whose rules give codes under its own
    name (populations, caveat_flags, regions)."""
    return [(re.compile(r["match"], re.I), list(r[section]))
            for r in _rules_file().get(section) or []]


def match_codes(section: str, texts) -> list:
    """The codes of a rules.yaml section whose patterns one of ``texts`` matches."""
    out = []
    for pattern, codes in load_code_rules(section):
        if any(pattern.search(t or "") for t in texts):
            out += [c for c in codes if c not in out]
    return out


def infer_populations(record: SourceRecord) -> list:
    """Population codes from a record's title and keywords (tags)."""
    return match_codes("populations", [record.title] + list(record.keywords))


def infer_caveat_flags(caveats: str) -> list:
    """Caveat flag codes from a caveats text."""
    return match_codes("caveat_flags", [caveats])


def names_a_producer(name: str) -> bool:
    """False for empty names and those naming no one ("Multiple Sources")."""
    name = (name or "").strip()
    return bool(name) and not any(re.search(p, name, re.I)
                                  for p in _rules_file().get("no_producer") or [])


def region_code(value: str) -> str | None:
    """The M49 code of a region a source names (its code, English label, or a rules.yaml
    alias such as HDX's "world" group), or None."""
    from ckanext.migration import vocab
    text = str(value or "").strip()
    if not text:
        return None
    codes = match_codes("regions", [text])
    if codes:
        return codes[0]
    regions = vocab.get_vocabulary("regions")
    if text in regions:
        return text
    wanted = re.sub(r"[^a-z]+", " ", text.lower()).strip()
    for term in regions:
        if re.sub(r"[^a-z]+", " ", (term.label or "").lower()).strip() == wanted:
            return term.code
    return None


@functools.lru_cache(maxsize=1)
def _country_name_patterns() -> tuple:
    """(stop pattern, names pattern, {name: alpha-3}) of rules.yaml's country_names."""
    from ckanext.migration import vocab
    rules = _rules_file().get("country_names") or {}
    by_name = {}
    for code, names in (rules.get("aliases") or {}).items():
        for name in names:
            by_name.setdefault(name, code)
    for term in vocab.get_vocabulary("countries"):
        for name in country_codes.all_names(term.code):
            # "Congo, The Democratic Republic of the" is a list entry, not how texts say it
            if "," not in name and "(" not in name:
                by_name.setdefault(name, term.code)
    for name, code in list(by_name.items()):
        by_name.setdefault(name.upper(), code)
    names = sorted(by_name, key=len, reverse=True)  # "South Sudan" before "Sudan"
    pattern = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(map(re.escape, names)))
    stop = re.compile("|".join("(?:%s)" % s for s in rules.get("stop") or []) or "(?!)")
    return stop, pattern, by_name


def infer_countries(*texts) -> list:
    """ISO alpha-3 codes of the countries ``texts`` name, in order of appearance."""
    stop, pattern, by_name = _country_name_patterns()
    out = []
    for text in texts:
        for match in pattern.finditer(stop.sub(" ", text or "")):
            code = by_name[match.group(0)]
            if code not in out:
                out.append(code)
    return out


def dataset_name(platform: str, identifier: str) -> str:
    """A stable dataset name from where it comes from: re-harvests find it again."""
    name = munge_name("%s-%s" % (platform, identifier))
    return name[:100].strip("-")


def merge(*lists) -> list:
    """The values of several lists, once each, in order of first appearance."""
    out = []
    for values in lists:
        for v in values or []:
            if v not in out:
                out.append(v)
    return out


# formats of a resource that is the data itself (not a page, report or API description)
RAW_FORMATS = {"CSV", "TSV", "XLSX", "XLS", "ODS", "JSON", "GEOJSON", "ZIP", "SDMX-CSV",
               "PARQUET"}


def raw_data_first(resources: list) -> list:
    """Resources with the raw-data ones first, each group in its given order."""
    return sorted(resources, key=lambda r: str(r.get("raw_data") or "").lower() != "true")


def to_package(record: SourceRecord, defaults: dict | None = None) -> dict:
    """A package dict on the migration schema from a harvested record."""
    defaults = defaults or {}
    inferred_topics, inferred_objectives = infer(record)
    topics = merge(record.topics, defaults.get("topics"), inferred_topics)
    objectives = merge(record.gcm_objectives, defaults.get("gcm_objectives"),
                        inferred_objectives)
    countries = merge([c for c in map(country_codes.to_iso3, record.countries) if c])
    regions = merge([r for r in map(region_code, record.countries) if r])
    inferred = not countries and not regions and infer_countries(record.title, record.notes)
    tags = merge([munge_tag(k)[:100] for k in record.keywords
                   if k and len(k.strip()) >= 2 and munge_tag(k)])
    pkg = {
        "name": dataset_name(record.source_platform, record.identifier),
        "title": record.title.strip()[:500] or record.identifier,
        "notes": record.notes or record.title,
        "url": record.url,
        "identifier": record.identifier,
        "source_platform": record.source_platform,
        "topics": topics,
        "gcm_objectives": objectives,
        "countries": countries or inferred or [],
        "tag_string": ",".join(tags),
        "resources": raw_data_first([dict(r) for r in record.resources if r.get("url")]),
    }
    producer = record.producer or defaults.get("producer")
    if producer:
        creator = {"name": producer}
        if record.producer_type or defaults.get("producer_type"):
            creator["type"] = record.producer_type or defaults.get("producer_type")
        pkg["creator"] = [creator]
    if record.period_start or record.period_end:
        pkg["temporal_coverage"] = [{"start": record.period_start or None,
                                     "end": record.period_end or None}]
    for key, value in (("frequency", record.frequency), ("modified", record.modified)):
        if value:
            pkg[key] = value
    for key in ("license_id", "source_type", "unit_of_observation", "population_covered",
                "geographic_granularity", "disaggregation", "caveat_flags", "caveats"):
        if defaults.get(key) and key not in record.extra:
            pkg[key] = defaults[key]
    pkg.update(record.extra)
    _fill_from_texts(pkg, record, regions)
    if inferred and pkg["countries"] == inferred:
        pkg["countries_inferred"] = True
    definition_terms = merge(pkg.get("definition_terms"), defaults.get("definition_terms"),
                             infer_definitions(record))
    if definition_terms:
        pkg["definition_terms"] = definition_terms
    return pkg


def _fill_from_texts(pkg: dict, record: SourceRecord, regions: list) -> None:
    """What the record does not state but its words say: population covered (title,
    keywords), caveat flags (caveats), regions and granularity (places it names)."""
    if not pkg.get("population_covered"):
        populations = infer_populations(record)
        if populations:
            pkg["population_covered"] = populations
    if not pkg.get("caveat_flags") and isinstance(pkg.get("caveats"), str):
        flags = infer_caveat_flags(pkg["caveats"])
        if flags:
            pkg["caveat_flags"] = flags
    if regions and not pkg.get("regions"):
        pkg["regions"] = regions
    if regions and not pkg.get("geographic_granularity"):
        pkg["geographic_granularity"] = "global" if "001" in regions else "regional"
