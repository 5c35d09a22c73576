"""The producers' data handbook (handbook.py, action migration_handbook): figures equal to
those counted by hand on a known catalogue of two organisations, read from the index as the
caller sees it (a private dataset counts for its organisation's members only)."""
import datetime as dt

import pytest

from ckan.tests import factories, helpers

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

TODAY = dt.date.today().isoformat()
MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
ANNUAL = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
BROKEN_RAW = [{"url": "https://example.org/gone.csv", "name": "Table", "format": "CSV",
               "raw_data": "true", "link_status": "broken",
               "link_broken_since": "2025-01-01T00:00:00"}]
# the transparency checks a dataset of FULL lacks when these fields are emptied: 62/100
SPARSE = dict(creator=[], source_type="", collection_method="", provenance="",
              definitions="", conforms_to=[])

# name -> (organisation, changes to tests/factories.py's FULL dataset); by hand:
#   stats-full    100  fresh       2008-01-01 .. 2024-12-31
#   stats-annual   85  delinquent  2005 .. 2010         (no sample size, no original page)
#   stats-nofreq   77  unknown     2015-06 ..           (no sample size, frequency, caveats)
#   ngo-sparse     62  fresh       2019 .. 2020         (5 provenance items missing)
#   ngo-full      100  fresh       2008-01-01 .. 2024-12-31, raw data links broken
#   stats-secret  100  fresh       1990 .. 2030, private: only members of "stats" count it
SPECS = {
    "stats-full": ("stats", dict(
        topics=["forced_displacement", "migration_flows"], gcm_objectives=["1", "2"],
        countries=["SEN", "FRA"], frequency=MONTHLY, modified=TODAY,
        caveat_flags=["provisional_figures", "break_in_series"],
        definition_terms=["international-migrant-un", "international-migrant-un-2021"])),
    "stats-annual": ("stats", dict(
        topics=["forced_displacement"], gcm_objectives=["1"], countries=["SEN"],
        frequency=ANNUAL, modified="2000-01-01", caveat_flags=["provisional_figures"],
        source_type="survey", collection_method="Household survey", sample_size=None,
        url="", temporal_coverage=[{"start": "2005", "end": "2010"}],
        definition_terms=["international-migrant-un"])),
    "stats-nofreq": ("stats", dict(
        topics=["remittances"], gcm_objectives=["20"], countries=["MLI"], frequency="",
        caveat_flags=[], caveats="", source_type="survey",
        collection_method="  Household   survey ", sample_size=None,
        temporal_coverage=[{"start": "2015-06"}])),
    "ngo-sparse": ("ngo", dict(
        SPARSE, topics=["migration_flows"], gcm_objectives=["2"], countries=["SEN", "NER"],
        frequency=MONTHLY, modified=TODAY, caveat_flags=["self_reported"],
        temporal_coverage=[{"start": "2019", "end": "2020"}])),
    "ngo-full": ("ngo", dict(
        topics=["missing_migrants"], gcm_objectives=["8"], countries=["LBY"],
        frequency=MONTHLY, modified=TODAY, caveat_flags=["self_reported", "provisional_figures"],
        resources=BROKEN_RAW)),
    "stats-secret": ("stats", dict(
        topics=["smuggling"], gcm_objectives=["9"], countries=["NER"], frequency=MONTHLY,
        modified=TODAY, source_type="census", caveat_flags=["modelled_estimates"],
        temporal_coverage=[{"start": "1990", "end": "2030"}], private=True)),
}


@pytest.fixture
def corrections_tables(migration_db, migrate_db_for):
    """The corrections' tables (the plugin's alembic migration)."""
    migrate_db_for("migration")


@pytest.fixture
def catalogue(corrections_tables):
    sysadmin = factories.Sysadmin()
    orgs = {"stats": factories.Organization(name="stats", title="Statistics Office"),
            "ngo": factories.Organization(name="ngo", title="Migration Monitor NGO")}
    for name, (org, changes) in SPECS.items():
        helpers.call_action("package_create", context={"user": sysadmin["name"]},
                            **dataset(name=name, title="Dataset " + name,
                                      owner_org=orgs[org]["id"], **changes))
    member = factories.User()
    helpers.call_action("organization_member_create", id=orgs["stats"]["id"],
                        username=member["name"], role="member")
    outsider = factories.User()
    return {"orgs": orgs, "member": member, "outsider": outsider}


def _handbook(org=None, user=None):
    return helpers.call_action("migration_handbook", context={"user": user or ""},
                               **({"id": org} if org else {}))


def _counts(items):
    return {i["code"]: i["count"] for i in items}


def test_producer_figures_equal_those_counted_by_hand(catalogue):
    hb = _handbook("stats")
    assert hb["organization"]["name"] == "stats"
    assert hb["organization"]["title"] == "Statistics Office"
    assert hb["count"] == 3
    p = hb["publishes"]
    assert _counts(p["topics"]) == {"forced_displacement": 2, "migration_flows": 1,
                                    "remittances": 1}
    assert p["topics"][0] == {"code": "forced_displacement", "label": "Forced displacement",
                              "count": 2}
    assert _counts(p["gcm_objectives"]) == {"1": 2, "2": 1, "20": 1}
    assert _counts(p["countries"]) == {"SEN": 2, "FRA": 1, "MLI": 1}
    assert p["countries"][0]["label"] == "Senegal"
    assert p["period"] == {"earliest_start": "2005-01-01", "latest_end": "2024-12-31",
                           "ongoing": 1}

    how = hb["how"]
    assert _counts(how["source_types"]) == {"survey": 2, "administrative_records": 1}
    # free text, whitespace evened out
    assert _counts(how["collection_methods"]) == {
        "Household survey": 2, "Administrative data from national asylum authorities": 1}
    assert _counts(how["frequencies"]) == {MONTHLY: 1, ANNUAL: 1}
    assert {i["label"] for i in how["frequencies"]} == {"Monthly", "Annual"}
    # the glossary's definitions, labelled "term (agency)"
    assert _counts(how["definitions"]) == {"international-migrant-un": 2,
                                           "international-migrant-un-2021": 1}
    assert how["definitions"][0]["label"].startswith("International migrant (")

    r = hb["reliability"]
    assert _counts(r["freshness"]) == {"fresh": 1, "due": 0, "overdue": 0, "delinquent": 1,
                                       "not_applicable": 0, "unknown": 1}
    t = r["transparency"]
    assert t["distribution"] == [{"score": 100, "count": 1}, {"score": 85, "count": 1},
                                 {"score": 77, "count": 1}]
    assert [(b["low"], b["high"], b["count"]) for b in t["bands"]] == [
        (100, 100, 1), (75, 99, 2), (50, 74, 0), (0, 49, 0)]
    assert t["median"] == 85
    assert [(i["code"], i["count"], i["share"]) for i in t["missing"]] == [
        ("Sample size (N)", 2, 67), ("Caveats", 1, 33), ("Original page", 1, 33),
        ("Update frequency", 1, 33)]
    assert r["links"]["broken"] == 0
    assert _counts(r["links"]["states"]) == {"ok": 0, "some_broken": 0, "raw_data_broken": 0,
                                             "unchecked": 3}
    assert _counts(hb["caveats"]) == {"provisional_figures": 2, "break_in_series": 1}
    assert hb["caveats"][0]["label"] == "Provisional figures"


def test_second_producer_and_broken_links(catalogue):
    hb = _handbook("ngo")
    assert hb["count"] == 2
    assert hb["publishes"]["period"] == {"earliest_start": "2008-01-01",
                                         "latest_end": "2024-12-31", "ongoing": 0}
    t = hb["reliability"]["transparency"]
    assert t["distribution"] == [{"score": 100, "count": 1}, {"score": 62, "count": 1}]
    assert t["median"] == 81
    assert {i["code"]: i["count"] for i in t["missing"]} == {
        "Producer": 1, "Source type": 1, "Collection method": 1, "Methodology": 1,
        "Definitions used": 1}
    assert hb["reliability"]["links"]["broken"] == 1
    assert _counts(hb["reliability"]["links"]["states"])["raw_data_broken"] == 1
    assert _counts(hb["how"]["collection_methods"]) == {
        "Administrative data from national asylum authorities": 1}
    assert _counts(hb["caveats"]) == {"self_reported": 2, "provisional_figures": 1}


def test_every_producer(catalogue):
    hb = _handbook()
    assert hb["organization"] is None
    assert hb["count"] == 5
    assert hb["reliability"]["transparency"]["median"] == 85
    assert _counts(hb["publishes"]["countries"]) == {"SEN": 3, "FRA": 1, "MLI": 1, "NER": 1,
                                                     "LBY": 1}
    assert hb["publishes"]["period"] == {"earliest_start": "2005-01-01",
                                         "latest_end": "2024-12-31", "ongoing": 1}
    rows = {r["name"]: (r["count"], r["fresh"], r["high_transparency"], r["broken_links"])
            for r in hb["producers"]}
    assert rows == {"stats": (3, 1, 3, 0), "ngo": (2, 2, 1, 1)}
    assert [r["name"] for r in hb["producers"]] == ["stats", "ngo"]


def test_private_dataset_counts_for_members_only(catalogue):
    anonymous = _handbook("stats")
    for hb in (anonymous, _handbook("stats", catalogue["outsider"]["name"])):
        assert hb["count"] == 3
        assert "NER" not in _counts(hb["publishes"]["countries"])
        assert "census" not in _counts(hb["how"]["source_types"])
        assert hb["publishes"]["period"]["earliest_start"] == "2005-01-01"
    everyone = _handbook()
    assert everyone["count"] == 5
    assert {r["name"]: r["count"] for r in everyone["producers"]} == {"stats": 3, "ngo": 2}

    member = _handbook("stats", catalogue["member"]["name"])
    assert member["count"] == 4
    assert _counts(member["publishes"]["countries"])["NER"] == 1
    assert _counts(member["how"]["source_types"])["census"] == 1
    assert member["publishes"]["period"] == {"earliest_start": "1990-01-01",
                                             "latest_end": "2030-12-31", "ongoing": 1}
    assert _counts(member["caveats"])["modelled_estimates"] == 1
    assert {r["name"]: r["count"]
            for r in _handbook(user=catalogue["member"]["name"])["producers"]} == {
        "stats": 4, "ngo": 2}


def _correction(name, status, days_old, answered_after=None):
    from ckan import model
    from ckanext.migration.corrections.tables import Correction
    created = dt.datetime.utcnow() - dt.timedelta(days=days_old)
    correction = Correction(package_id=model.Package.get(name).id, kind="wrong_figure",
                            status=status, description="x", created=created, modified=created)
    if answered_after is not None:
        correction.answered_at = created + dt.timedelta(days=answered_after)
    model.Session.add(correction)
    model.Session.commit()


def test_corrections_of_the_producer(catalogue):
    _correction("stats-full", "open", 40)
    _correction("stats-annual", "open", 1)
    _correction("stats-full", "fixed", 10, answered_after=2)
    _correction("stats-nofreq", "declined", 10, answered_after=6)
    _correction("ngo-full", "acknowledged", 3, answered_after=1)
    assert _handbook("stats")["corrections"] == {
        "open": 2, "acknowledged": 0, "fixed": 1, "declined": 1, "open_over_30_days": 1,
        "median_days_to_answer": 4.0}
    assert _handbook("ngo")["corrections"]["acknowledged"] == 1
    assert _handbook()["corrections"] is None


def test_unknown_producer_is_not_found_with_a_suggestion(catalogue):
    with pytest.raises(helpers.logic.NotFound) as e:
        _handbook("stat")
    assert "'stat' is not known" in str(e.value)
    assert "did you mean stats?" in str(e.value)
    assert e.value.suggestion == "stats"
