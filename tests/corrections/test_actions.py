"""The corrections' actions: life cycle, who may do what, private datasets, bad input."""
import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "corrections_db")


def _report(user, pkg_id, **changes):
    data = dict(package_id=pkg_id, kind="wrong_figure",
                description="The 2019 total is 1,234, not 12,340.",
                evidence_url="https://example.org/report.pdf")
    data.update(changes)
    return helpers.call_action("correction_create", context={"ignore_auth": False, "user": user["name"]}, **data)


def test_life_cycle_open_acknowledged_fixed(publisher):
    reporter = factories.User()
    made = _report(reporter, publisher.public["name"], field="sample_size")
    assert made["status"] == "open" and made["reporter"] == reporter["name"]
    assert made["field"] == "sample_size" and made["package_id"] == publisher.public["id"]
    ack = helpers.call_action("correction_update", context={"ignore_auth": False, "user": publisher.editor["name"]},
                              id=made["id"], status="acknowledged", comment="Looking into it")
    assert ack["status"] == "acknowledged" and ack["answered_at"]
    assert ack["comments"][0]["status_change"] == "open->acknowledged"
    fixed = helpers.call_action("correction_update", context={"ignore_auth": False, "user": publisher.admin["name"]},
                                id=made["id"], status="fixed", answer="Corrected in v2.")
    assert fixed["status"] == "fixed" and fixed["answer"] == "Corrected in v2."
    assert fixed["answered_at"] == ack["answered_at"]      # the first answer's time
    assert [c["status_change"] for c in fixed["comments"]] == [
        "open->acknowledged", "acknowledged->fixed"]
    shown = helpers.call_action("correction_show", context={"ignore_auth": False, "user": ""}, id=made["id"])
    assert shown["answer"] == "Corrected in v2." and len(shown["comments"]) == 2
    assert "reporter_email" not in shown


def test_only_publishers_change_status_reporter_comments(publisher):
    reporter, other = factories.User(), factories.User()
    made = _report(reporter, publisher.public["id"])
    for user in (reporter, other, publisher.member):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("correction_update", context={"ignore_auth": False, "user": user["name"]},
                                id=made["id"], status="fixed", answer="done")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("correction_update", context={"ignore_auth": False, "user": other["name"]},
                            id=made["id"], comment="me too")
    thread = helpers.call_action("correction_update", context={"ignore_auth": False, "user": reporter["name"]},
                                 id=made["id"], comment="A second source agrees.")
    assert thread["status"] == "open"
    assert thread["comments"][-1]["body"] == "A second source agrees."
    assert thread["comments"][-1]["author"] == reporter["name"]
    sysadmin = factories.Sysadmin()
    done = helpers.call_action("correction_update", context={"ignore_auth": False, "user": sysadmin["name"]},
                               id=made["id"], status="declined", answer="The figure is right.")
    assert done["status"] == "declined"


def test_fixed_and_declined_need_an_answer_and_transitions_are_checked(publisher):
    made = _report(factories.User(), publisher.public["id"])
    ctx = {"user": publisher.admin["name"]}
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_update", context=dict(ctx), id=made["id"],
                            status="fixed")
    assert "answer" in e.value.error_dict
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_update", context=dict(ctx), id=made["id"],
                            status="solved", answer="x")
    msg = e.value.error_dict["status"][0]
    assert "'solved'" in msg and "open, acknowledged, fixed, declined" in msg
    helpers.call_action("correction_update", context=dict(ctx), id=made["id"],
                        status="fixed", answer="Done")
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_update", context=dict(ctx), id=made["id"],
                            status="open")
    assert "keeps its status" in e.value.error_dict["status"][0]


@pytest.mark.parametrize("changes, field, words", [
    (dict(description=""), "description", "Missing value"),
    (dict(description="   "), "description", "Missing value"),
    (dict(description="x" * 4001), "description", "at most 4000"),
    (dict(kind="typo"), "kind", "wrong_figure, wrong_metadata, duplicate, broken_link, outdated"),
    (dict(kind=""), "kind", "allowed values"),
    (dict(evidence_url="javascript:alert(1)"), "evidence_url", "https://"),
    (dict(evidence_url="not a url"), "evidence_url", "http"),
    (dict(resource_id="nope"), "resource_id", "Not a resource"),
    (dict(field="f" * 201), "field", "at most 200"),
])
def test_bad_reports_name_the_field_and_what_is_allowed(publisher, changes, field, words):
    with pytest.raises(tk.ValidationError) as e:
        _report(factories.User(), publisher.public["id"], **changes)
    assert words in " ".join(e.value.error_dict[field])


def test_list_filters(publisher):
    reporter = factories.User()
    a = _report(reporter, publisher.public["id"], kind="duplicate")
    b = _report(reporter, publisher.public["id"], kind="outdated")
    helpers.call_action("correction_update", context={"ignore_auth": False, "user": publisher.admin["name"]},
                        id=b["id"], status="acknowledged")
    listed = helpers.call_action("correction_list", context={"ignore_auth": False, "user": ""})
    assert listed["count"] == 2
    assert [c["id"] for c in listed["results"]] == [b["id"], a["id"]]   # newest first
    assert helpers.call_action("correction_list", status="acknowledged")["count"] == 1
    assert helpers.call_action("correction_list", kind="duplicate")["results"][0]["id"] == a["id"]
    assert helpers.call_action("correction_list",
                               organization=publisher.org["name"])["count"] == 2
    assert helpers.call_action("correction_list", organization="other")["count"] == 0
    assert helpers.call_action("correction_list", older_than_days=30)["count"] == 0
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_list", status="closed")
    assert "open, acknowledged, fixed, declined" in e.value.error_dict["status"][0]
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_list", older_than_days="old")
    assert "older_than_days" in e.value.error_dict


def test_private_dataset_corrections_are_not_found_for_outsiders(publisher):
    made = _report(publisher.member, publisher.private["id"])
    outsider = factories.User()
    for user in ("", outsider["name"]):
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("correction_show", context={"ignore_auth": False, "user": user}, id=made["id"])
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("correction_update", context={"ignore_auth": False, "user": user}, id=made["id"],
                                comment="hi")
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("correction_create", context={"ignore_auth": False, "user": user},
                                package_id=publisher.private["id"], kind="duplicate",
                                description="x")
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("correction_list", context={"ignore_auth": False, "user": user},
                                package_id=publisher.private["id"])
        assert helpers.call_action("correction_list", context={"ignore_auth": False, "user": user})["count"] == 0
    # the organisation's members see it
    member_view = helpers.call_action("correction_list",
                                      context={"ignore_auth": False, "user": publisher.member["name"]})
    assert member_view["count"] == 1
    assert helpers.call_action("correction_show", context={"ignore_auth": False, "user": publisher.admin["name"]},
                               id=made["id"])["id"] == made["id"]


def test_anonymous_reports_only_when_the_site_allows_them(publisher, ckan_config,
                                                          monkeypatch):
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("correction_create", context={"ignore_auth": False, "user": ""},
                            package_id=publisher.public["id"], kind="duplicate",
                            description="Same as another dataset",
                            reporter_email="someone@example.org")
    monkeypatch.setitem(ckan_config, "ckanext.migration.corrections.allow_anonymous", True)
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("correction_create", context={"ignore_auth": False, "user": ""},
                            package_id=publisher.public["id"], kind="duplicate",
                            description="Same as another dataset")
    assert "e-mail" in e.value.error_dict["reporter_email"][0]
    made = helpers.call_action("correction_create", context={"ignore_auth": False, "user": ""},
                               package_id=publisher.public["id"], kind="duplicate",
                               description="Same as another dataset",
                               reporter_email="someone@example.org")
    assert made["reporter"] is None and "reporter_email" not in made
    seen = helpers.call_action("correction_show", context={"ignore_auth": False, "user": publisher.admin["name"]},
                               id=made["id"])
    assert seen["reporter_email"] == "someone@example.org"


def test_rate_limit_per_user(publisher, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.migration.corrections.max_per_hour", 2)
    reporter = factories.User()
    _report(reporter, publisher.public["id"])
    _report(reporter, publisher.public["id"])
    with pytest.raises(tk.ValidationError) as e:
        _report(reporter, publisher.public["id"])
    assert "at most 2 an hour" in e.value.error_dict["description"][0]
    _report(factories.User(), publisher.public["id"])     # others still report


def test_activity_stream_shows_report_and_answer(publisher):
    made = _report(factories.User(), publisher.public["id"])
    helpers.call_action("correction_update", context={"ignore_auth": False, "user": publisher.admin["name"]},
                        id=made["id"], status="fixed", answer="Done")
    types = [a["activity_type"] for a in helpers.call_action(
        "package_activity_list", id=publisher.public["id"])]
    assert "reported problem with package" in types and "answered correction of package" in types
    _report(publisher.member, publisher.private["id"])
    outsider = factories.User()
    # following the reporter puts their activity on the outsider's dashboard
    helpers.call_action("follow_user", context={"user": outsider["name"]},
                        id=publisher.member["id"])
    private_types = [a["activity_type"] for a in helpers.call_action(
        "dashboard_activity_list", context={"ignore_auth": False, "user": outsider["name"]})]
    assert "reported problem with package" not in private_types


def test_deleting_the_dataset_deletes_its_corrections_from_lists(publisher):
    _report(factories.User(), publisher.public["id"])
    helpers.call_action("package_delete", context={"ignore_auth": False, "user": publisher.admin["name"]},
                        id=publisher.public["id"])
    assert helpers.call_action("correction_list")["count"] == 0
    assert model.Session.query(model.Package).get(publisher.public["id"]).state == "deleted"


def test_demo_load_makes_an_answered_correction(cli):
    from ckan.cli.cli import ckan as ckan_command
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    assert "correction on eurostat-migr-asyappctza: created" in result.output
    listed = helpers.call_action("correction_list", context={"user": ""},
                                 package_id="eurostat-migr-asyappctza")
    (made,) = listed["results"]
    assert made["status"] == "fixed" and made["answer"].startswith("Thank you")
    assert [c["status_change"] for c in made["comments"]] == [
        "open->acknowledged", "acknowledged->fixed"]
    again = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert "correction on eurostat-migr-asyappctza: unchanged" in again.output
    assert helpers.call_action("correction_list")["count"] == 1
