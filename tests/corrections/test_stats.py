"""org_stats and dataset_counts: what the handbook and the quality badge read."""
import datetime as dt

import pytest

from ckan import model

from ckanext.migration import corrections
from ckanext.migration.corrections.tables import Correction

pytestmark = pytest.mark.usefixtures("with_plugins", "corrections_db")


def _add(package_id, status="open", days_old=0, answered_after=None):
    created = dt.datetime.utcnow() - dt.timedelta(days=days_old)
    c = Correction(package_id=package_id, kind="wrong_figure", status=status,
                   description="x", created=created, modified=created)
    if answered_after is not None:
        c.answered_at = created + dt.timedelta(days=answered_after)
    model.Session.add(c)
    model.Session.commit()
    return c


def test_org_stats_count_public_datasets_only(publisher):
    pub, priv = publisher.public["id"], publisher.private["id"]
    _add(pub, "open", days_old=40)
    _add(pub, "open", days_old=2)
    _add(pub, "acknowledged", days_old=10, answered_after=1)
    _add(pub, "fixed", days_old=10, answered_after=3)
    _add(pub, "declined", days_old=10, answered_after=5)
    _add(priv, "open", days_old=90)
    _add(priv, "fixed", days_old=90, answered_after=100)
    stats = corrections.org_stats(publisher.org["id"])
    assert stats == {"open": 2, "acknowledged": 1, "fixed": 1, "declined": 1,
                     "open_over_30_days": 1, "median_days_to_answer": pytest.approx(3.0)}


def test_org_stats_without_corrections(publisher):
    assert corrections.org_stats(publisher.org["id"]) == {
        "open": 0, "acknowledged": 0, "fixed": 0, "declined": 0,
        "open_over_30_days": 0, "median_days_to_answer": None}
    assert corrections.org_stats("no-such-org")["open"] == 0


def test_dataset_counts(publisher):
    pub = publisher.public["id"]
    _add(pub, "open", days_old=31)
    _add(pub, "open")
    _add(pub, "fixed", answered_after=0)
    expected = {"open": 2, "total": 3, "open_over_30_days": 1}
    assert corrections.dataset_counts(pub) == expected
    assert corrections.dataset_counts("public-data") == expected
    assert corrections.dataset_counts(publisher.private["id"]) == {
        "open": 0, "total": 0, "open_over_30_days": 0}
