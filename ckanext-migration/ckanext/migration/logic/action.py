"""Read-only actions behind the front door: overview, country, objective and coverage.

Every count comes from the search index (facets, pivots) over public datasets only.
Bad input raises ``ValidationError`` (field, what was wrong, what is allowed) or
``ObjectNotFound`` with a suggestion.
"""
from __future__ import annotations

import difflib
import functools

import ckan.plugins.toolkit as tk

from ckanext.migration import countries, overview, quality, vocab

FACETS = ["countries", "regions", "gcm_objectives", "topics", "producer", "freshness"]
FRESHNESS = tuple(quality.FRESHNESS_LABELS)
# what pages list of each dataset (package_search `fl`): no full dataset dicts at scale
LISTED = "id,name,title,gcm_objectives,topics,countries,freshness,transparency_score,producer"
LISTED_ROWS = 100


def _objectives():
    return vocab.get_vocabulary("gcm_objectives")


@tk.side_effect_free
def migration_overview(context, data_dict):
    """The catalogue at a glance: counts, datasets per country and objective, freshness,
    the most informed objectives per country, recently updated datasets."""
    tk.check_access("migration_overview", context, data_dict)
    result = overview.search(rows=int(data_dict.get("recent", 6)),
                             sort="metadata_modified desc", **{"facet.field": FACETS})
    counts = overview.facet_counts(result)
    _totals, top = overview.pivot(("countries", "gcm_objectives"), [])
    last = overview.last_harvest()
    return {
        "count": result["count"],
        "producers": len(counts.get("producer", {})),
        "countries_covered": len(counts.get("countries", {})),
        "by_country": counts.get("countries", {}),
        "by_objective": {t.code: counts.get("gcm_objectives", {}).get(t.code, 0)
                         for t in _objectives()},
        "by_freshness": {s: counts.get("freshness", {}).get(s, 0) for s in FRESHNESS},
        "top_objectives": {iso3: sorted(cells, key=lambda o: (-cells[o], int(o)))[:3]
                           for iso3, cells in top.items()},
        "recent": result["results"],
        "last_harvest": last.isoformat() if last else None,
    }


def suggest_country(value: str) -> str | None:
    """The ISO3 code someone probably meant ("senegal", "SN", "SEM" -> SEN)."""
    found = countries.to_iso3(value)
    if found:
        return found
    voc = vocab.get_vocabulary("countries")
    close = difflib.get_close_matches(str(value).upper(), voc.codes(), n=1, cutoff=0.6)
    if close:
        return close[0]
    labels = {t.label.lower(): t.code for t in voc}
    close = difflib.get_close_matches(str(value).lower(), list(labels), n=1, cutoff=0.7)
    return labels[close[0]] if close else None


def _not_found(what: str, value, suggestion: str | None, allowed: str):
    message = tk._("%s %r is not known (%s)") % (what, str(value), allowed)
    if suggestion:
        message += tk._("; did you mean %s?") % suggestion
    error = tk.ObjectNotFound(message)
    error.suggestion = suggestion
    raise error


def _listed(fq: str, facet_fields: list) -> dict:
    # one sort key: the search service orders it on a fast field; a second key would make
    # it read the stored documents of every tie on the first
    return overview.search(fq=fq, rows=LISTED_ROWS, fl=LISTED,
                           sort="transparency_score desc",
                           **{"facet.field": facet_fields})


def _grouped(datasets: list, field: str, codes) -> dict:
    return {code: [d for d in datasets if code in (d.get(field) or [])] for code in codes}


@tk.side_effect_free
def migration_country_show(context, data_dict):
    """Every public dataset covering a country, directly or through a region it lies in,
    grouped by GCM objective and topic, with counts by producer and freshness."""
    tk.check_access("migration_country_show", context, data_dict)
    value = str(data_dict.get("id") or "")
    iso3 = countries.to_iso3(value, lenient=False)
    if iso3 is None:
        _not_found(tk._("country"), value, suggest_country(value),
                   tk._("use an ISO 3166-1 alpha-3 code, e.g. SEN"))
    regions = vocab.regions_for_country(iso3) + ["001"]
    fq = "(countries:%s OR %s)" % (iso3, overview.any_of("regions_stated", regions))
    result = _listed(fq, ["gcm_objectives", "topics", "producer", "freshness"])
    counts = overview.facet_counts(result)
    datasets = result["results"]
    for d in datasets:
        d["direct"] = iso3 in (d.get("countries") or [])
    return {
        "iso3": iso3, "name": vocab.label("countries", iso3),
        "regions": [{"code": r, "label": vocab.label("regions", r)} for r in regions[:-1]],
        "count": result["count"], "listed": len(datasets), "fq": fq,
        "by_objective": {o: n for o, n in counts.get("gcm_objectives", {}).items()},
        "by_topic": counts.get("topics", {}),
        "by_producer": counts.get("producer", {}),
        "by_freshness": {s: counts.get("freshness", {}).get(s, 0) for s in FRESHNESS},
        "objectives": _grouped(datasets, "gcm_objectives", [t.code for t in _objectives()]),
        "topics": _grouped(datasets, "topics", counts.get("topics", {})),
        "datasets": datasets,
    }


def suggest_objective(value: str) -> str | None:
    """The objective someone probably meant ("remittances" -> 20, "objective 8" -> 8)."""
    text = str(value).strip().lower()
    digits = "".join(c for c in text if c.isdigit()).lstrip("0")
    if digits and digits in _objectives():
        return digits
    labels = {t.label.lower(): t.code for t in _objectives()}
    for label, code in labels.items():
        if text and text in label:
            return code
    close = difflib.get_close_matches(text, list(labels), n=1, cutoff=0.5)
    return labels[close[0]] if close else None


@tk.side_effect_free
def migration_objective_show(context, data_dict):
    """A GCM objective: its official title, public datasets informing it by country,
    region and producer."""
    tk.check_access("migration_objective_show", context, data_dict)
    value = str(data_dict.get("id") or "").strip()
    term = _objectives().get(value.lstrip("0") or value)
    if term is None:
        _not_found(tk._("GCM objective"), value, suggest_objective(value),
                   tk._("objectives are numbered 1 to 23"))
    fq = "gcm_objectives:%s" % overview.quote(term.code)
    result = _listed(fq, ["countries", "regions", "producer", "freshness", "topics"])
    counts = overview.facet_counts(result)
    return {
        "code": term.code, "label": term.text("label"), "title": term.text("title"),
        "uri": term.uri, "count": result["count"], "fq": fq,
        "by_country": counts.get("countries", {}), "by_region": counts.get("regions", {}),
        "by_producer": counts.get("producer", {}), "by_topic": counts.get("topics", {}),
        "by_freshness": {s: counts.get("freshness", {}).get(s, 0) for s in FRESHNESS},
        "datasets": result["results"][:20],
    }


def coverage_filters(data_dict: dict) -> tuple:
    """(filters as given, search filters) of a coverage request; ValidationError names
    each bad parameter, what was wrong and what is allowed."""
    errors, fq, given = {}, [], {}
    region = str(data_dict.get("region") or "").strip()
    if region:
        if region not in vocab.get_vocabulary("regions"):
            errors["region"] = ["%r is not a UN M49 region code (e.g. 002 Africa, 419 "
                                "Latin America and the Caribbean)" % region]
        given["region"] = region
        fq.append("countries:(%s)" % " OR ".join(vocab.countries_in_region(region)))
    producer = str(data_dict.get("producer") or "").strip()
    if producer:
        given["producer"] = producer
        fq.append("producer:%s" % overview.quote(producer))
    freshness = str(data_dict.get("freshness") or "").strip()
    if freshness:
        if freshness not in FRESHNESS:
            errors["freshness"] = ["%r is not one of: %s" % (freshness, ", ".join(FRESHNESS))]
        given["freshness"] = freshness
        fq.append("freshness:%s" % overview.quote(freshness))
    min_score = str(data_dict.get("min_score") or "").strip()
    if min_score:
        if not min_score.isdigit() or not 0 <= int(min_score) <= 100:
            errors["min_score"] = ["must be a whole number from 0 to 100, got %r" % min_score]
        else:
            given["min_score"] = int(min_score)
            fq.append("transparency_score:[%d TO *]" % int(min_score))
    if errors:
        raise tk.ValidationError(errors)
    return given, fq


@tk.side_effect_free
def migration_coverage(context, data_dict):
    """Countries (grouped by M49 region) x the 23 GCM objectives: the number of public
    datasets covering each country for each objective, from one pivot-facet query."""
    tk.check_access("migration_coverage", context, data_dict)
    given, fq = coverage_filters(data_dict)
    totals, matrix = overview.pivot(("gcm_objectives", "countries"), fq)
    wanted = set(vocab.countries_in_region(given["region"])) if "region" in given else None
    # the request's language once, not once per label (5,000 cells)
    lang = vocab.normalise_lang()
    objectives = [t.code for t in _objectives()]
    columns = [(o, matrix.get(o, {})) for o in objectives]
    region_label = functools.lru_cache(maxsize=None)(
        lambda code: vocab.label("regions", code, lang, default="") if code else "")
    rows = []
    for term in vocab.get_vocabulary("countries"):
        if wanted is not None and term.code not in wanted:
            continue
        chain = vocab.regions_for_country(term.code)
        region = chain[-1] if chain else ""
        subregion = chain[-2] if len(chain) > 1 else region
        rows.append({
            "iso3": term.code, "name": vocab.label("countries", term.code, lang),
            "region": region, "subregion": subregion,
            "cells": {o: column.get(term.code, 0) for o, column in columns},
            # in the visitor's language, sorted as they read
            "region_label": region_label(region), "subregion_label": region_label(subregion),
        })
    rows.sort(key=lambda r: (r["region_label"] or "~", r["subregion_label"] or "~", r["name"]))
    for row in rows:
        row["covered"] = sum(1 for n in row["cells"].values() if n)
    return {
        "filters": given, "fq": fq,
        "objectives": [{"code": t.code, "label": t.text("label", lang),
                        "total": totals.get(t.code, 0)} for t in _objectives()],
        "rows": rows,
        "empty_cells": sum(1 for r in rows for n in r["cells"].values() if not n),
        "cells": len(rows) * len(_objectives()),
    }


@tk.side_effect_free
def migration_broken_links(context, data_dict):
    """Broken resource links by producer, of the datasets the caller may see (public ones
    for anonymous callers; private ones for their organisations' members and sysadmins);
    ``organizations`` (a list of ids or names) keeps those organisations' datasets only."""
    tk.check_access("migration_broken_links", context, data_dict)
    from ckanext.migration import linkcheck
    organizations = data_dict.get("organizations")
    if isinstance(organizations, str):
        organizations = [o for o in organizations.split(",") if o.strip()]
    if organizations is not None and not (
            isinstance(organizations, list) and all(isinstance(o, str) for o in organizations)):
        raise tk.ValidationError({"organizations": ["a list of organization ids or names"]})
    return linkcheck.broken_links({"user": context.get("user")},
                                  [o.strip() for o in organizations]
                                  if organizations is not None else None)


@tk.side_effect_free
def migration_compare(context, data_dict):
    """Datasets side by side (``ids``: names or ids, a list or comma-separated, at most
    compare.MAX_IDS): producer, definitions, period, unit, sample, last update, freshness,
    transparency, caveats. Those the caller may not see are "not found", like unknown ones."""
    tk.check_access("migration_compare", context, data_dict)
    from ckanext.migration import compare
    ids = compare.parse_ids(data_dict.get("ids"))
    return compare.compare(ids, context, data_dict.get("lang"))


@tk.side_effect_free
def migration_harvest_dashboard(context, data_dict):
    """One row per harvest source the caller may manage: last job, datasets, trend
    (``filter``: failing, stale, never_run; ``jobs``: the trend's length)."""
    tk.check_access("migration_harvest_dashboard", context, data_dict)
    from ckanext.migration.harvesting import dashboard
    return dashboard.dashboard(context, {k: data_dict.get(k) for k in ("filter", "jobs")})


@tk.side_effect_free
def migration_handbook(context, data_dict):
    """A producer's data handbook (``id``: an organisation's name or id; none: every
    producer): what, how, how reliable, caveats; counts over what the caller may see."""
    tk.check_access("migration_handbook", context, data_dict)
    from ckanext.migration import handbook
    return handbook.handbook(data_dict.get("id") or None, context)


def migration_harvest_source_test(context, data_dict):
    """A dry run of a harvest source (``source_type``, ``url``, ``config``, ``limit``): the
    first records gathered and mapped, nothing written; for who may create sources."""
    tk.check_access("migration_harvest_source_test", context, data_dict)
    from ckanext.migration.harvesting import source_form
    return source_form.test_source(data_dict)


# CKAN 2.12's package_search answers 500 to some values of the wrong shape: its
# natural_number_validator turns "" into None, then compares it with 0 (TypeError), and a
# JSON list or object where a number or text is expected fails deeper. Checked here first.
_NUMBER_PARAMS = ("start", "rows", "facet.mincount", "facet.limit")
_BOOL_PARAMS = ("include_private", "include_drafts", "include_deleted")
_TEXT_PARAMS = ("q", "fq", "sort", "qf", "defType", "facet", "df", "q.op", "mm", "tie")


# the fields dcat_catalog_show's search asks for (set in its context)
_CATALOG_FL = "migration.catalog_fl"


@tk.side_effect_free
@tk.chained_action
def package_search(original_action, context, data_dict):
    """CKAN's package_search; an empty number is a number not given (as CKAN does for
    ``rows``), a number or text of another JSON type a validation error naming the field."""
    cleaned, errors = {}, {}
    for key, value in data_dict.items():
        if key in _NUMBER_PARAMS:
            if value is None or isinstance(value, str) and not value.strip():
                continue
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                errors[key] = [tk._("Must be a whole number, got %s") % type(value).__name__]
        elif key in _TEXT_PARAMS and value is not None and not isinstance(value, str):
            errors[key] = [tk._("Must be text, got %s") % type(value).__name__]
        elif key in _BOOL_PARAMS:
            try:
                tk.asbool(value)
            except ValueError:
                errors[key] = [tk._("Must be true or false, got %r") % value]
        elif key == "fl" and not (isinstance(value, str) or isinstance(value, list) and all(
                isinstance(v, str) for v in value)):
            errors[key] = [tk._("Must be a field name or a list of field names")]
        cleaned[key] = value
    if errors:
        raise tk.ValidationError(errors)
    if context.get(_CATALOG_FL):
        cleaned["fl"] = context.pop(_CATALOG_FL)
    return original_action(context, cleaned)


@tk.side_effect_free
@tk.chained_action
def dcat_catalog_show(original_action, context, data_dict):
    """ckanext-dcat's catalogue page (``/catalog.ttl?page=N``), the same graph written faster:
    Turtle from the datasets' fragments written when they were indexed (profiles/fragments.py),
    the other formats from the graph built as ckanext-dcat builds it (profiles/catalog.py)."""
    from ckanext.dcat.logic import _pagination_info, _search_ckan_datasets
    from ckanext.dcat.utils import url_to_rdflib_format
    from ckanext.migration.profiles import catalog, fragments
    if tk.asbool(tk.config.get("ckanext.migration.dcat.stock_catalog")):
        return original_action(context, data_dict)
    tk.check_access("dcat_catalog_show", context, data_dict)
    key = None
    if (url_to_rdflib_format(data_dict.get("format") or "xml") == "turtle"
            and not data_dict.get("profiles")):
        key = fragments.config_key()
    if key is None:
        query = _search_ckan_datasets(context, data_dict)
        return catalog.serialize_catalog(query["results"], data_dict.get("format"),
                                         _pagination_info(query, data_dict),
                                         data_dict.get("profiles"))
    # ckanext-dcat's search for the page (its paging, q, fq, modified_since), asking the
    # index for the fragments only (package_search below reads the context's fields)
    query = _search_ckan_datasets(dict(context, **{_CATALOG_FL: ["id", fragments.FIELD]}),
                                  data_dict)
    return fragments.catalog_turtle(context, query["results"],
                                    _pagination_info(query, data_dict), key)


@tk.chained_action
def package_create_default_resource_views(original_action, context, data_dict):
    """CKAN's, which lists each resource's views (a query a resource) before asking each
    default view whether it can show it: for a dataset none of whose resources any default
    view can show (CSV and XLSX links before the DataStore holds them: a harvest's datasets)
    it would create nothing, so it is not called."""
    from ckan.lib.datapreview import get_default_view_plugins
    dataset = data_dict.get("package")
    if not isinstance(dataset, dict):
        return original_action(context, data_dict)  # its own error
    plugins = get_default_view_plugins(
        tk.asbool(data_dict.get("create_datastore_views", False)))
    if any(plugin.can_view({"resource": resource, "package": dataset})
           for resource in dataset.get("resources") or [] for plugin in plugins):
        return original_action(context, data_dict)
    tk.check_access("package_create_default_resource_views", context, data_dict)
    return []


def get_actions() -> dict:
    from ckanext.migration.corrections.logic import get_actions as corrections_actions
    from ckanext.migration.access.logic import get_actions as access_actions
    return corrections_actions() | access_actions() | {f.__name__: f for f in (migration_overview, migration_country_show,
                                    migration_objective_show, migration_coverage,
                                    migration_harvest_dashboard,
                                    migration_broken_links, migration_compare,
                                    migration_handbook, migration_harvest_source_test,
                                    package_search, dcat_catalog_show,
                                    package_create_default_resource_views)}
