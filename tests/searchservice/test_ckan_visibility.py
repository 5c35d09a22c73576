"""CKAN over the real search service: a dataset written through the API is counted by the
very next package_search, as harvest consumers and their tests expect (CKAN sends every
index update with commit=true)."""
import threading

import pytest
import requests

from ckan.tests import factories, helpers

from ..factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


def _count(**params):
    found = helpers.call_action("package_search", rows=0, include_private=True,
                                **{"facet.field": ["organization"]}, **params)
    return found["count"], found["facets"].get("organization", {})


def test_bulk_creates_updates_and_deletes_are_counted_at_once():
    user = factories.Sysadmin()
    org = factories.Organization(name="producer")
    context = {"user": user["name"], "ignore_auth": True}
    names = []
    for i in range(12):
        # as a harvest import stage does: one package_create after another
        names.append(helpers.call_action(
            "package_create", context=dict(context), **dataset(
                name="harvested-%d" % i, title="Harvested %d" % i, owner_org=org["id"],
                resources=[]))["name"])
        assert _count() == (i + 1, {"producer": i + 1})
        assert _count(fq='name:"harvested-%d"' % i)[0] == 1
    for i, name in enumerate(names[:4]):
        helpers.call_action("package_patch", context=dict(context), id=name,
                            title="Updated %d" % i)
        assert _count(q='title:"Updated %d"' % i)[0] == 1
        assert _count()[0] == 12
    for i, name in enumerate(names[:5]):
        helpers.call_action("package_delete", context=dict(context), id=name)
        assert _count() == (11 - i, {"producer": 11 - i})


def test_concurrent_api_writers_see_their_datasets_at_once(live_server):
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    org = factories.Organization(name="producer")
    failures = []
    done = threading.Event()
    api = live_server.url_for("/api/3/action/")

    def search(session, **params):
        res = session.get(api + "package_search", params=dict(rows=0, **params), timeout=60)
        res.raise_for_status()
        return res.json()["result"]["count"]

    def writer(n):
        with requests.Session() as s:
            s.headers["Authorization"] = token
            for j in range(5):
                res = s.post(api + "package_create", timeout=60, json=dataset(
                    name="w%d-%d" % (n, j), title="Writer %d dataset %d" % (n, j),
                    tag_string="writer-%d" % n, owner_org=org["id"], resources=[]))
                if res.status_code != 200:
                    failures.append(res.text[:300])
                    return
                seen = search(s, fq='tags:"writer-%d"' % n)
                if seen != j + 1:
                    failures.append("writer %d: %d found right after its dataset %d"
                                    % (n, seen, j + 1))

    def reader():
        last = 0
        with requests.Session() as s:
            while not done.is_set():
                found = search(s)
                if found < last:
                    failures.append("a search found %d datasets after one found %d"
                                    % (found, last))
                last = max(last, found)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    readers = [threading.Thread(target=reader)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join(300)
    done.set()
    for t in readers:
        t.join(60)
    assert failures == []
    assert helpers.call_action("package_search", rows=0)["count"] == 15
