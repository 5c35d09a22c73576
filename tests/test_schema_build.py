"""The merged schema file is current and keeps every DCAT-AP field of the base."""
import yaml

from ckanext.migration import schema_build


def test_generated_schema_is_up_to_date():
    with open(schema_build.TARGET) as f:
        assert f.read() == schema_build.render(), \
            "schemas/migration_dataset.yaml is stale: run `ckan migration schema-build`"


def test_every_base_field_is_kept_and_ours_are_added():
    built = yaml.safe_load(schema_build.render())
    base = schema_build.load_module_yaml("ckanext.dcat.schemas:dcat_ap_full.yaml")
    names = [f["field_name"] for f in built["dataset_fields"]]
    assert len(names) == len(set(names))
    assert {f["field_name"] for f in base["dataset_fields"]} <= set(names)
    for ours in ("sample_size", "gcm_objectives", "countries", "caveats", "topics",
                 "source_type", "population_covered", "disaggregation", "freshness"):
        assert ours in names
    resource_names = [f["field_name"] for f in built["resource_fields"]]
    assert {f["field_name"] for f in base["resource_fields"]} <= set(resource_names)
    assert "raw_data" in resource_names


def test_sections_are_form_pages():
    built = yaml.safe_load(schema_build.render())
    pages = [f["start_form_page"]["title"] for f in built["dataset_fields"]
             if "start_form_page" in f]
    assert pages == ["The dataset", "Provenance", "Sample and collection period",
                     "Coverage and disaggregation", "Caveats", "More DCAT-AP metadata"]
    assert built["dataset_fields"][0]["field_name"] == "title"


def test_relabelled_base_fields_keep_their_dcat_names():
    fields = {f["field_name"]: f for f in yaml.safe_load(schema_build.render())["dataset_fields"]}
    assert fields["creator"]["label"] == "Producer"
    assert fields["provenance"]["label"] == "Methodology"
    assert fields["temporal_coverage"]["label"] == "Collection period"
    assert fields["frequency"]["preset"] == "migration_vocabulary_select"
    assert "validators" not in fields["frequency"]  # the preset's validators apply
    end = [s for s in fields["temporal_coverage"]["repeating_subfields"]
           if s["field_name"] == "end"][0]
    assert "migration_end_not_before_start" in end["validators"]


def test_unknown_subfield_override_is_an_error():
    import pytest
    with pytest.raises(schema_build.SchemaBuildError):
        schema_build._merge_field({"field_name": "x", "repeating_subfields": []},
                                  {"field_name": "x", "subfield_overrides": {"nope": {}}})
