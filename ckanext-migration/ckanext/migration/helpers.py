"""Template helpers of the migration catalogue."""
from __future__ import annotations

from ckanext.migration import facets, quality, vocab


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


def get_helpers() -> dict:
    return {f.__name__: f for f in (
        migration_vocabulary_choices, migration_label, migration_facet_label,
        migration_quality, migration_gcm_title, migration_facet_item_label)}
