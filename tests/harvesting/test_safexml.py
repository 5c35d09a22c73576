"""Hostile XML payloads are refused with a clear error, unparsed: in an SDMX answer, and
in RDF/XML harvested by ckanext-dcat's dcat_rdf harvester (a local server serves them)."""
import re

import pytest

import ckan.plugins.toolkit as tk
from ckan import plugins as p
from ckan.tests import factories, helpers

from ckanext.migration.harvesting.sdmx import RecordError, parse_structure

from .conftest import Harvest, fixture_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "' + b"x" * 10000
             + b'">]><k>' + b"&a;" * 1000 + b"</k>")
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"""
DTD_FETCH = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><r/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, QUADRATIC, EXTERNAL, DTD_FETCH],
                         ids=["billion-laughs", "quadratic", "external-entity", "dtd-fetch"])
def test_hostile_xml_is_refused_with_a_clear_error(payload):
    with pytest.raises(RecordError, match=r"https://sdmx.example/x is not parsed: it declares"):
        parse_structure(payload, "https://sdmx.example/x")


def test_the_scan_stops_at_the_root_element_and_leaves_other_formats_alone():
    from ckanext.migration.harvesting.safexml import refusal
    # a DTD can only come before the root: what follows it is not read (this is not
    # well-formed after the root's start, and still no refusal, no error)
    assert refusal(b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"><a>&undeclared;<') is None
    for other in ("@prefix dcat: <http://www.w3.org/ns/dcat#> .",
                  "<https://example.org/catalog> a <http://www.w3.org/ns/dcat#Catalog> .",
                  '{"@context": {}, "@graph": []}'):
        assert refusal(other) is None
    assert refusal("\ufeff  " + DTD_FETCH.decode()[len('<?xml version="1.0"?>'):]) \
        .startswith("it declares a DTD")


# -- the same payloads in RDF/XML, through ckanext-dcat's dcat_rdf harvester -----------------

ALLOW_PRIVATE = pytest.mark.ckan_config(
    "ckanext.migration.harvest.allow_private_addresses", True)
GOOD_RDF = "dataset_opendata-hro_govdata_dcatde.rdf"


def _rdf_with(doctype: str, title: str) -> bytes:
    """The good RDF/XML catalogue with a DOCTYPE before its root and a title using it."""
    good = fixture_bytes("dcat", GOOD_RDF).decode("utf-8")
    head, rest = good.split("\n", 1)
    rest = re.sub(r"<dct:title>[^<]*</dct:title>", "<dct:title>%s</dct:title>" % title,
                  rest, count=1)
    return ("%s\n%s\n%s" % (head, doctype, rest)).encode("utf-8")


def _hostile_rdf(server_url):
    laughs = ['<!ENTITY lol0 "lol">'] + [
        '<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10)]
    return {
        "billion-laughs": _rdf_with("<!DOCTYPE rdf:RDF [%s]>" % "".join(laughs), "&lol9;"),
        "quadratic": _rdf_with('<!DOCTYPE rdf:RDF [<!ENTITY a "%s">]>' % ("x" * 50000),
                               "&a;" * 5000),
        "external-entity": _rdf_with(
            '<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        "dtd-fetch": _rdf_with('<!DOCTYPE rdf:RDF SYSTEM "%s/evil.dtd">' % server_url,
                               "Liefer- und Abholservices"),
    }


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@ALLOW_PRIVATE
@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic", "external-entity",
                                  "dtd-fetch"])
def test_dcat_rdf_refuses_hostile_rdf_xml_before_rdflib_and_keeps_what_it_has(
        data_server, kind):
    headers = {"Content-Type": "application/rdf+xml"}
    url = data_server.serve("/catalog.rdf", fixture_bytes("dcat", GOOD_RDF), headers=headers)
    data_server.serve("/evil.dtd", b'<!ENTITY x "fetched">', headers={
        "Content-Type": "application/xml-dtd"})
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {"added": 1}, h.errors(job)  # a good catalogue harvests
    before = helpers.call_action("package_search", q="*:*")["results"]
    assert len(before) == 1

    data_server.serve("/catalog.rdf", _hostile_rdf(data_server.url)[kind], headers=headers)
    job, _ = h.run()
    assert h.errors(job) == ["%s is not parsed: it declares a DTD (refused: entity "
                             "expansion and DTD fetches)" % url]
    assert h.report(job) == {}  # nothing gathered: nothing updated, nothing withdrawn
    after = helpers.call_action("package_search", q="*:*", include_private=True)["results"]
    assert [(d["id"], d["metadata_modified"], d["private"]) for d in after] == \
        [(d["id"], d["metadata_modified"], d["private"]) for d in before]
    assert "/evil.dtd" not in data_server.hits  # rdflib never read the document


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@ALLOW_PRIVATE
def test_test_this_source_refuses_hostile_rdf_xml_too(data_server):
    url = data_server.serve("/catalog.rdf", _hostile_rdf(data_server.url)["billion-laughs"],
                            headers={"Content-Type": "application/rdf+xml"})
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action("migration_harvest_source_test",
                            context={"user": factories.Sysadmin()["name"]},
                            source_type="dcat_rdf", url=url)
    assert raised.value.error_dict["url"][0].startswith(
        "%s is not parsed: it declares a DTD" % url)
    good = data_server.serve("/good.rdf", fixture_bytes("dcat", GOOD_RDF),
                             headers={"Content-Type": "application/rdf+xml"})
    result = helpers.call_action("migration_harvest_source_test",
                                 context={"user": factories.Sysadmin()["name"]},
                                 source_type="dcat_rdf", url=good)
    assert [r["title"] for r in result["records"]] == [
        "Liefer- und Abholservices (Gastronomie)"]
