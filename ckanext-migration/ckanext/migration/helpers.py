"""Template helpers of the migration catalogue."""
from __future__ import annotations

import re

from ckanext.migration import facets, quality, vocab, worldmap

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def migration_vocabulary_choices(field: dict) -> list:
    """Scheming choices of a vocabulary field, labelled as the field asks."""
    vocabulary = vocab.get_vocabulary(field["vocabulary"])
    value_attr = field.get("value_attr", "code")
    label_attr = field.get("choice_label_attr", "label")
    out = []
    for term in vocabulary.terms:
        label = term.attrs.get(label_attr) if label_attr != "label" else term.label
        if vocabulary.name == "gcm_objectives" and label_attr == "label":
            label = "%s. %s" % (term.code, term.label)
        out.append({"value": term.uri if value_attr == "uri" else term.code,
                    "label": label or term.label})
    return out


def migration_label(vocabulary: str, value: str) -> str:
    voc = vocab.get_vocabulary(vocabulary)
    term = voc.get(value) or voc.by_uri(value)
    return term.label if term else value


def migration_facet_label(facet: str, value: str) -> str:
    return facets.value_label(facet, value)


def migration_quality(pkg: dict) -> dict:
    """Freshness and transparency of a dataset, for display."""
    computed = quality.computed_fields(pkg)
    state = computed["freshness"]
    computed["freshness_label"] = quality.FRESHNESS_LABELS[state]
    computed["last_updated"] = quality.last_updated(pkg)
    return computed


def migration_facet_item_label(item: dict) -> str:
    """A facet item's label, cut at 60 characters (CKAN cuts at 22)."""
    label = item.get("display_name") or item.get("name") or ""
    return label if len(label) <= 60 else label[:57].rstrip() + "..."


def migration_gcm_title(code: str) -> str:
    term = vocab.get_vocabulary("gcm_objectives").get(str(code))
    return term.attrs.get("title", term.label) if term else str(code)


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
    legend = [(low, high, i) for i, (low, high) in enumerate(
        zip((1,) + tuple(b + 1 for b in bounds), bounds), 1)]
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


def get_helpers() -> dict:
    return {f.__name__: f for f in (
        migration_overview, migration_world_map, migration_theme,
        migration_vocabulary_choices, migration_label, migration_facet_label,
        migration_quality, migration_gcm_title, migration_facet_item_label)}
