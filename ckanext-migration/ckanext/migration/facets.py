"""The search facets of the catalogue and their readable labels."""
from __future__ import annotations

from collections import OrderedDict

import ckan.plugins.toolkit as tk

from ckanext.migration import multilingual, quality, vocab
from ckanext.migration.translation import N_

# facet field -> (title, vocabulary whose labels name the values, or None); titles are
# interface strings, translated when the facets are asked for (add_facets)
FACETS = OrderedDict([
    ("countries", (N_("Countries"), "countries")),
    ("regions", (N_("Regions"), "regions")),
    ("gcm_objectives", (N_("GCM objectives"), "gcm_objectives")),
    ("topics", (N_("Topics"), "topics")),
    ("population_covered", (N_("Population covered"), "populations")),
    ("definition_terms", (N_("Definitions followed"), "glossary_definitions")),
    ("producer", (N_("Producers"), None)),
    ("source_type", (N_("Source types"), "source_types")),
    ("disaggregation", (N_("Disaggregation"), "disaggregation")),
    ("language", (N_("Languages"), None)),
    ("res_format", (N_("Formats"), None)),
    ("freshness", (N_("Freshness"), None)),
    ("link_health", (N_("Link checks"), None)),
])


def value_label(facet: str, value: str) -> str:
    """The readable label of a facet value: a country name, an objective's title..."""
    if facet == "freshness":
        # quality states are interface strings (quality.py), in the visitor's language
        return tk._(quality.FRESHNESS_LABELS[value]) if value in quality.FRESHNESS_LABELS else value
    if facet == "link_health":
        return tk._(quality.LINK_HEALTH_LABELS[value]) \
            if value in quality.LINK_HEALTH_LABELS else value
    if facet == "language":
        return multilingual.language_name(value)
    if facet == "gcm_objectives":
        term = vocab.get_vocabulary("gcm_objectives").get(value)
        return "%s. %s" % (term.code, vocab.label("gcm_objectives", value)) if term else value
    name = FACETS.get(facet, (None, None))[1]
    if name is None:
        return value
    # in the request's language (English where a label has no translation)
    return vocab.label(name, value, default=value)


def add_facets(facets_dict: "OrderedDict") -> "OrderedDict":
    """Our facets first, then CKAN's own (organization, tags, groups, license)."""
    out = OrderedDict((field, tk._(title)) for field, (title, _v) in FACETS.items())
    for field, title in facets_dict.items():
        out.setdefault(field, title)
    return out


def relabel(search_facets: dict) -> None:
    """Give facet items of our fields their labels (in place), as API users see them too."""
    for field, facet in search_facets.items():
        if field not in FACETS or field == "res_format":
            continue
        for item in facet.get("items", []):
            item["display_name"] = value_label(field, item["name"])
