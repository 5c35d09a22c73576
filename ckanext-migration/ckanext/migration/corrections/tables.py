"""Tables of the corrections: reports of problems on datasets and their threads.

Made by the plugin's alembic migrations (``ckan db upgrade -p migration``); declared on
CKAN's metadata so that CKAN's test reset empties them with the core tables.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import relationship

import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

KINDS = ("wrong_figure", "wrong_metadata", "duplicate", "broken_link", "outdated")
STATUSES = ("open", "acknowledged", "fixed", "declined")
ANSWERED = ("fixed", "declined")


def _now() -> dt.datetime:
    return dt.datetime.utcnow()


class Correction(tk.BaseModel):
    __tablename__ = "migration_correction"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    resource_id = sa.Column(sa.UnicodeText, nullable=True)
    field = sa.Column(sa.UnicodeText, nullable=True)
    kind = sa.Column(sa.UnicodeText, nullable=False)
    status = sa.Column(sa.UnicodeText, nullable=False, default="open", index=True)
    description = sa.Column(sa.UnicodeText, nullable=False)
    evidence_url = sa.Column(sa.UnicodeText, nullable=True)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"),
                        nullable=True, index=True)
    reporter_email = sa.Column(sa.UnicodeText, nullable=True)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    modified = sa.Column(sa.DateTime, nullable=False, default=_now)
    # first time a publisher moved it out of "open"
    answered_at = sa.Column(sa.DateTime, nullable=True)
    answer = sa.Column(sa.UnicodeText, nullable=True)

    comments = relationship("CorrectionComment", order_by="CorrectionComment.created",
                            cascade="all, delete-orphan", back_populates="correction")


class CorrectionComment(tk.BaseModel):
    __tablename__ = "migration_correction_comment"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    correction_id = sa.Column(sa.UnicodeText,
                              sa.ForeignKey("migration_correction.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"),
                        nullable=True)
    body = sa.Column(sa.UnicodeText, nullable=False, default="")
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    # "open->acknowledged" when the comment came with a change of status
    status_change = sa.Column(sa.UnicodeText, nullable=True)

    correction = relationship(Correction, back_populates="comments")
