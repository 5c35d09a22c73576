"""A restricted dataset's links reach neither the search index (package_search, ``fl``)
nor DCAT (/dataset/<id>.ttl, /catalog.ttl) for visitors without access; its access rights
are the EU authority URI in dct:accessRights."""
import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from ckan.tests import helpers

from .conftest import LINK, RESTRICTED, grant, iso

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_index_has_no_link(app, restricted):
    p = restricted
    found = helpers.call_action("package_search", q="name:crimes-restricted",
                                fl="id,res_url,validated_data_dict,data_dict")["results"]
    assert len(found) == 1
    text = json.dumps(found)
    assert LINK not in text
    assert found[0]["res_url"] == [""]
    stored = json.loads(found[0]["validated_data_dict"])
    assert stored["resources"][0]["url"] == ""
    assert stored["resources"][0]["access_url"].endswith("/dataset/crimes-restricted/request-access")
    assert json.loads(found[0]["data_dict"])["resources"][0]["url"] == ""
    # whole results, as the API and the search page get them
    full = app.get("/api/3/action/package_search?q=name:crimes-restricted").json["result"]
    assert LINK not in json.dumps(full) and full["count"] == 1
    # searching by the link finds nothing
    assert helpers.call_action("package_search", q='res_url:"%s"' % LINK)["count"] == 0


def test_grantee_gets_the_link_from_package_show(app, restricted):
    """package_show answers from the index copy by default: the link comes back from the
    database for who may read the data."""
    p = restricted
    from ckan.tests import factories
    grantee = factories.User()
    grant(p, grantee)
    for user in (grantee["name"], p.member["name"]):
        shown = helpers.call_action("package_show", context={"user": user}, id=p.dataset["id"])
        assert shown["resources"][0]["url"] == LINK and "restricted" not in shown["resources"][0]
    shown = helpers.call_action("package_show", context={"user": p.stranger["name"]},
                                id=p.dataset["id"])
    assert shown["resources"][0]["url"] == "" and shown["resources"][0]["restricted"] is True


def _graph(body, fmt="turtle"):
    g = Graph()
    g.parse(data=body, format=fmt)
    return g


def test_dcat_dataset_and_catalogue(app, restricted):
    p = restricted
    landing = "http://test.ckan.net/dataset/crimes-restricted/request-access"
    for url, fmt in (("/dataset/crimes-restricted.ttl", "turtle"),
                     ("/dataset/crimes-restricted.rdf", "xml"),
                     ("/dataset/crimes-restricted.jsonld", "json-ld"),
                     ("/catalog.ttl", "turtle")):
        body = app.get(url).get_data(as_text=True)
        assert LINK not in body, url
        g = _graph(body, fmt)
        (ds,) = [s for s in g.subjects(DCTERMS.accessRights, None)]
        assert g.value(ds, DCTERMS.accessRights) == URIRef(RESTRICTED), url
        (dist,) = list(g.objects(ds, DCAT.distribution))
        assert [str(o) for o in g.objects(dist, DCAT.accessURL)] == [landing], url
        assert list(g.objects(dist, DCAT.downloadURL)) == [], url
    # a member's DCAT has the file
    from ckan import model
    client = app.test_client(user=model.User.get(p.member["name"]))
    g = _graph(client.get("/dataset/crimes-restricted.ttl").get_data(as_text=True))
    assert URIRef(LINK) in set(g.objects(None, DCAT.accessURL))


def test_activity_stream_keeps_no_link(app, restricted):
    """The activity stream stores copies of the dataset: a restricted dataset's have no
    links, including those stored while it was still public."""
    p = restricted
    admin = {"user": p.admin["name"]}
    from ..factories import dataset
    made = helpers.call_action("package_create", context=dict(admin), **dataset(
        name="made-public-first", owner_org=p.org["id"],
        resources=[{"url": LINK + "?v=1", "name": "Link", "format": "CSV"}]))
    helpers.call_action("package_patch", context=dict(admin), id=made["id"],
                        access_rights="NON_PUBLIC")
    for name in ("crimes-restricted", "made-public-first"):
        acts = helpers.call_action("package_activity_list", id=name,
                                   include_hidden_activity=True)
        assert acts
        for act in acts:
            full = helpers.call_action("activity_show", id=act["id"], include_data=True)
            assert LINK not in json.dumps(full), (name, act["activity_type"])
        assert LINK not in app.get("/dataset/activity/" + name).get_data(as_text=True)
    # the dataset itself is untouched: its members still get the link
    shown = helpers.call_action("package_show", context={"user": p.member["name"]},
                                id="made-public-first")
    assert shown["resources"][0]["url"] == LINK + "?v=1"
