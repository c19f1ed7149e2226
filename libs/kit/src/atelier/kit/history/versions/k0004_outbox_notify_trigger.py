"""outbox: a statement that inserts rows wakes the relay itself (NOTIFY from a trigger), so a
unit of work that emits messages costs no extra round trip to do it

Revision ID: k0004
"""

from alembic import op

from atelier.kit.migrations import kit_schema

revision = "k0004"
down_revision = "k0003"


def upgrade() -> None:
    schema = kit_schema()
    # the channel is the one the relay listens on (atelier.kit.outbox.notify_channel); NOTIFY
    # is sent at commit, once per channel and transaction however many statements fired it
    op.execute(f"""
        CREATE FUNCTION "{schema}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('atelier_outbox_' || TG_TABLE_SCHEMA, '');
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".outbox_notify()""")


def downgrade() -> None:
    schema = kit_schema()
    op.execute(f'DROP TRIGGER outbox_notify ON "{schema}".outbox')
    op.execute(f'DROP FUNCTION "{schema}".outbox_notify()')
