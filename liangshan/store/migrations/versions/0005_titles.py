"""title register (title_award) and the indicator set of each region (region_catalog)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "title_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("awarding_body", sa.String(length=200), nullable=False),
        sa.Column("document", sa.String(length=300), nullable=False),
        sa.Column("awarded_on", sa.String(length=10), nullable=False),
        sa.Column("valid_until", sa.String(length=10), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("title_award", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_award_region_code"), ["region_code"], unique=False)
    op.create_table(
        "region_catalog",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("catalog_set", sa.String(length=40), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.PrimaryKeyConstraint("region_code"),
    )


def downgrade() -> None:
    op.drop_table("region_catalog")
    with op.batch_alter_table("title_award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_award_region_code"))
    op.drop_table("title_award")
