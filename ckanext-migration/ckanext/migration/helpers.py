"""Template helpers of the migration catalogue."""
from __future__ import annotations

import re

from ckanext.migration import facets, quality, vocab, worldmap
from ckanext.migration.translation import N_

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def migration_vocabulary_choices(field: dict) -> list:
    """Scheming choices of a vocabulary field, labelled as the field asks, in the request's
    language (vocab.label; English where a label has no translation)."""
    vocabulary = vocab.get_vocabulary(field["vocabulary"])
    value_attr = field.get("value_attr", "code")
    label_attr = field.get("choice_label_attr", "label")
    lang = vocab.normalise_lang()
    out = []
    for term in vocabulary.terms:
        if vocabulary.name == "countries":
            label = vocab.label("countries", term.code, lang)
        else:
            label = term.text(label_attr, lang) if label_attr != "label" else None
            label = label or term.text("label", lang)
            if vocabulary.name == "gcm_objectives" and label_attr == "label":
                label = "%s. %s" % (term.code, label)
        out.append({"value": term.uri if value_attr == "uri" else term.code, "label": label})
    return out


def migration_label(vocabulary: str, value: str) -> str:
    """The label of a vocabulary code (or term URI) in the request's language."""
    return vocab.label(vocabulary, value, default=value)


def migration_facet_label(facet: str, value: str) -> str:
    return facets.value_label(facet, value)


def migration_quality(pkg: dict) -> dict:
    """Freshness and transparency of a dataset, for display."""
    computed = quality.computed_fields(pkg)
    state = computed["freshness"]
    import ckan.plugins.toolkit as tk
    # the labels are interface strings (quality.py), shown in the visitor's language
    computed["freshness_label"] = tk._(quality.FRESHNESS_LABELS[state])
    computed["last_updated"] = quality.last_updated(pkg)
    link_health = quality.LINK_HEALTH_LABELS[computed["link_health"]]
    computed["link_health_label"] = tk._(link_health)
    computed["transparency_missing"] = [tk._(m) for m in computed["transparency_missing"]]
    computed["raw_data_broken_since"] = quality.raw_data_broken_since(pkg)
    return computed


def migration_facet_item_label(item: dict) -> str:
    """A facet item's label, cut at 60 characters (CKAN cuts at 22)."""
    label = item.get("display_name") or item.get("name") or ""
    return label if len(label) <= 60 else label[:57].rstrip() + "..."


def migration_gcm_title(code: str) -> str:
    """The official title of a GCM objective in the request's language."""
    return vocab.title("gcm_objectives", str(code), default=str(code))


def migration_overview() -> dict:
    """The home page's counts (public datasets only, from the search index)."""
    import ckan.plugins.toolkit as tk
    return tk.get_action("migration_overview")({}, {})


def migration_world_map(counts: dict, top: dict | None = None) -> dict:
    """What the world map snippet draws: shapes with their class, legend, table rows."""
    bounds = worldmap.classes(counts)
    objectives = vocab.get_vocabulary("gcm_objectives")
    shapes = [{"iso3": iso3, "name": name, "d": d, "count": counts.get(iso3, 0),
               "shade": worldmap.shade(counts.get(iso3, 0), bounds),
               "top": "; ".join("%s. %s" % (o, objectives.label(o, o))
                                for o in (top or {}).get(iso3, ()))}
              for iso3, name, d in worldmap.shapes()]
    legend = [(low, high, worldmap.shade(high, bounds))
              for low, high in zip((1,) + tuple(b + 1 for b in bounds), bounds)]
    countries_voc = vocab.get_vocabulary("countries")
    rows = sorted(({"iso3": c, "name": countries_voc.label(c, c), "count": n}
                   for c, n in counts.items() if n), key=lambda r: (-r["count"], r["name"]))
    return {"shapes": shapes, "legend": legend, "rows": rows,
            "width": worldmap.WIDTH, "height": worldmap.HEIGHT}


def migration_theme() -> dict:
    """The catalogue's colours (ckanext.migration.theme.* in ckan.ini)."""
    import ckan.plugins.toolkit as tk
    out = {}
    for key in ("primary", "primary_dark", "accent"):
        option = "ckanext.migration.theme.%s_color" % key
        value = str(tk.config.get(option) or "")
        # the value goes into a <style> element: a colour, nothing else
        out[key] = value if _COLOUR.match(value) else \
            tk.config.get_declaration(option).default
    return out


# -- dataset page and search page (items 6, 7 of issue 9) ------------------------------

# fields the dataset page shows in its own sections (quality badges, caveats, provenance
# and coverage cards, resources, tags, sidebar); the other DCAT-AP fields go to the
# collapsed "Technical metadata" section, and only when they have a value
DATASET_PAGE_SHOWN = frozenset((
    "id", "title", "name", "notes", "owner_org", "tag_string", "license_id",
    "url", "creator", "source_type", "collection_method", "provenance", "definitions",
    "definition_terms", "conforms_to", "source_platform", "identifier", "also_published_by",
    "withdrawn_at",
    "sample_size", "unit_of_observation", "population_covered", "temporal_coverage",
    "frequency", "modified", "countries", "regions", "geographic_granularity",
    "disaggregation", "caveats", "caveat_flags", "topics", "gcm_objectives",
    "freshness", "transparency_score", "transparency_missing"))

# ADMS publisher types (http://purl.org/adms/publishertype/...), as DCAT-AP agents use them
_AGENT_TYPES = {
    "Academia-ScientificOrganisation": "Academia or scientific organisation",
    "Company": "Company", "IndustryConsortium": "Industry consortium",
    "LocalAuthority": "Local authority", "NationalAuthority": "National authority",
    "NonGovernmentalOrganisation": "Non-governmental organisation",
    "NonProfitOrganisation": "Non-profit organisation",
    "PrivateIndividual(s)": "Private individual(s)", "RegionalAuthority": "Regional authority",
    "StandardisationBody": "Standardisation body",
    "SupraNationalAuthority": "Supranational authority",
}


def migration_filled(value) -> bool:
    """Whether a value says something: not empty, nor a list/dict of empty values."""
    return quality._filled(value)


def migration_agent_type_label(value: str) -> str:
    """A readable label for an agent type URI (ADMS publisher types), else the value."""
    value = str(value or "").strip()
    code = value.rstrip("/").rsplit("/", 1)[-1]
    if code in _AGENT_TYPES:
        return _AGENT_TYPES[code]
    if value.startswith(("http://", "https://")) and re.fullmatch(r"[A-Za-z]+", code):
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).split()
        return " ".join([words[0]] + [w.lower() for w in words[1:]]) if words else value
    return value


def migration_technical_fields(schema: dict, pkg: dict) -> list:
    """The schema's dataset fields that the page shows nowhere else and that have a value:
    [{"field": field, "items": [[(sub-field label, value, sub-field), ...], ...] or None}],
    where "items" lists the filled sub-fields of each filled entry of a repeating field."""
    out = []
    for field in (schema or {}).get("dataset_fields", []):
        name = field.get("field_name")
        if name in DATASET_PAGE_SHOWN or field.get("display_snippet", "") is None:
            continue
        value = pkg.get(name)
        if not migration_filled(value):
            continue
        if field.get("repeating_subfields"):
            items = []
            for entry in value if isinstance(value, list) else [value]:
                if not isinstance(entry, dict):
                    continue
                subs = [(sub.get("label") or sub["field_name"], entry.get(sub["field_name"]), sub)
                        for sub in field["repeating_subfields"]
                        if migration_filled(entry.get(sub["field_name"]))]
                if subs:
                    items.append(subs)
            if items:
                out.append({"field": field, "items": items})
        else:
            out.append({"field": field, "items": None})
    return out


def _year(value) -> str:
    m = re.match(r"^\s*(-?\d{4})", str(value or ""))
    return m.group(1) if m else str(value or "").strip()


def migration_period_summary(periods) -> str:
    """A collection period in years, for search results: "2008–2024", "since 2015"..."""
    import ckan.plugins.toolkit as tk
    parts = []
    for period in periods or []:
        if not isinstance(period, dict):
            continue
        start, end = _year(period.get("start")), _year(period.get("end"))
        if start and end:
            parts.append(start if start == end else "%s\u2013%s" % (start, end))
        elif start:
            parts.append(tk._("since %(year)s") % {"year": start})
        elif end:
            parts.append(tk._("until %(year)s") % {"year": end})
    return "; ".join(parts)


def migration_abbreviated(values, limit: int = 3) -> dict:
    """The first ``limit`` values and how many more there are: {"shown": [...], "more": N}."""
    values = list(values or [])
    return {"shown": values[:limit], "more": max(len(values) - limit, 0)}


def migration_filter_label(field: str, value: str, search_facets: dict | None = None) -> str:
    """The readable label of an active search filter (a chip on the search page)."""
    if field in facets.FACETS and field != "res_format":
        return facets.value_label(field, value)
    for item in ((search_facets or {}).get(field) or {}).get("items", []):
        if item.get("name") == value:
            return item.get("display_name") or value
    return value


def migration_search_sorting() -> list:
    """(label, sort) choices of the dataset search page: CKAN's, then by transparency score,
    freshness (freshest first, see indexing.py's ``freshness_rank``) and the last update at
    the source. Each is a plain ``sort`` query parameter, so every order is a shareable URL."""
    return [
        (N_("Relevance"), "score desc, metadata_modified desc"),
        (N_("Name Ascending"), "title_string asc"),
        (N_("Name Descending"), "title_string desc"),
        (N_("Last Modified"), "metadata_modified desc"),
        (N_("Transparency score (highest first)"), "transparency_score desc, metadata_modified desc"),
        (N_("Freshness (freshest first)"), "freshness_rank asc, metadata_modified desc"),
        (N_("Last update at the source (newest first)"), "modified desc, metadata_modified desc"),
    ]


def migration_coverage_rows(coverage: dict, country_url: str, search_url: str,
                            search_tail: str):
    """The coverage matrix's table rows as HTML. Built here, not with a template call per
    cell: 249 x 23 cells cost Jinja about 400 ms, this a few."""
    import ckan.plugins.toolkit as tk
    from markupsafe import Markup, escape
    codes = [o["code"] for o in coverage["objectives"]]
    # plain strings of escaped text from here on (str + Markup would escape the str)
    objective, none = str(escape(tk._("objective"))), str(escape(tk._("none")))
    gap = '<td class="gap" data-objective="%s"><span class="visually-hidden">' + none + \
        "</span></td>"
    out, previous = [], None
    for row in coverage["rows"]:
        if row["subregion"] != previous:
            previous = row["subregion"]
            label = str(escape(row["region_label"]))
            if row["subregion_label"] != row["region_label"]:
                label += " › " + str(escape(row["subregion_label"]))
            out.append('<tr class="group"><th scope="rowgroup" colspan="%d">%s</th></tr>'
                       % (len(codes) + 2, label))
        iso3, name = str(escape(row["iso3"])), str(escape(row["name"]))
        cells = []
        for code in codes:
            n = row["cells"][code]
            cells.append(gap % code if not n else (
                '<td class="has" data-objective="%s"><a href="%s?countries=%s&amp;'
                'gcm_objectives=%s%s" aria-label="%s, %s %s: %d">%d</a></td>'
                % (code, str(escape(search_url)), iso3, code, str(escape(search_tail)), name,
                   objective, code, n, n)))
        out.append('<tr data-iso3="%s"><th scope="row" class="country"><a href="%s%s">%s</a>'
                   "</th>%s<td>%d/%d</td></tr>" % (iso3, str(escape(country_url)), iso3, name,
                                                   "".join(cells), row["covered"], len(codes)))
    return Markup("\n".join(out))


def migration_export_max_rows() -> int:
    import ckan.plugins.toolkit as tk
    return int(tk.config.get("ckanext.migration.export.max_rows"))


def migration_load_status(resource: dict) -> dict | None:
    """The resource's DataStore load (status, message, previous load kept), or None."""
    from ckanext.migration import tabular
    return tabular.load_status(resource)


def _is_raw(resource: dict) -> bool:
    return str(resource.get("raw_data") or "").lower() == "true"


def migration_resources_raw_first(resources: list) -> list:
    """A dataset's resources with the raw-data ones first, each group in its order."""
    return sorted(resources or [], key=lambda r: not _is_raw(r))


def migration_raw_data_downloads(pkg: dict) -> list:
    """The raw-data resources of a dataset as downloads: {resource, size}, the size in
    bytes from the upload or from the last link check (None when unknown)."""
    out = []
    for resource in pkg.get("resources") or []:
        # a restricted dataset's files are for those with access (access/)
        if not _is_raw(resource) or resource.get("restricted"):
            continue
        size = None
        for key in ("size", "link_size"):
            try:
                size = int(resource.get(key))
                break
            except (TypeError, ValueError):
                continue
        out.append({"resource": resource, "size": size if size and size > 0 else None})
    return out


def migration_definition_terms(pkg: dict) -> list:
    """The glossary definitions a dataset declares (``definition_terms``), in the request's
    language: glossary.describe's dicts (term, agency, definition, source, url)."""
    from ckanext.migration import glossary
    from ckanext.migration.logic.validators import _parse_list
    try:
        codes = _parse_list((pkg or {}).get(glossary.FIELD))
    except Exception:  # not a list: nothing declared
        return []
    return glossary.describe(codes)


def get_helpers() -> dict:
    from ckanext.migration.corrections.helpers import template_helpers as corrections_helpers
    from ckanext.migration.access.helpers import template_helpers as access_helpers
    from ckanext.migration import compare, multilingual
    from ckanext.migration.harvesting import source_form
    return dict(multilingual.template_helpers(), **corrections_helpers(), **access_helpers(),
                **compare.template_helpers(), **source_form.template_helpers(),
                **{f.__name__: f for f in (
        migration_coverage_rows, migration_export_max_rows, migration_overview, migration_world_map, migration_theme,
        migration_vocabulary_choices, migration_label, migration_facet_label,
        migration_quality, migration_gcm_title, migration_facet_item_label,
        migration_filled, migration_agent_type_label, migration_technical_fields,
        migration_period_summary, migration_abbreviated, migration_filter_label,
        migration_search_sorting, migration_load_status,
        migration_resources_raw_first, migration_raw_data_downloads,
        migration_definition_terms)})
