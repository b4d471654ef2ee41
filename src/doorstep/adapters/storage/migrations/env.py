"""Alembic environment: runs on the connection bootstrap hands over, never from alembic.ini."""

from alembic import context

from doorstep.adapters.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite can only alter tables by copying them; batch mode does it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
