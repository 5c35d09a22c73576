"""Every validator of the migration schema, good and bad values, through the action API."""
import json

import pytest

from ckan.tests import factories, helpers
import ckan.plugins.toolkit as tk

from ckanext.migration.logic.validators import (_bounds, migration_non_negative_integer)

from ..factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.fixture
def org():
    user = factories.Sysadmin()
    org = factories.Organization(name="eurostat")
    org["context"] = {"user": user["name"], "ignore_auth": True}
    return org


def create(org, **changes):
    return helpers.call_action("package_create", context=dict(org["context"]),
                               **dataset(owner_org=org["id"], **changes))


def errors_of(org, **changes):
    with pytest.raises(tk.ValidationError) as e:
        create(org, **changes)
    return e.value.error_dict


def test_a_full_dataset_validates_and_round_trips(org):
    pkg = create(org)
    assert pkg["sample_size"] == 1000
    assert pkg["countries"] == ["SEN", "DEU", "FRA"]
    assert pkg["gcm_objectives"] == ["1", "2"]
    assert pkg["frequency"].endswith("/frequency/MONTHLY")
    assert pkg["caveat_flags"] == ["provisional_figures", "break_in_series"]
    assert pkg["resources"][0]["raw_data"] == "true"


@pytest.mark.parametrize("value,stored", [(0, 0), ("1000", 1000), ("1,000", 1000),
                                          ("12 500", 12500), (250.0, 250)])
def test_sample_size_good(org, value, stored):
    assert create(org, sample_size=value)["sample_size"] == stored


@pytest.mark.parametrize("value", [-1, "-5", "ten", "1.5", 2.5, True, "1,00"])
def test_sample_size_bad(org, value):
    errs = errors_of(org, sample_size=value)
    assert errs["sample_size"][0].startswith("must be a whole number of 0 or more")


def test_sample_size_may_be_empty(org):
    assert create(org, sample_size="").get("sample_size") in (None, "")


@pytest.mark.parametrize("value,stored", [
    (["sen", "DEU"], ["SEN", "DEU"]), ("SEN,MLI", ["SEN", "MLI"]),
    ('["NER"]', ["NER"]), (["SEN", "SEN"], ["SEN"]), ([], []),
])
def test_countries_good(org, value, stored):
    assert create(org, countries=value)["countries"] == stored


def test_countries_bad(org):
    errs = errors_of(org, countries=["SEN", "XYZ", "Senegal"])
    assert errs["countries"] == ["'XYZ' is not an ISO 3166-1 alpha-3 code",
                                 "'Senegal' is not an ISO 3166-1 alpha-3 code"]


@pytest.mark.parametrize("value,stored", [([8, "23"], ["8", "23"]),
                                          (["Objective 20"], ["20"]), ("1", ["1"])])
def test_gcm_objectives_good(org, value, stored):
    assert create(org, gcm_objectives=value)["gcm_objectives"] == stored


@pytest.mark.parametrize("value,message", [
    ([24], "24 is not an objective (1-23)"), (["0"], "0 is not an objective (1-23)"),
    (["data"], "data is not an objective (1-23)"),
])
def test_gcm_objectives_bad(org, value, message):
    assert errors_of(org, gcm_objectives=value)["gcm_objectives"] == [message]


@pytest.mark.parametrize("field,good,bad", [
    ("topics", ["remittances"], "remitances"),
    ("population_covered", ["refugees", "idps"], "aliens"),
    ("disaggregation", ["sex", "urban_rural"], "colour"),
    ("caveat_flags", ["modelled_estimates"], "dubious"),
    ("regions", ["002", "15"], "999"),
])
def test_multiple_vocabulary_fields(org, field, good, bad):
    pkg = create(org, **{field: good})
    assert pkg[field] == [v.zfill(3) if field == "regions" else v for v in good]
    errs = errors_of(org, **{field: [bad]})
    assert len(errs[field]) == 1 and repr(bad) in errs[field][0] or bad in errs[field][0]


@pytest.mark.parametrize("field,good,bad", [
    ("source_type", "survey", "gossip"),
    ("unit_of_observation", "households", "planets"),
    ("geographic_granularity", "city", "galaxy"),
])
def test_single_vocabulary_fields(org, field, good, bad):
    assert create(org, **{field: good})[field] == good
    errs = errors_of(org, **{field: bad})
    assert errs[field][0].startswith("'%s' is not one of: " % bad)
    assert good in errs[field][0]  # the allowed values are listed


def test_frequency_accepts_code_or_uri_and_stores_the_uri(org):
    pkg = create(org, frequency="ANNUAL")
    assert pkg["frequency"] == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    errs = errors_of(org, frequency="fortnightly")
    assert errs["frequency"][0].startswith("'fortnightly' is not one of: ")


@pytest.mark.parametrize("start,end", [("2010", "2010"), ("2010-05", "2010"),
                                       ("2010-01-01", "2011"), ("2019", "2020-03-04")])
def test_collection_period_good(org, start, end):
    pkg = create(org, temporal_coverage=[{"start": start, "end": end}])
    assert pkg["temporal_coverage"][0]["end"] == end


@pytest.mark.parametrize("start,end", [("2020", "2019"), ("2020-06-01", "2020-05-31"),
                                       ("2020-06", "2020-05-31")])
def test_collection_period_end_before_start(org, start, end):
    errs = errors_of(org, temporal_coverage=[{"start": start, "end": end}])
    message = json.dumps(errs["temporal_coverage"])
    assert "collection end (%s) is before start (%s)" % (end, start) in message


def test_a_rejected_update_changes_nothing(org):
    pkg = create(org)
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("package_patch", context=dict(org["context"]), id=pkg["id"],
                            title="Changed",
                            sample_size=-3, countries=["XYZ"])
    assert set(e.value.error_dict) >= {"sample_size", "countries"}
    after = helpers.call_action("package_show", id=pkg["id"])
    assert after["title"] == pkg["title"]
    assert after["sample_size"] == 1000 and after["countries"] == ["SEN", "DEU", "FRA"]


def test_api_round_trip_with_computed_fields(org):
    """A dataset read from the API can be sent back unchanged (computed fields ignored)."""
    pkg = create(org)
    assert "freshness" in pkg and "transparency_score" in pkg
    updated = helpers.call_action("package_update", context=dict(org["context"]), **pkg)
    assert updated["countries"] == pkg["countries"]


def test_error_messages_in_the_form(app, org):
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])
    res = app.post("/api/3/action/package_create", headers={"Authorization": token["token"]},
                   json=dataset(owner_org=org["id"], sample_size="many"), status=409)
    assert res.json["error"]["sample_size"] == [
        "must be a whole number of 0 or more, got 'many'"]


def test_bounds_of_partial_dates():
    import datetime as dt
    assert _bounds("2020") == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert _bounds("2020-02") == (dt.date(2020, 2, 1), dt.date(2020, 2, 29))
    assert _bounds("2020-12") == (dt.date(2020, 12, 1), dt.date(2020, 12, 31))
    assert _bounds("not a date") is None
    assert migration_non_negative_integer("") == ""


# --- fields given per language ---------------------------------------------------------------

@pytest.mark.parametrize("field", ["title_translated", "notes_translated",
                                   "provenance_translated", "caveats_translated",
                                   "definitions_translated"])
def test_translated_fields_good(org, field):
    original = field[:-len("_translated")]
    pkg = create(org, **{field: {"fr": "Texte", "ar": "نص"}})
    # the original text is kept in its field and given as the default language's
    assert pkg[field] == {"en": dataset()[original], "fr": "Texte", "ar": "نص"}
    assert pkg[original] == dataset()[original]
    # a JSON string (older API clients, CSV imports) is read too; empty texts are dropped
    pkg = create(org, name="as-json", **{field: json.dumps({"es": "Texto", "fr": ""})})
    assert pkg[field] == {"en": dataset()[original], "es": "Texto"}


def test_translated_fields_bad(org):
    errors = errors_of(org, title_translated={"xx": "Titre"})
    assert errors["title_translated"] == [
        "title_translated: language 'xx' is not one of en, fr, es, ar"]
    errors = errors_of(org, caveats_translated={"fr": 3})
    assert errors["caveats_translated"] == [
        "caveats_translated: the 'fr' value is not text: 3"]
    errors = errors_of(org, notes_translated="not json")
    assert "notes_translated" in errors["notes_translated"][0]
    errors = errors_of(org, notes_translated=["fr", "texte"])
    assert errors["notes_translated"][0].startswith("notes_translated: expecting an object")
    # the default language's text must be the original (the title), when both are given
    errors = errors_of(org, title_translated={"en": "Another title", "fr": "Titre"})
    assert "'en'" in errors["title_translated"][0] and "title" in errors["title_translated"][0]


def test_no_translations_no_field(org):
    pkg = create(org, title_translated={}, notes_translated="")
    assert "title_translated" not in pkg and "notes_translated" not in pkg
    # a source in French only: the original's language is French
    pkg = create(org, name="fr-only", title="Demandeurs d'asile",
                 title_translated={"fr": "Demandeurs d'asile"})
    assert pkg["title_translated"] == {"fr": "Demandeurs d'asile"}
