"""Tables of restricted-data access: requests (with their decision and grant) and the
append-only audit trail of what happened to them and what grantees downloaded.

Made by the plugin's alembic migrations (``ckan db upgrade -p migration``); declared on
CKAN's metadata so that CKAN's test reset empties them with the core tables.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

STATUSES = ("pending", "approved", "denied", "revoked")
EVENTS = ("requested", "approved", "denied", "revoked", "download", "datastore")


def _now() -> dt.datetime:
    return dt.datetime.utcnow()


class AccessRequest(tk.BaseModel):
    __tablename__ = "migration_access_request"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    requester_name = sa.Column(sa.UnicodeText, nullable=False, default="")
    email = sa.Column(sa.UnicodeText, nullable=True)
    organisation = sa.Column(sa.UnicodeText, nullable=True)
    purpose = sa.Column(sa.UnicodeText, nullable=False)
    intended_use = sa.Column(sa.UnicodeText, nullable=True)
    wanted_from = sa.Column(sa.Date, nullable=False)
    wanted_until = sa.Column(sa.Date, nullable=False)
    status = sa.Column(sa.UnicodeText, nullable=False, default="pending", index=True)
    decided_by = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"),
                           nullable=True)
    decided_at = sa.Column(sa.DateTime, nullable=True)
    decision_message = sa.Column(sa.UnicodeText, nullable=True)
    granted_from = sa.Column(sa.Date, nullable=True)
    granted_until = sa.Column(sa.Date, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class AccessEvent(tk.BaseModel):
    __tablename__ = "migration_access_event"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    request_id = sa.Column(sa.UnicodeText,
                           sa.ForeignKey("migration_access_request.id", ondelete="SET NULL"),
                           nullable=True)
    # whom the event is about (the requester / grantee)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"),
                        nullable=True, index=True)
    # who did it (the requester, or the admin who decided)
    actor_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"),
                         nullable=True)
    event = sa.Column(sa.UnicodeText, nullable=False, index=True)
    resource_id = sa.Column(sa.UnicodeText, nullable=True)
    detail = sa.Column(sa.UnicodeText, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=_now, index=True)
