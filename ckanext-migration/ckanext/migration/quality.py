"""Computed quality metadata: freshness, the transparency score and link health.

Freshness adapts the rule HDX publishes for its datasets: from the expected update
frequency, a dataset is fresh until it is due, then due, overdue and finally delinquent
(thresholds per frequency in vocabularies/frequencies.yaml); "not_applicable" when the
frequency says no update is expected, "unknown" when there is no frequency.
"""
from __future__ import annotations

import datetime as dt
import re

from ckanext.migration import vocab
from ckanext.migration.translation import N_

FRESHNESS_STATES = ("fresh", "due", "overdue", "delinquent", "not_applicable", "unknown")
# labels: interface strings, in English here (API, exports), translated where shown
FRESHNESS_LABELS = {
    "fresh": N_("Fresh"), "due": N_("Due for update"), "overdue": N_("Overdue"),
    "delinquent": N_("Delinquent"), "not_applicable": N_("Not applicable (no updates expected)"),
    "unknown": N_("Unknown (no update frequency)"),
}

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _filled(value) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return True


def _has_named(items) -> bool:
    return isinstance(items, list) and any(
        isinstance(i, dict) and (i.get("name") or i.get("uri")) for i in items)


def _has_period(items) -> bool:
    return isinstance(items, list) and any(
        isinstance(i, dict) and i.get("start") for i in items)


# (group, label, test) in the order they are shown; each counts the same
TRANSPARENCY_CHECKS = (
    ("provenance", N_("Producer"), lambda d: _has_named(d.get("creator"))),
    ("provenance", N_("Source type"), lambda d: _filled(d.get("source_type"))),
    ("provenance", N_("Collection method"), lambda d: _filled(d.get("collection_method"))),
    ("provenance", N_("Methodology"), lambda d: _filled(d.get("provenance"))),
    ("provenance", N_("Definitions used"),
     lambda d: _filled(d.get("definitions")) or _filled(d.get("conforms_to"))),
    ("provenance", N_("Original page"), lambda d: _filled(d.get("url"))),
    ("sample", N_("Sample size (N)"), lambda d: d.get("sample_size") not in (None, "")),
    ("sample", N_("Unit of observation"), lambda d: _filled(d.get("unit_of_observation"))),
    ("sample", N_("Population covered"), lambda d: _filled(d.get("population_covered"))),
    ("period", N_("Collection period"), lambda d: _has_period(d.get("temporal_coverage"))),
    ("period", N_("Update frequency"), lambda d: _filled(d.get("frequency"))),
    ("period", N_("Last updated at the source"), lambda d: _filled(d.get("modified"))),
    ("caveats", N_("Caveats"),
     lambda d: _filled(d.get("caveats")) or _filled(d.get("caveat_flags"))),
)


def transparency(dataset: dict) -> tuple:
    """(score 0-100, [labels of what is missing])."""
    missing = [label for _group, label, test in TRANSPARENCY_CHECKS if not test(dataset)]
    total = len(TRANSPARENCY_CHECKS)
    return round(100 * (total - len(missing)) / total), missing


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE.match(str(value or "").strip())
    if not m:
        return None
    try:
        # the earliest day a partial date may mean: never claims more freshness than known
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def last_updated(dataset: dict):
    """When the data was last updated: at the source if known, else in the catalogue."""
    return _as_date(dataset.get("modified")) or _as_date(dataset.get("metadata_modified"))


def freshness(dataset: dict, today: dt.date | None = None) -> str:
    frequency = dataset.get("frequency")
    if not frequency:
        return "unknown"
    frequencies = vocab.get_vocabulary("frequencies")
    term = frequencies.get(frequency) or frequencies.by_uri(frequency)
    if term is None or term.code == "UNKNOWN":
        return "unknown"
    thresholds = vocab.frequency_thresholds(frequency)
    if thresholds is None:
        return "not_applicable"
    updated = last_updated(dataset)
    if updated is None:
        return "unknown"
    age = ((today or dt.date.today()) - updated).days
    due, overdue, delinquent = thresholds
    if age < due:
        return "fresh"
    if age < overdue:
        return "due"
    if age < delinquent:
        return "overdue"
    return "delinquent"


# what `ckan migration check-links` (linkcheck.py) last found for a dataset's resources
LINK_HEALTH_STATES = ("ok", "some_broken", "raw_data_broken", "unchecked")
LINK_HEALTH_LABELS = {
    "ok": N_("All links work"), "some_broken": N_("Some links broken"),
    "raw_data_broken": N_("Raw data links broken"), "unchecked": N_("Links not checked yet"),
}


def _resources(dataset: dict) -> list:
    return [r for r in dataset.get("resources") or [] if isinstance(r, dict)]


def is_raw_data(resource: dict) -> bool:
    return str(resource.get("raw_data") or "").lower() == "true"


def link_health(dataset: dict) -> str:
    """"raw_data_broken" when every raw-data resource's link is broken (the data cannot be
    had at all), "some_broken" when any other link is, "ok" when the checked ones work,
    "unchecked" before the first check. A link not checked yet counts as working."""
    resources = _resources(dataset)
    if not any(r.get("link_status") in ("ok", "broken") for r in resources):
        return "unchecked"
    raw = [r for r in resources if is_raw_data(r)]
    if raw and all(r.get("link_status") == "broken" for r in raw):
        return "raw_data_broken"
    if any(r.get("link_status") == "broken" for r in resources):
        return "some_broken"
    return "ok"


def broken_resources(dataset: dict) -> list:
    return [r for r in _resources(dataset) if r.get("link_status") == "broken"]


def raw_data_broken_since(dataset: dict) -> str:
    """When the last working raw-data link broke ("" unless all are broken): from then on
    the data could not be had."""
    if link_health(dataset) != "raw_data_broken":
        return ""
    return max((r.get("link_broken_since") or "" for r in _resources(dataset)
                if is_raw_data(r)), default="")


def computed_fields(dataset: dict, today: dt.date | None = None) -> dict:
    score, missing = transparency(dataset)
    return {"freshness": freshness(dataset, today), "transparency_score": score,
            "transparency_missing": missing, "link_health": link_health(dataset)}
