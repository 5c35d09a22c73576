"""The access-request actions: who may ask and decide, what is checked (each error names
its field), the audit trail and the e-mails."""
import datetime as dt
import email
from email import policy

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ..factories import dataset
from .conftest import grant, iso

pytestmark = pytest.mark.usefixtures("with_plugins")
ValidationError = helpers.logic.ValidationError


def call(user, action, **data):
    """The action as ``user`` would call it through the API (auth checked)."""
    return helpers.call_action(action, context={"user": user, "ignore_auth": False}, **data)


def _ask(p, user, **changes):
    data = dict(package_id=p.dataset["id"], purpose="Study of hate crimes",
                intended_use="Aggregated tables in a report", organisation="University",
                wanted_from=iso(), wanted_until=iso(30))
    data.update(changes)
    return call(user["name"], "migration_access_request_create", **data)


def _errors(p, user, **changes):
    with pytest.raises(ValidationError) as e:
        _ask(p, user, **changes)
    return e.value.error_dict


def test_request_checks_each_field(restricted, ckan_config, monkeypatch):
    p, u = restricted, restricted.stranger
    assert _errors(p, u, purpose="") == {"purpose": ["Missing value: say why you need the data"]}
    assert "at most 2000" in _errors(p, u, purpose="x" * 2001)["purpose"][0]
    assert _errors(p, u, wanted_until="next year") == {
        "wanted_until": ["'next year' is not a date: use YYYY-MM-DD"]}
    assert "before its start" in _errors(p, u, wanted_from=iso(10),
                                         wanted_until=iso(5))["wanted_until"][0]
    assert _errors(p, u, wanted_until=iso(400))["wanted_until"] == [
        "The period is 401 days long; at most 365 days are allowed"]
    monkeypatch.setitem(ckan_config, "ckanext.migration.access.max_days", 30)
    assert "at most 30 days" in _errors(p, u, wanted_until=iso(30))["wanted_until"][0]
    monkeypatch.setitem(ckan_config, "ckanext.migration.access.max_days", 365)
    assert "ends in the past" in _errors(p, u, wanted_from=iso(-10),
                                         wanted_until=iso(-1))["wanted_until"][0]
    assert _errors(p, u, email="nobody") == {"email": ["'nobody' is not an e-mail address"]}
    assert list(_errors(p, u, wanted_until="")) == ["wanted_until"]


def test_one_pending_request_and_only_on_restricted_datasets(restricted):
    p, u = restricted, restricted.stranger
    made = _ask(p, u)
    assert made["status"] == "pending" and made["requester_name"] == u["fullname"]
    assert made["email"] == "r@uni.example"
    assert "already have a pending request" in _errors(p, u)["package_id"][0]
    open_pkg = helpers.call_action("package_create", context={"user": p.admin["name"]},
                                   **dataset(name="open-data", owner_org=p.org["id"]))
    assert "not restricted" in _errors(p, u, package_id=open_pkg["id"])["package_id"][0]
    with pytest.raises(helpers.logic.NotAuthorized):
        call("", "migration_access_request_create",
                            package_id=p.dataset["id"], purpose="x", wanted_until=iso(3))


def test_decide_and_revoke(restricted):
    p, u = restricted, restricted.stranger
    made = _ask(p, u)
    for who in (p.editor, p.member, p.other_member, u):
        with pytest.raises(helpers.logic.NotAuthorized):
            call(who["name"], "migration_access_request_decide", id=made["id"], decision="approve")
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_request_decide",
                            id=made["id"], decision="deny")
    assert e.value.error_dict == {"message": [
        "Missing value: tell the requester why access is denied"]}
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_request_decide",
                            id=made["id"], decision="maybe")
    assert e.value.error_dict["decision"] == ["'maybe' is not allowed; allowed values: approve, deny"]
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_request_decide",
                            id=made["id"], decision="approve", granted_until=iso(-1),
                            granted_from=iso(-5))
    assert "ends in the past" in e.value.error_dict["granted_until"][0]
    # approved for a shorter period than asked, by a sysadmin
    done = call(p.sysadmin["name"], "migration_access_request_decide", id=made["id"],
                               decision="approve", granted_until=iso(7),
                               message="One week is enough")
    assert (done["status"], done["granted_from"], done["granted_until"]) == (
        "approved", iso(), iso(7))
    assert done["active"] is True and done["decided_by_name"] == p.sysadmin["name"]
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_request_decide",
                            id=made["id"], decision="deny", message="no")
    assert "already decided (approved)" in e.value.error_dict["id"][0]
    revoked = call(p.admin["name"], "migration_access_request_revoke", id=made["id"])
    assert revoked["status"] == "revoked" and revoked["active"] is False


def test_list_and_show_are_scoped(restricted):
    p = restricted
    mine = _ask(p, p.stranger)
    other = factories.User()
    theirs = _ask(p, other)
    as_stranger = call(p.stranger["name"], "migration_access_request_list")
    assert [r["id"] for r in as_stranger] == [mine["id"]]
    as_admin = call(p.admin["name"], "migration_access_request_list", status="pending")
    assert {r["id"] for r in as_admin} == {mine["id"], theirs["id"]}
    assert call(p.other_member["name"], "migration_access_request_list") == []
    with pytest.raises(helpers.logic.NotFound):
        call(p.stranger["name"], "migration_access_request_show", id=theirs["id"])
    assert call(p.admin["name"], "migration_access_request_show", id=theirs["id"])["id"] == theirs["id"]
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_request_list", status="lost")
    assert "status" in e.value.error_dict


def test_audit_trail(restricted):
    p = restricted
    made = _ask(p, p.stranger)
    call(p.admin["name"], "migration_access_request_decide",
                        id=made["id"], decision="deny", message="Not for commercial use")
    rows = call(p.admin["name"], "migration_access_audit_list")
    assert [(r["event"], r["user"], r["actor"]) for r in rows] == [
        ("denied", p.stranger["name"], p.admin["name"]),
        ("requested", p.stranger["name"], p.stranger["name"])]
    assert rows[0]["detail"] == "Not for commercial use"
    assert [r["event"] for r in helpers.call_action(
        "migration_access_audit_list", context={"user": p.admin["name"]},
        event="requested")] == ["requested"]
    assert call(p.admin["name"], "migration_access_audit_list",
                               date_to=iso(-1)) == []
    with pytest.raises(helpers.logic.NotAuthorized):
        call(p.member["name"], "migration_access_audit_list")
    assert call(p.other_member["name"], "migration_access_audit_list") == []
    with pytest.raises(ValidationError) as e:
        call(p.admin["name"], "migration_access_audit_list",
                            event="viewed", date_from="yesterday")
    assert set(e.value.error_dict) == {"event", "date_from"}


def _messages(mail_server):
    out = []
    for _none, _sender, to, raw in mail_server.get_smtp_messages():
        msg = email.message_from_string(raw, policy=policy.default)
        out.append((tuple(to) if isinstance(to, list) else (to,), str(msg["Subject"]),
                    msg.get_body(("plain",)).get_content()))
    return out


def test_mails(mail_server, restricted):
    p = restricted
    made = _ask(p, p.stranger)
    (sent,) = _messages(mail_server)
    assert sent[0] == ("admin@police.example",)             # the org's admins only
    assert sent[1] == "Access requested to Asylum applicants from Senegal"
    assert "Purpose: Study of hate crimes" in sent[2] and "/access-requests" in sent[2]
    mail_server.clear_smtp_messages()
    call(p.admin["name"], "migration_access_request_decide",
                        id=made["id"], decision="approve", granted_until=iso(10))
    (sent,) = _messages(mail_server)
    assert sent[0] == ("r@uni.example",)
    assert sent[1] == "Access granted to Asylum applicants from Senegal"
    assert "from %s to %s" % (iso(), iso(10)) in sent[2]
    mail_server.clear_smtp_messages()
    call(p.admin["name"], "migration_access_request_revoke",
                        id=made["id"], message="The project ended")
    (sent,) = _messages(mail_server)
    assert sent[1] == "Access revoked to Asylum applicants from Senegal"
    assert "Message: The project ended" in sent[2]
    mail_server.clear_smtp_messages()
    denied = _ask(p, p.other_member)
    mail_server.clear_smtp_messages()
    call(p.admin["name"], "migration_access_request_decide",
                        id=denied["id"], decision="deny", message="Members of NGOs only")
    (sent,) = _messages(mail_server)
    assert sent[1] == "Access denied to Asylum applicants from Senegal"
    assert "Message: Members of NGOs only" in sent[2]
