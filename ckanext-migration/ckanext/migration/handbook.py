"""The data handbook of a producer (an organisation), or of every producer at once.

What a producer publishes here, how, how reliable the record is and the caveats most
often flagged, read from the search index as the caller sees it (package_search with
their context: private datasets count only for those who may see them) in a constant
number of faceted queries, never a loop over datasets; labels in the visitor's language.
Corrections come from the database (ckanext.migration.corrections).
"""
from __future__ import annotations

import datetime as dt
import difflib

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.migration import facets, quality, vocab
from ckanext.migration.overview import DATASETS, quote
from ckanext.migration.translation import N_

# facet field -> vocabulary naming its values (None: shown as indexed)
FIELDS = {
    "topics": "topics", "gcm_objectives": None, "countries": "countries",
    "source_type": "source_types", "collection_method": None, "frequency": "frequencies",
    "freshness": None, "transparency_score": None, "transparency_missing": None,
    "caveat_flags": "caveat_flags", "link_health": None,
}
# the glossary's codes (ckanext.migration.glossary), faceted once that module exists
DEFINITIONS = "definition_terms"
# transparency score bands: (lowest score, label)
BANDS = ((100, N_("Complete (100)")), (75, N_("High (75-99)")), (50, N_("Medium (50-74)")),
         (0, N_("Low (below 50)")))
BROKEN = ("some_broken", "raw_data_broken")
TOP_METHODS = 10


def _glossary():
    try:
        from ckanext.migration import glossary
    except ImportError:  # the glossary is not part of this installation yet
        return None
    return glossary


def _search(context: dict, fq: str = "", **params) -> dict:
    """package_search as the caller: their private datasets included, nobody else's."""
    params.setdefault("rows", 0)
    params.setdefault("facet.limit", -1)
    params["fq"] = (DATASETS + " " + fq).strip()
    params["include_private"] = True
    return tk.get_action("package_search")({"user": context.get("user") or ""}, params)


def _counts(result: dict) -> dict:
    return {field: {i["name"]: i["count"] for i in facet.get("items", [])}
            for field, facet in result.get("search_facets", {}).items()}


def _ranked(counts: dict, label) -> list:
    """[{code, label, count}], most datasets first, then by label."""
    items = [{"code": code, "label": label(code), "count": n} for code, n in counts.items()]
    return sorted(items, key=lambda i: (-i["count"], str(i["label"]).casefold()))


def _vocab_label(vocabulary):
    return lambda code: vocab.label(vocabulary, code, default=code)


def _period(context: dict, fq: str) -> dict:
    """Earliest start and latest end of the collection periods (two sorted rows=1 queries
    on compare.index_fields' dates), and how many datasets' periods are still running."""
    out = {}
    for key, field, order in (("earliest_start", "period_start_date", "asc"),
                              ("latest_end", "period_end_date", "desc")):
        result = _search(context, fq + " +%s:[* TO *]" % field, rows=1, fl=[field],
                         sort="%s %s" % (field, order), facet="false")
        value = result["results"][0].get(field) if result["results"] else None
        out[key] = str(value)[:10] if value else None
    out["ongoing"] = _search(context, fq + " +period_start_date:[* TO *]"
                             " -period_end_date:[* TO *]", facet="false")["count"]
    return out


def transparency(scores: dict, missing: dict) -> dict:
    """The score distribution (facet counts per score) in bands, its median, and the
    items most often missing."""
    by_score = sorted(((int(s), n) for s, n in scores.items()), reverse=True)
    total = sum(n for _s, n in by_score)
    bands = []
    for i, (low, label) in enumerate(BANDS):
        high = 100 if i == 0 else BANDS[i - 1][0] - 1
        bands.append({"low": low, "high": high, "label": tk._(label),
                      "count": sum(n for s, n in by_score if low <= s <= high)})
    median = _median(by_score, total) if total else None
    labels = {label: tk._(label) for _group, label, _test in quality.TRANSPARENCY_CHECKS}
    return {
        "distribution": [{"score": s, "count": n} for s, n in by_score],
        "bands": bands, "median": median,
        "missing": [dict(i, share=round(100 * i["count"] / total) if total else 0)
                    for i in _ranked(missing, lambda code: labels.get(code, code))],
    }


def _median(by_score: list, total: int):
    """The median of a distribution given as (score, count) pairs, without expanding it."""
    ascending = sorted(by_score)

    def nth(k):
        seen = 0
        for score, n in ascending:
            seen += n
            if k < seen:
                return score
    mid = total // 2
    median = nth(mid) if total % 2 else (nth(mid - 1) + nth(mid)) / 2
    return int(median) if median == int(median) else median


def corrections(org_id: str):
    """The organisation's corrections (open, acknowledged, fixed, declined, open over 30
    days, median days to answer); None where corrections are not installed."""
    try:
        from ckanext.migration.corrections import org_stats
    except ImportError:
        return None
    return org_stats(org_id)


def _definitions(counts: dict):
    """The glossary definitions used ({code, label: "term (agency)", definition, count})."""
    glossary = _glossary()
    if glossary is None:
        return None
    described = {d["code"]: d for d in glossary.describe(list(counts), vocab.normalise_lang())}
    return _ranked(counts, lambda code: "%s (%s)" % (
        described[code]["term_label"], described[code]["agency_label"])
        if code in described else code)


def figures(context: dict, fq: str = "") -> dict:
    """Every handbook figure of the datasets matching ``fq`` that the caller may see."""
    fields = list(FIELDS) + ([DEFINITIONS] if _glossary() else [])
    result = _search(context, fq, **{"facet.field": fields, "facet.mincount": 1})
    counts = _counts(result)
    count = result["count"]
    get = lambda field: counts.get(field, {})  # noqa: E731
    links = get("link_health")
    return {
        "count": count,
        "publishes": {
            "topics": _ranked(get("topics"), _vocab_label("topics")),
            "gcm_objectives": _ranked(
                get("gcm_objectives"), lambda c: facets.value_label("gcm_objectives", c)),
            "countries": _ranked(get("countries"), _vocab_label("countries")),
            "period": _period(context, fq) if count else {
                "earliest_start": None, "latest_end": None, "ongoing": 0},
        },
        "how": {
            "source_types": _ranked(get("source_type"), _vocab_label("source_types")),
            "collection_methods": _ranked(get("collection_method"), str)[:TOP_METHODS],
            "collection_method_stated": sum(get("collection_method").values()),
            "frequencies": _ranked(get("frequency"), _vocab_label("frequencies")),
            "definitions": _definitions(get(DEFINITIONS)),
        },
        "reliability": {
            "freshness": [{"code": s, "label": facets.value_label("freshness", s),
                           "count": get("freshness").get(s, 0)}
                          for s in quality.FRESHNESS_STATES],
            "transparency": transparency(get("transparency_score"),
                                         get("transparency_missing")),
            "links": {"broken": sum(links.get(s, 0) for s in BROKEN),
                      "states": [{"code": s, "label": facets.value_label("link_health", s),
                                  "count": links.get(s, 0)}
                                 for s in quality.LINK_HEALTH_STATES]},
        },
        "caveats": _ranked(get("caveat_flags"), _vocab_label("caveat_flags")),
    }


def _organization(org) -> dict:
    return {"id": org.id, "name": org.name, "title": org.title or org.name,
            "description": org.description or "", "image_url": org.image_url or ""}


def _organizations() -> list:
    return model.Session.query(model.Group).filter(
        model.Group.is_organization.is_(True), model.Group.state == "active").all()


def find_organization(value: str):
    """The active organisation of this id or name; ObjectNotFound with a suggestion."""
    org = model.Group.get(str(value or ""))
    if org is not None and org.is_organization and org.state == "active":
        return org
    orgs = _organizations()
    names = {o.name: o.name for o in orgs}
    names.update({(o.title or "").casefold(): o.name for o in orgs if o.title})
    close = difflib.get_close_matches(str(value).casefold(), list(names), n=1, cutoff=0.6)
    suggestion = names[close[0]] if close else None
    message = tk._("Producer %r is not known (use an organisation's name, as in its "
                   "address /organization/<name>)") % str(value)
    if suggestion:
        message += tk._("; did you mean %s?") % suggestion
    error = tk.ObjectNotFound(message)
    error.suggestion = suggestion
    raise error


def _by_org(context: dict, fq: str = "") -> dict:
    return _counts(_search(context, fq, **{"facet.field": ["owner_org"],
                                           "facet.mincount": 1})).get("owner_org", {})


def producers(context: dict) -> list:
    """One row per organisation: its datasets (one faceted query on owner_org), and of
    them the fresh ones, those with broken links and those scoring 75 or more (one
    filtered owner_org facet each), whatever the number of organisations."""
    datasets = _by_org(context)
    fresh = _by_org(context, "+freshness:fresh")
    broken = _by_org(context, "+link_health:(%s)" % " OR ".join(BROKEN))
    high = _by_org(context, "+transparency_score:[75 TO *]")
    rows = [dict(_organization(o), count=datasets.get(o.id, 0), fresh=fresh.get(o.id, 0),
                 broken_links=broken.get(o.id, 0), high_transparency=high.get(o.id, 0))
            for o in _organizations()]
    return sorted(rows, key=lambda r: (-r["count"], r["title"].casefold()))


def handbook(org_id, context: dict) -> dict:
    """The handbook of one organisation (id or name), or of all (None): JSON-serialisable."""
    out = {"generated": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
           "lang": vocab.normalise_lang()}
    if org_id is None:
        out.update(organization=None, corrections=None, producers=producers(context))
        out.update(figures(context))
        return out
    org = find_organization(org_id)
    out["organization"] = _organization(org)
    out.update(figures(context, "+owner_org:%s" % quote(org.id)))
    out["corrections"] = corrections(org.id)
    return out
