"""Datasets of the migration schema for tests."""
import copy

FULL = {
    "name": "asylum-applicants-senegal",
    "title": "Asylum applicants from Senegal",
    "notes": "Monthly first-time asylum applicants who are citizens of Senegal, by sex and age.",
    "tag_string": "asylum,senegal",
    "license_id": "cc-by",
    "url": "https://ec.europa.eu/eurostat/databrowser/view/migr_asyappctzm/default/table",
    "topics": ["forced_displacement", "migration_flows"],
    "gcm_objectives": ["1", "2"],
    "creator": [{"name": "Eurostat", "type": "http://purl.org/adms/publishertype/SupraNationalAuthority"}],
    "source_type": "administrative_records",
    "collection_method": "Administrative data from national asylum authorities",
    "provenance": "Counts supplied monthly by ministries of interior under Regulation (EC) 862/2007.",
    "definitions": "An asylum applicant is a person having submitted an application for international protection.",
    "conforms_to": ["https://eur-lex.europa.eu/eli/reg/2007/862/oj"],
    "source_platform": "Eurostat",
    "identifier": "migr_asyappctzm",
    "sample_size": 1000,
    "unit_of_observation": "applications",
    "population_covered": ["asylum_seekers"],
    "temporal_coverage": [{"start": "2008-01-01", "end": "2024-12-31"}],
    "frequency": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
    "modified": "2025-03-01",
    "countries": ["SEN", "DEU", "FRA"],
    "regions": [],
    "geographic_granularity": "national",
    "disaggregation": ["sex", "age", "citizenship"],
    "caveats": "Figures for the latest month are **provisional**.",
    "caveat_flags": ["provisional_figures", "break_in_series"],
    "resources": [{"url": "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/migr_asyappctzm?format=SDMX-CSV",
                   "name": "SDMX-CSV", "format": "CSV", "raw_data": "true"}],
}


def dataset(**changes):
    data = copy.deepcopy(FULL)
    data.update(changes)
    return data


def create_catalogue(specs, **defaults):
    """One dataset per spec (FULL with the defaults, then the spec's changes, titled
    "Dataset <name>") in organization "catalogue", created by a new sysadmin, whose
    context is returned."""
    from ckan.tests import factories, helpers
    user = factories.Sysadmin()
    context = {"user": user["name"], "ignore_auth": True}
    org = factories.Organization(name="catalogue")
    for spec in specs:
        helpers.call_action("package_create", context=dict(context), **dataset(
            owner_org=org["id"], title="Dataset " + spec["name"], **dict(defaults, **spec)))
    return context
