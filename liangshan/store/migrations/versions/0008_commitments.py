"""task commitments of the work plan (wp_commitment) and their reported actual values (wp_commitment_value)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wp_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("comparator", sa.String(length=4), nullable=False),
        sa.Column("target_num", sa.Float(), nullable=True),
        sa.Column("target_bool", sa.Boolean(), nullable=True),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("lead_name", sa.String(length=100), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.ForeignKeyConstraint(["task_id"], ["wp_task.id"]),
        sa.ForeignKeyConstraint(["lead_unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_code", "code"),
    )
    with op.batch_alter_table("wp_commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wp_commitment_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_wp_commitment_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wp_commitment_lead_unit_id"), ["lead_unit_id"], unique=False)
    op.create_table(
        "wp_commitment_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["wp_commitment.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commitment_id", "year", "version"),
    )
    with op.batch_alter_table("wp_commitment_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wp_commitment_value_commitment_id"), ["commitment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("wp_commitment_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wp_commitment_value_commitment_id"))
    op.drop_table("wp_commitment_value")
    with op.batch_alter_table("wp_commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wp_commitment_lead_unit_id"))
        batch_op.drop_index(batch_op.f("ix_wp_commitment_task_id"))
        batch_op.drop_index(batch_op.f("ix_wp_commitment_region_code"))
    op.drop_table("wp_commitment")
