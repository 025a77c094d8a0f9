"""notices as data: an outbound message's facts and what was handed to WeChat

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('payload_enc', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('payload_enc')
        batch_op.drop_column('facts_enc')
