"""Clinics, people, tokens, orders, their revisions and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("clinics",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(120), nullable=False, unique=True))
    op.create_table("users",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False, unique=True),
                    sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
                    sa.Column("role", sa.String(20), nullable=False),
                    sa.Column("password_hash", sa.String(200), nullable=False),
                    sa.Column("active", sa.Boolean(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False))
    op.create_table("tokens",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("digest", sa.String(64), nullable=False, unique=True),
                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("expires_at", sa.DateTime(), nullable=False))
    op.create_table("orders",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
                    sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("idempotency_key", sa.String(200), nullable=True),
                    sa.Column("patient_ref", sa.String(80), nullable=False),
                    sa.Column("notes", sa.Text(), nullable=False),
                    sa.Column("state", sa.String(20), nullable=False),
                    sa.Column("reason", sa.Text(), nullable=False),
                    sa.Column("inputs", sa.JSON(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("updated_at", sa.DateTime(), nullable=False),
                    sa.UniqueConstraint("created_by", "idempotency_key"))
    op.create_index("ix_orders_clinic_id", "orders", ["clinic_id"])
    op.create_index("ix_orders_state", "orders", ["state"])
    op.create_table("revisions",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
                    sa.Column("number", sa.Integer(), nullable=False),
                    sa.Column("state", sa.String(20), nullable=False),
                    sa.Column("reason", sa.Text(), nullable=False),
                    sa.Column("sets", sa.JSON(), nullable=False),
                    sa.Column("landmarks", sa.JSON(), nullable=False),
                    sa.Column("files", sa.JSON(), nullable=False),
                    sa.Column("checks", sa.JSON(), nullable=False),
                    sa.Column("frozen", sa.Boolean(), nullable=False),
                    sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.UniqueConstraint("order_id", "number"))
    op.create_index("ix_revisions_order_id", "revisions", ["order_id"])
    op.create_index("ix_revisions_state", "revisions", ["state"])
    op.create_table("events",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
                    sa.Column("revision", sa.Integer(), nullable=True),
                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
                    sa.Column("at", sa.DateTime(), nullable=False),
                    sa.Column("what", sa.String(40), nullable=False),
                    sa.Column("changes", sa.JSON(), nullable=False),
                    sa.Column("inputs", sa.JSON(), nullable=False),
                    sa.Column("outputs", sa.JSON(), nullable=False))
    op.create_index("ix_events_order_id", "events", ["order_id"])


def downgrade() -> None:
    for table in ("events", "revisions", "orders", "tokens", "users", "clinics"):
        op.drop_table(table)
