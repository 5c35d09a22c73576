"""Activity stream entries of the corrections: "reported a problem" and "answered a
correction" on the dataset's stream (ckanext-activity), seen by whoever sees the dataset."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.plugins import get_permission_labels

# CKAN hides an activity from those outside its permission labels only when its type ends
# in "package" (ckanext.activity.model.activity._filter_activities_by_permission_labels):
# any other type is shown to everyone, so a private dataset's report was on public streams
TYPES = {"reported": "reported problem with package",
         "answered": "answered correction of package"}


def record(correction, pkg: model.Package, user: model.User | None, event: str):
    if not p.plugin_loaded("activity"):
        return
    from ckanext.activity.model import Activity
    # CKAN's activity_create only takes the types ckanext-activity registers itself; the
    # labels keep a private dataset's entries for those who can see it
    actor = user.id if user else tk.get_action("get_site_user")(
        {"ignore_auth": True}, {})["id"]
    model.Session.add(Activity(
        user_id=actor, object_id=pkg.id, activity_type=TYPES[event],
        data={"package": {"id": pkg.id, "name": pkg.name, "title": pkg.title,
                          "type": pkg.type},
              "correction": {"id": correction.id, "kind": correction.kind,
                             "status": correction.status},
              "anonymous": user is None},
        permission_labels=get_permission_labels().get_dataset_labels(pkg)))
    model.Session.commit()
