"""record the speaker model that made each voiceprint

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for existing rows: their model is told by their size (256 was resemblyzer).
    with op.batch_alter_table("voiceprints") as batch:
        batch.add_column(sa.Column("model", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voiceprints") as batch:
        batch.drop_column("model")
