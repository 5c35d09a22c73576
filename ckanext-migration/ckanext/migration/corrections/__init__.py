"""Corrections: anyone who may see a dataset reports a problem with it; its publisher
acknowledges, fixes or declines it with an answer, in a public thread.

Modules: ``tables``, ``logic`` (actions), ``auth``, ``mail`` (notifications),
``activity`` (activity stream). This module holds the counts other features read.
"""
from __future__ import annotations

import datetime as dt
import statistics

import sqlalchemy as sa

from ckan import model

from ckanext.migration.corrections.tables import STATUSES, Correction

STALE_DAYS = 30


def _stale_cutoff() -> dt.datetime:
    return dt.datetime.utcnow() - dt.timedelta(days=STALE_DAYS)


def _public(query):
    """Only corrections of public, active datasets (counts anyone may read)."""
    return query.join(model.Package, model.Package.id == Correction.package_id).filter(
        model.Package.state == "active", model.Package.private.is_(False))


def org_stats(org_id: str) -> dict:
    """Counts per status, open ones older than 30 days and the median days from report to
    first answer, over the corrections of the organisation's public active datasets."""
    org = model.Group.get(org_id)
    stats = dict.fromkeys(STATUSES, 0)
    stats.update(open_over_30_days=0, median_days_to_answer=None)
    if org is None:
        return stats
    base = _public(model.Session.query(Correction)).filter(model.Package.owner_org == org.id)
    for status, n in base.with_entities(Correction.status, sa.func.count()).group_by(
            Correction.status):
        stats[status] = n
    stats["open_over_30_days"] = base.filter(Correction.status == "open",
                                             Correction.created < _stale_cutoff()).count()
    waits = [(answered - created).total_seconds() / 86400 for created, answered in
             base.with_entities(Correction.created, Correction.answered_at).filter(
                 Correction.answered_at.isnot(None))]
    if waits:
        stats["median_days_to_answer"] = float(statistics.median(waits))
    return stats


def dataset_counts(package_id: str) -> dict:
    """open, total and open_over_30_days corrections of one dataset (its badge)."""
    pkg = model.Package.get(package_id)
    query = model.Session.query(Correction).filter(
        Correction.package_id == (pkg.id if pkg else package_id))
    return {
        "open": query.filter(Correction.status == "open").count(),
        "total": query.count(),
        "open_over_30_days": query.filter(Correction.status == "open",
                                          Correction.created < _stale_cutoff()).count(),
    }
