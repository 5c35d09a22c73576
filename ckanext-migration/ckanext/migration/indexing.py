"""What the migration fields add to a dataset's search index document."""
from __future__ import annotations

import json

from ckanext.migration import compare, countries, multilingual, quality, vocab
from ckanext.migration.facets import value_label

MULTI_VALUED = ("countries", "gcm_objectives", "topics", "population_covered",
                "disaggregation", "caveat_flags", "definition_terms")
SINGLE_VALUED = ("source_type", "unit_of_observation", "geographic_granularity",
                 "source_platform", "frequency")


def index_fields(validated: dict) -> dict:
    """Index fields from a validated dataset dict (lists as lists, computed fields)."""
    out = {}
    for name in MULTI_VALUED:
        out[name] = [str(v) for v in validated.get(name) or []]
    for name in SINGLE_VALUED:
        value = validated.get(name)
        out[name] = value if value not in ("", []) else None
    regions = list(validated.get("regions") or [])
    for iso3 in out["countries"]:
        regions += [r for r in vocab.regions_for_country(iso3) if r not in regions]
    out["regions"] = regions
    # regions covered as a whole, apart from those derived from countries: a dataset on
    # "Africa" covers Senegal, one on Mali does not
    out["regions_stated"] = list(validated.get("regions") or [])
    out["producer"] = [c["name"] for c in validated.get("creator") or []
                       if isinstance(c, dict) and c.get("name")]
    # the language of the data as EU authority codes (FRA), whatever form the source gave
    out["language"] = multilingual.language_codes(validated.get("language"))
    # free text, faceted as given (the handbook's most common collection methods)
    out["collection_method"] = " ".join(str(validated.get("collection_method") or "").split()) \
        or None
    sample = validated.get("sample_size")
    out["sample_size"] = sample if isinstance(sample, int) else None
    out.update(quality.computed_fields(validated))
    # the collection period as dates, for other sources with an overlapping one (compare.py)
    out.update(compare.index_fields(validated))
    # freshest first as a sort key (the state names do not sort that way): "0" fresh,
    # "1" due, "2" overdue, "3" delinquent, "4" not applicable, "5" unknown
    out["freshness_rank"] = str(quality.FRESHNESS_STATES.index(out["freshness"]))
    out["migration_labels"] = multilingual_labels(out)
    return out


# coded fields whose labels feed the free-text field, and their vocabularies
LABELLED = (("countries", "countries"), ("regions", "regions"),
            ("gcm_objectives", "gcm_objectives"), ("topics", "topics"),
            ("population_covered", "populations"),
            ("definition_terms", "glossary_definitions"))


def multilingual_labels(fields: dict) -> list:
    """The readable labels of a dataset's codes in every language of the catalogue, for the
    free-text field (``migration_labels``, copied to ``text``): SEN adds "Senegal",
    "Sénégal" and "السنغال" (pycountry's ISO 3166 translations), objective 20 its title and
    short label in en/fr/es/ar, so a search in any of them finds the dataset."""
    labels = []
    for field, vocabulary in LABELLED:
        for code in fields.get(field) or []:
            if field == "countries":
                names = countries.all_names(code)
            else:
                names = vocab.all_labels(vocabulary, code)
            # the facet's own label too ("20. Remittances"), as before
            for text in [value_label(field, code)] + list(names):
                if text and text not in labels:
                    labels.append(text)
    return labels


def before_index(pkg_dict: dict) -> dict:
    """CKAN's index document: the raw extras (JSON strings) replaced by typed fields."""
    validated = json.loads(pkg_dict.get("validated_data_dict") or "{}")
    for key, value in index_fields(validated).items():
        if value is None or value == []:
            pkg_dict.pop(key, None)
        else:
            pkg_dict[key] = value
    return pkg_dict
