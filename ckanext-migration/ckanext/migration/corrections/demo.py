"""The demo's correction (`ckan migration demo-load`): a reader reports a problem with a
Eurostat dataset, the producer acknowledges it, then fixes it with an answer, so that a
fresh catalogue shows the whole flow. Idempotent: made once per dataset."""
from __future__ import annotations

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.migration.corrections.tables import Correction

DATASET = "eurostat-migr-asyappctza"
REPORTER = {"name": "demo-reader", "fullname": "Demo reader",
            "email": "demo-reader@example.org"}
REPORT = {"kind": "wrong_metadata", "field": "temporal_coverage",
          "description": "The temporal coverage ends in 2023, but the annual table "
                         "already has figures for 2024.",
          "evidence_url": "https://ec.europa.eu/eurostat/databrowser/view/migr_asyappctza/"
                          "default/table"}
ANSWER = "Thank you: the temporal coverage now ends in 2024, as the table does."


def load(site_user: str, echo) -> str:
    """Create the demo correction if it is missing; returns what was done."""
    if not sa.inspect(model.meta.engine).has_table(Correction.__tablename__):
        echo("correction: skipped (run `ckan db upgrade -p migration` first)")
        return "skipped"
    pkg = model.Package.get(DATASET)
    if pkg is None:
        return "skipped"
    reporter = model.User.get(REPORTER["name"])
    if reporter is None:
        reporter_name = tk.get_action("user_create")(
            {"user": site_user, "ignore_auth": True},
            dict(REPORTER, password=model.types.make_uuid() + "Aa1!"))["name"]
    else:
        reporter_name = reporter.name
        if model.Session.query(Correction).filter_by(package_id=pkg.id,
                                                     user_id=reporter.id).count():
            echo(f"correction on {DATASET}: unchanged")
            return "unchanged"
    # the demo sends no e-mail
    quiet = {"corrections_no_mail": True}
    made = tk.get_action("correction_create")(dict(quiet, user=reporter_name),
                                              dict(REPORT, package_id=pkg.id))
    publisher = dict(quiet, user=site_user)
    tk.get_action("correction_update")(dict(publisher), {
        "id": made["id"], "status": "acknowledged",
        "comment": "We are checking the coverage against the table."})
    tk.get_action("correction_update")(dict(publisher), {
        "id": made["id"], "status": "fixed", "answer": ANSWER})
    echo(f"correction on {DATASET}: created (reported, acknowledged, fixed)")
    return "created"
