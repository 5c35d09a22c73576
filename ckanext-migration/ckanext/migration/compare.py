"""Competing figures side by side: other sources for a dataset, and the comparison rows.

Other sources of a dataset are its twins (``also_published_by``, either direction: see
harvesting/twins.py) and the datasets of *other* producers that share at least one country,
population and topic and whose collection period overlaps its own. They are found with one
search (``fq`` on the indexed fields; the period as ``period_start_date`` and
``period_end_date``, added by ``index_fields``) run with the caller's context, so a private
dataset only shows to those who may see it.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

import ckan.plugins.toolkit as tk
from ckan.lib.search.query import solr_literal

from ckanext.migration import multilingual, quality, vocab

# other sources shown on a dataset page, and candidates read to rank them
LIMIT = 5
CANDIDATES = 50
# datasets on one /compare page
MAX_IDS = 6
_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# the comparison's fields, in the order the table shows them
FIELDS = ("producer", "definitions", "period", "unit_of_observation", "sample_size",
          "last_updated", "freshness", "transparency_score", "caveats")


def _bound(value, end: bool):
    """A period bound as a date: a partial date means its first day at the start, its last
    day at the end ("2020" ends on 2020-12-31)."""
    m = _DATE.match(str(value or ""))
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            last = calendar.monthrange(year, int(month))[1] if end else 1
            return dt.date(year, int(month), last)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        return None


def period_bounds(periods) -> tuple:
    """(first start, last end) of a collection period; end None when a period has no end
    (ongoing); (None, None) when no period has a start."""
    starts, ends, ongoing = [], [], False
    for period in periods or []:
        if not isinstance(period, dict):
            continue
        start, end = _bound(period.get("start"), False), _bound(period.get("end"), True)
        if start is None:
            continue
        starts.append(start)
        if end is None:
            ongoing = True
        else:
            ends.append(end)
    if not starts:
        return None, None
    return min(starts), (None if ongoing or not ends else max(ends))


def _solr_date(day: dt.date, end: bool = False) -> str:
    return day.isoformat() + ("T23:59:59Z" if end else "T00:00:00Z")


def index_fields(validated: dict) -> dict:
    """The collection period as index dates (``*_date`` fields of the schema)."""
    start, end = period_bounds(validated.get("temporal_coverage"))
    return {"period_start_date": _solr_date(start) if start else None,
            "period_end_date": _solr_date(end, True) if end else None}


def _producers(pkg: dict) -> list:
    return [c["name"] for c in pkg.get("creator") or []
            if isinstance(c, dict) and c.get("name")]


def _organization(pkg: dict) -> str:
    org = pkg.get("organization")
    return (org.get("name") if isinstance(org, dict) else org) or ""


def _any_of(field: str, values) -> str:
    return "%s:(%s)" % (field, " OR ".join(solr_literal(str(v)) for v in values))


def _match_query(pkg: dict) -> str:
    """The filter for datasets of other producers on the same countries, population, topic
    and period; "" when the dataset lacks one of them."""
    start, end = period_bounds(pkg.get("temporal_coverage"))
    fields = [pkg.get(f) or [] for f in ("countries", "population_covered", "topics")]
    if start is None or not all(fields):
        return ""
    parts = [_any_of(f, v) for f, v in zip(("countries", "population_covered", "topics"),
                                           fields)]
    parts.append("period_start_date:[* TO %s]" % (_solr_date(end, True) if end else "*"))
    parts.append("(period_end_date:[%s TO *] OR (period_start_date:[* TO *] AND "
                 "-period_end_date:[* TO *]))" % _solr_date(start))
    query = " AND ".join(parts)
    producers = _producers(pkg)
    # one producer is one creator; without creators, the publishing organisation
    if producers:
        query += " AND -" + _any_of("producer", producers)
    elif _organization(pkg):
        query += " AND -organization:%s" % solr_literal(_organization(pkg))
    return query


def _is_twin(pkg: dict, other: dict) -> bool:
    return (other.get("name") in (pkg.get("also_published_by") or [])
            or pkg.get("name") in (other.get("also_published_by") or []))


def _overlap(pkg: dict, other: dict):
    """How much two datasets share (codes in common, days of period in common), or None
    when they are not comparable (same producer, or nothing shared)."""
    shared = [set(pkg.get(f) or []) & set(other.get(f) or [])
              for f in ("countries", "population_covered", "topics")]
    mine, theirs = _producers(pkg), _producers(other)
    same_producer = (set(mine) & set(theirs)) if mine else (
        _organization(pkg) and _organization(pkg) == _organization(other))
    (s1, e1), (s2, e2) = (period_bounds(pkg.get("temporal_coverage")),
                          period_bounds(other.get("temporal_coverage")))
    if same_producer or not all(shared) or s1 is None or s2 is None:
        return None
    far = dt.date.max
    days = (min(e1 or far, e2 or far) - max(s1, s2)).days
    if days < 0:
        return None
    return sum(len(s) for s in shared), days


def other_sources(pkg: dict, context: dict, limit: int = LIMIT) -> list:
    """Twins and comparable datasets of other producers the caller may see, twins first,
    then those sharing most; each dict gets ``compare_reason`` ("twin" or "match")."""
    name = pkg.get("name")
    if not name:
        return []
    clauses = ["extras_also_published_by:%s" % solr_literal(name)]
    if pkg.get("also_published_by"):
        clauses.append(_any_of("name", pkg["also_published_by"]))
    match = _match_query(pkg)
    if match:
        clauses.append("(%s)" % match)
    found = tk.get_action("package_search")({"user": context.get("user")}, {
        "fq": "+dataset_type:dataset -id:%s +(%s)" % (
            solr_literal(pkg.get("id") or ""), " OR ".join(clauses)),
        "rows": CANDIDATES, "include_private": True})
    ranked = []
    for other in found["results"]:
        if other.get("name") == name:
            continue
        twin = _is_twin(pkg, other)
        # the name phrase also finds longer names that contain it: checked here
        overlap = _overlap(pkg, other)
        if not twin and overlap is None:
            continue
        other["compare_reason"] = "twin" if twin else "match"
        ranked.append(((not twin,) + tuple(-n for n in (overlap or (0, 0))),
                       other.get("title") or "", other))
    ranked.sort(key=lambda r: r[:2])
    return [other for _key, _title, other in ranked[:limit]]


def _describe_terms(codes: list, lang: str) -> list:
    """The glossary definitions a dataset follows (glossary.describe): "Refugee (UNHCR)"."""
    if not codes:
        return []
    try:
        from ckanext.migration import glossary
    except ImportError:  # the glossary is optional here
        return []
    return [{"code": d["code"], "label": "%s (%s)" % (d["term_label"], d["agency_label"]),
             "definition": d.get("definition") or "", "url": d.get("url") or ""}
            for d in glossary.describe(codes, lang)]


def _text(pkg: dict, field: str, lang: str) -> str:
    return multilingual.field_in(pkg, field, lang)[0] or ""


def row(pkg: dict, lang: str) -> dict:
    """One dataset's comparison values (codes with their labels in ``lang``)."""
    org = pkg.get("organization")
    updated = quality.last_updated(pkg)
    computed = quality.computed_fields(pkg)
    unit = pkg.get("unit_of_observation") or ""
    terms = pkg.get("definition_terms") or []
    return {
        "id": pkg.get("id"), "name": pkg.get("name"),
        "title": _text(pkg, "title", lang) or pkg.get("name"),
        "compare_reason": pkg.get("compare_reason", ""),
        "private": bool(pkg.get("private")),
        "producer": _producers(pkg) or ([org.get("title") or org.get("name")]
                                        if isinstance(org, dict) else []),
        "definitions": _text(pkg, "definitions", lang),
        "definition_terms": _describe_terms(terms if isinstance(terms, list) else [terms],
                                            lang),
        "period": [p for p in pkg.get("temporal_coverage") or [] if isinstance(p, dict)],
        "unit_of_observation": {"code": unit,
                                "label": vocab.label("units_of_observation", unit, lang)
                                if unit else ""},
        "sample_size": pkg.get("sample_size") if pkg.get("sample_size") not in ("", None)
        else None,
        "last_updated": updated.isoformat() if updated else None,
        "freshness": computed["freshness"],
        "transparency_score": computed["transparency_score"],
        "caveats": _text(pkg, "caveats", lang),
        "caveat_flags": [{"code": c, "label": vocab.label("caveat_flags", c, lang)}
                         for c in pkg.get("caveat_flags") or []],
    }


def rows(datasets: list, lang: str | None = None) -> list:
    """The comparison rows of ``datasets``, in the visitor's language by default."""
    lang = vocab.normalise_lang(lang)
    return [row(d, lang) for d in datasets]


def _compared(r: dict, field: str):
    value = r[field]
    if field == "definitions":
        return (value.strip(), tuple(t["code"] for t in r["definition_terms"]))
    if field == "caveats":
        return (value.strip(), tuple(c["code"] for c in r["caveat_flags"]))
    if field == "period":
        return period_bounds(value)
    if field == "unit_of_observation":
        return value["code"]
    if isinstance(value, list):
        return tuple(sorted(value))
    return value


def differing(compared: list) -> list:
    """The fields whose values are not the same in every row (none for a single row)."""
    if len(compared) < 2:
        return []
    return [f for f in FIELDS if len({repr(_compared(r, f)) for r in compared}) > 1]


def parse_ids(value) -> list:
    """Dataset ids or names from a list or a comma-separated string, in order, once each;
    ValidationError (field ``ids``) when none, too many or malformed."""
    if isinstance(value, str):
        value = value.split(",")
    if value is None:
        value = []
    if not isinstance(value, (list, tuple)):
        raise tk.ValidationError({"ids": [tk._(
            "Give dataset names or ids as a list or separated by commas")]})
    ids, bad = [], []
    for item in value:
        if isinstance(item, str) and "," in item:
            parts = item.split(",")
        else:
            parts = [item]
        for part in parts:
            text = part.strip() if isinstance(part, str) else part
            if text == "":
                continue
            if not isinstance(text, str) or not _ID.match(text):
                bad.append(str(text)[:60])
            elif text not in ids:
                ids.append(text)
    if bad:
        raise tk.ValidationError({"ids": [tk._(
            "Not a dataset name or id: %(values)s (names and ids are letters, digits, "
            "'-' and '_', up to 100 characters)") % {"values": ", ".join(repr(b) for b in bad)}]})
    if not ids:
        raise tk.ValidationError({"ids": [tk._(
            "Pick at least one dataset to compare (ids=name1,name2)")]})
    if len(ids) > MAX_IDS:
        raise tk.ValidationError({"ids": [tk._(
            "Too many datasets: %(given)d given, at most %(max)d can be compared at once")
            % {"given": len(ids), "max": MAX_IDS}]})
    return ids


def compare(ids: list, context: dict, lang: str | None = None) -> dict:
    """The rows of the datasets of ``ids`` the caller may see; the others are "not found",
    whether they do not exist or are not the caller's to see."""
    shown, not_found = [], []
    for ident in ids:
        try:
            pkg = tk.get_action("package_show")(
                {"user": context.get("user")}, {"id": ident})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            pkg = None
        if pkg is None or pkg.get("type") != "dataset" or pkg.get("state") != "active":
            not_found.append(ident)
        elif all(pkg["id"] != d["id"] for d in shown):  # a name and an id of one dataset
            shown.append(pkg)
    compared = rows(shown, lang)
    return {"datasets": compared, "differs": differing(compared), "not_found": not_found,
            "max": MAX_IDS}


def template_helpers() -> dict:
    def migration_other_sources(pkg: dict):
        """The dataset page's comparison: the dataset, then its other sources; None if
        there are none the visitor may see."""
        user = tk.current_user.name if tk.current_user.is_authenticated else ""
        others = other_sources(pkg, {"user": user})
        if not others:
            return None
        compared = rows([pkg] + others)
        return {"rows": compared, "differs": differing(compared),
                "ids": ",".join(r["name"] for r in compared)}
    def migration_compare_max() -> int:
        return MAX_IDS
    return {"migration_other_sources": migration_other_sources,
            "migration_compare_max": migration_compare_max}
