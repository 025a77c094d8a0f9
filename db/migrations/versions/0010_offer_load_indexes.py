"""offer load indexes (dispatch counts and the expiry scan)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 07:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_offered_at', ['offered_at'], unique=False)
        batch_op.create_index('ix_offers_open_by_provider', ['provider_id'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_offers_open_deadline', ['deadline'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_open_deadline')
        batch_op.drop_index('ix_offers_open_by_provider')
        batch_op.drop_index('ix_offers_offered_at')
