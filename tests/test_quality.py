"""Freshness (HDX's rule, adapted) and the transparency score."""
import datetime as dt

import pytest

from ckanext.migration import quality

from .factories import FULL, dataset

TODAY = dt.date(2025, 6, 30)
EU = "http://publications.europa.eu/resource/authority/frequency/"


@pytest.mark.parametrize("frequency,modified,state", [
    ("ANNUAL", "2025-01-01", "fresh"),          # 180 days < 365
    ("ANNUAL", "2024-06-01", "due"),            # 394 days: due after 365
    ("ANNUAL", "2024-05-01", "overdue"),        # 425 days: overdue after 425
    ("ANNUAL", "2023-06-30", "delinquent"),     # 731 days
    (EU + "MONTHLY", "2025-06-10", "fresh"),    # by URI
    ("MONTHLY", "2025-05-25", "due"),           # 36 days
    ("MONTHLY", "2025-05-10", "overdue"),       # 51 days
    ("MONTHLY", "2025-04-01", "delinquent"),    # 90 days
    ("DAILY", "2025-06-29", "due"),
    ("NEVER", "2000-01-01", "not_applicable"),
    ("IRREG", "2000-01-01", "not_applicable"),
    ("UNKNOWN", "2025-06-01", "unknown"),
    (None, "2025-06-01", "unknown"),
    ("fortnightly", "2025-06-01", "unknown"),
    ("ANNUAL", "2025", "fresh"),                # a year means its first day: 180 days
    ("ANNUAL", "2024", "delinquent"),          # 2024-01-01: 546 days, past 455
])
def test_freshness(frequency, modified, state):
    assert quality.freshness({"frequency": frequency, "modified": modified}, TODAY) == state


def test_freshness_falls_back_to_the_catalogue_modification_date():
    ds = {"frequency": "ANNUAL", "metadata_modified": "2025-05-01T10:00:00.123456"}
    assert quality.freshness(ds, TODAY) == "fresh"
    assert quality.freshness({"frequency": "ANNUAL"}, TODAY) == "unknown"


def test_full_dataset_scores_100():
    score, missing = quality.transparency(FULL)
    assert (score, missing) == (100, [])


def test_empty_dataset_scores_0_and_lists_everything():
    score, missing = quality.transparency({})
    assert score == 0
    assert missing == [label for _g, label, _t in quality.TRANSPARENCY_CHECKS]
    assert "Sample size (N)" in missing and "Caveats" in missing


@pytest.mark.parametrize("removed,label", [
    ({"creator": []}, "Producer"),
    ({"creator": [{"email": "x@example.org"}]}, "Producer"),
    ({"sample_size": None}, "Sample size (N)"),
    ({"temporal_coverage": [{"end": "2020"}]}, "Collection period"),
    ({"definitions": "", "conforms_to": []}, "Definitions used"),
    ({"caveats": "", "caveat_flags": []}, "Caveats"),
])
def test_each_missing_part_costs_the_same(removed, label):
    score, missing = quality.transparency(dataset(**removed))
    assert missing == [label]
    assert score == round(100 * 12 / 13)


def test_sample_size_zero_counts_as_given():
    assert quality.transparency(dataset(sample_size=0)) == (100, [])


def test_definitions_by_link_only_count():
    assert quality.transparency(dataset(definitions="")) == (100, [])
