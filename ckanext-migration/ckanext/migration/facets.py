"""The search facets of the catalogue and their readable labels."""
from __future__ import annotations

from collections import OrderedDict

from ckanext.migration import multilingual, quality, vocab

# facet field -> (title, vocabulary whose labels name the values, or None)
FACETS = OrderedDict([
    ("countries", ("Countries", "countries")),
    ("regions", ("Regions", "regions")),
    ("gcm_objectives", ("GCM objectives", "gcm_objectives")),
    ("topics", ("Topics", "topics")),
    ("population_covered", ("Population covered", "populations")),
    ("producer", ("Producers", None)),
    ("source_type", ("Source types", "source_types")),
    ("disaggregation", ("Disaggregation", "disaggregation")),
    ("language", ("Languages", None)),
    ("res_format", ("Formats", None)),
    ("freshness", ("Freshness", None)),
    ("link_health", ("Link checks", None)),
])


def value_label(facet: str, value: str) -> str:
    """The readable label of a facet value: a country name, an objective's title..."""
    if facet == "freshness":
        return quality.FRESHNESS_LABELS.get(value, value)
    if facet == "link_health":
        return quality.LINK_HEALTH_LABELS.get(value, value)
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
    out = OrderedDict((field, title) for field, (title, _v) in FACETS.items())
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
