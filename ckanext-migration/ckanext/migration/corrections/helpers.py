"""Template helpers of the corrections (registered in helpers.get_helpers)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.migration import corrections
from ckanext.migration.corrections.tables import KINDS, STATUSES
from ckanext.migration.translation import N_

KIND_LABELS = {
    "wrong_figure": N_("Wrong figure"),
    "wrong_metadata": N_("Wrong metadata"),
    "duplicate": N_("Duplicate"),
    "broken_link": N_("Broken link"),
    "outdated": N_("Outdated"),
}
STATUS_LABELS = {
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "fixed": N_("Fixed"),
    "declined": N_("Declined"),
}


def migration_correction_counts(package_id: str) -> dict:
    return corrections.dataset_counts(package_id)


def migration_corrections(package_id: str, limit: int = 20) -> dict:
    """The dataset's corrections the visitor may see, newest first (count and results)."""
    try:
        return tk.get_action("correction_list")({}, {"package_id": package_id,
                                                     "limit": limit})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return {"count": 0, "results": []}


def migration_correction_kinds() -> list:
    """(value, label) of each kind, in the visitor's language."""
    return [(k, tk._(KIND_LABELS[k])) for k in KINDS]


def migration_correction_statuses() -> list:
    return [(s, tk._(STATUS_LABELS[s])) for s in STATUSES]


def migration_correction_label(value: str) -> str:
    label = KIND_LABELS.get(value) or STATUS_LABELS.get(value)
    return tk._(label) if label else value


def migration_corrections_can_answer(pkg_id: str) -> bool:
    from ckan import model
    from ckanext.migration.corrections.logic import is_publisher
    pkg = model.Package.get(pkg_id)
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    return pkg is not None and is_publisher(user, pkg)


def template_helpers() -> dict:
    return {f.__name__: f for f in (
        migration_correction_counts, migration_corrections, migration_correction_kinds,
        migration_correction_statuses, migration_correction_label,
        migration_corrections_can_answer)}
