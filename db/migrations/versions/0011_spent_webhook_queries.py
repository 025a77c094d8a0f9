"""spent webhook queries

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:35:36.174179
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('spent_queries',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('body_digest', sa.String(length=64), nullable=False),
    sa.Column('spent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_spent_queries'))
    )
    with op.batch_alter_table('spent_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_queries_spent_at'), ['spent_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('spent_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_queries_spent_at'))

    op.drop_table('spent_queries')
