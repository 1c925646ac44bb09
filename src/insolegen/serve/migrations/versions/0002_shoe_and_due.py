"""An order's shoe (as the clinic describes it) and the day it is needed by (its turnaround).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:        # batch: SQLite alters a table by copying it
        orders.add_column(sa.Column("shoe", sa.String(200), nullable=False, server_default=""))
        orders.add_column(sa.Column("due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("due")
        orders.drop_column("shoe")
