"""E-mails through CKAN's mailer (captured by CKAN's mail_server fixture): the organisation's
admins, the reporter and, for a harvested dataset, the producer's contact, on each change."""
import email
from email import policy

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ..factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "corrections_db")


def _messages(mail_server):
    """(recipients, subject, body) of each captured mail."""
    out = []
    for _none, _sender, to, raw in mail_server.get_smtp_messages():
        msg = email.message_from_string(raw, policy=policy.default)
        body = msg.get_body(("plain",)).get_content()
        out.append((tuple(to) if isinstance(to, list) else (to,), str(msg["Subject"]), body))
    return out


@pytest.fixture
def org_people():
    admin = factories.User(email="admin@producer.example")
    editor = factories.User(email="editor@producer.example")
    reporter = factories.User(email="reporter@example.org", fullname="Rita Reporter")
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"},
                                        {"name": editor["name"], "capacity": "editor"}])
    return admin, editor, reporter, org


def test_report_and_each_change_mail_admins_and_reporter(mail_server, org_people):
    admin, editor, reporter, org = org_people
    pkg = helpers.call_action("package_create", context={"user": admin["name"]},
                              **dataset(name="mailed", owner_org=org["id"]))
    made = helpers.call_action("correction_create", context={"user": reporter["name"]},
                               package_id=pkg["id"], kind="wrong_figure",
                               description="2019 total is 1,234")
    sent = _messages(mail_server)
    assert sorted(to for m in sent for to in m[0]) == [
        "admin@producer.example", "reporter@example.org"]        # editors are not mailed
    assert all("Problem reported on Asylum applicants from Senegal" == m[1] for m in sent)
    assert "2019 total is 1,234" in sent[0][2] and "Rita Reporter" in sent[0][2]
    assert "/dataset/mailed/corrections#correction-" + made["id"] in sent[0][2]
    mail_server.clear_smtp_messages()

    helpers.call_action("correction_update", context={"user": editor["name"]},
                        id=made["id"], status="acknowledged")
    sent = _messages(mail_server)
    assert sorted(to for m in sent for to in m[0]) == [
        "admin@producer.example", "reporter@example.org"]
    assert sent[0][1] == "Correction acknowledged: Asylum applicants from Senegal"
    mail_server.clear_smtp_messages()

    helpers.call_action("correction_update", context={"user": admin["name"]},
                        id=made["id"], status="fixed", answer="Corrected in release 2.")
    sent = _messages(mail_server)
    assert len(sent) == 2 and sent[0][1] == "Correction fixed: Asylum applicants from Senegal"
    assert "Answer: Corrected in release 2." in sent[0][2]
    mail_server.clear_smtp_messages()

    helpers.call_action("correction_update", context={"user": reporter["name"]},
                        id=made["id"], comment="Thank you!")
    sent = _messages(mail_server)
    assert sent[0][1] == "New comment on a correction of Asylum applicants from Senegal"
    assert "Comment: Thank you!" in sent[0][2]


def test_harvested_dataset_mails_the_producer_contact(mail_server, org_people):
    from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource
    admin, _editor, reporter, org = org_people
    pkg = helpers.call_action("package_create", context={"user": admin["name"]}, **dataset(
        name="harvested", owner_org=org["id"],
        contact=[{"name": "Data desk", "email": "data@eurostat.example"}],
        creator=[{"name": "Eurostat", "email": "estat@eurostat.example"}]))
    source = HarvestSource(url="https://source.example/catalog.rdf", type="dcat_rdf")
    source.save()
    job = HarvestJob(source=source)
    job.save()
    HarvestObject(job=job, source=source, package_id=pkg["id"], current=True,
                  guid="x").save()
    model.Session.commit()
    helpers.call_action("correction_create", context={"user": reporter["name"]},
                        package_id=pkg["id"], kind="outdated", description="Newer data exist")
    recipients = sorted(to for m in _messages(mail_server) for to in m[0])
    assert recipients == ["admin@producer.example", "data@eurostat.example",
                          "estat@eurostat.example", "reporter@example.org"]


def test_not_harvested_dataset_does_not_mail_its_contact(mail_server, org_people):
    admin, _editor, reporter, org = org_people
    pkg = helpers.call_action("package_create", context={"user": admin["name"]}, **dataset(
        name="local", owner_org=org["id"],
        contact=[{"name": "Data desk", "email": "data@eurostat.example"}]))
    helpers.call_action("correction_create", context={"user": reporter["name"]},
                        package_id=pkg["id"], kind="outdated", description="Newer data exist")
    recipients = sorted(to for m in _messages(mail_server) for to in m[0])
    assert recipients == ["admin@producer.example", "reporter@example.org"]
