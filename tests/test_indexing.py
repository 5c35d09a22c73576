"""What a dataset adds to its search document."""
import json

from ckanext.migration import indexing

from .factories import FULL


def test_index_fields_from_a_validated_dataset():
    out = indexing.index_fields(FULL)
    assert out["countries"] == ["SEN", "DEU", "FRA"]
    # SEN -> Western Africa, Sub-Saharan Africa, Africa; DEU, FRA -> Western Europe, Europe
    assert out["regions"] == ["011", "202", "002", "155", "150"]
    assert out["producer"] == ["Eurostat"]
    assert out["sample_size"] == 1000
    assert out["transparency_score"] == 100 and out["transparency_missing"] == []
    assert "Senegal" in out["migration_labels"] and "Africa" in out["migration_labels"]
    assert out["frequency"].endswith("MONTHLY")


def test_before_index_replaces_raw_json_strings():
    pkg = {"countries": '["SEN"]', "sample_size": "1000", "caveat_flags": "[]",
           "validated_data_dict": json.dumps(dict(FULL, caveat_flags=[]))}
    out = indexing.before_index(pkg)
    assert out["countries"] == ["SEN", "DEU", "FRA"]
    assert "caveat_flags" not in out  # empty lists are not indexed
    assert out["sample_size"] == 1000


def test_labels_of_codes_in_every_language_feed_the_free_text_field():
    from ckanext.migration import countries, vocab
    labels = indexing.index_fields(FULL)["migration_labels"]
    # country names from pycountry's ISO 3166 translations, never typed
    for iso3 in ("SEN", "DEU", "FRA"):
        assert set(countries.all_names(iso3)) <= set(labels)
    assert {countries.name("SEN", lang) for lang in ("en", "fr", "es", "ar")} <= set(labels)
    assert countries.name("SEN", "fr") != countries.name("SEN", "en")
    # objective titles and short labels, topic and population labels, region names: all
    # four languages
    for vocabulary, code in (("gcm_objectives", "1"), ("gcm_objectives", "2"),
                             ("topics", "forced_displacement"),
                             ("populations", "asylum_seekers"), ("regions", "011")):
        for lang in ("en", "fr", "es", "ar"):
            assert vocab.label(vocabulary, code, lang) in labels
            assert vocab.title(vocabulary, code, lang) in labels
    assert vocab.title("gcm_objectives", "1", "fr") != vocab.title("gcm_objectives", "1", "en")
    assert len(labels) == len(set(labels))  # each once
