"""dispatch candidate indexes: loads counted per candidate provider

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('open', 'accepted')")
IN_HAND = sa.text("status IN ('accepted', 'on_site')")


def upgrade() -> None:
    with op.batch_alter_table('provider_items', schema=None) as batch_op:
        batch_op.create_index('ix_provider_items_item_code', ['item_code', 'provider_id'], unique=False)
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_live_by_provider', ['provider_id', 'offered_at'], unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_in_hand_by_provider', ['provider_id'], unique=False, postgresql_where=IN_HAND, sqlite_where=IN_HAND)


def downgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_in_hand_by_provider')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_live_by_provider')
    with op.batch_alter_table('provider_items', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_items_item_code')
