"""Superseded messages, and message settings that say which triggers were switched off.

``messages`` gains ``superseded_by`` (nullable): the id of the newer message sent instead of
one held back (quiet hours) when only the latest news of its trigger matters; such a message
is kept with status "superseded", so a replay of its news still finds it and queues nothing.

Each ``message_settings`` document gains ``off``: the triggers the organisation switched off.
Until now a stored document listed only the rules that were on, so a trigger added to doorstep
later (``rescheduled``) looked switched off to every organisation that had saved its settings.
A document saved before this revision could only decide on the six triggers that existed
before ``rescheduled``: those without a rule are its ``off``; ``rescheduled`` and any later
trigger were never decided on and take their default rule when read
(``domain.messages.with_new_defaults``). A document that already listed ``rescheduled`` keeps it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22 12:30:00
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers of revision 0007 (the ones an organisation could decide on before
# "rescheduled"), written out: later code may gain or rename triggers, this history may not.
_BEFORE_RESCHEDULED = (
    "order_received", "out_for_delivery", "stops_away", "delivered", "attempt_failed", "delayed",
)  # fmt: skip

_settings = sa.table(
    "message_settings",
    sa.column("organisation_id", sa.String(40)),
    sa.column("settings", sa.JSON()),
)

_messages = sa.table(
    "messages",
    sa.column("status", sa.String(10)),
    sa.column("last_error", sa.Text()),
    sa.column("superseded_by", sa.String(40)),
)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=40), nullable=True))
    _rewrite(_with_off)


def downgrade() -> None:
    # Before 0016 a trigger without a stored rule was off: the documents lose "off", and a
    # trigger never decided on reads as off again, as it did then.
    _rewrite(lambda document: {k: v for k, v in document.items() if k != "off"})
    # Older code knows no "superseded": such a message reads as skipped, saying by which.
    superseded = _messages.c.status == "superseded"
    op.execute(
        _messages.update()
        .where(superseded)
        .values(
            status="skipped", last_error=sa.literal("superseded by ") + _messages.c.superseded_by
        )
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")


def _with_off(document: dict[str, Any]) -> dict[str, Any]:
    if "off" in document:
        return document
    on = {rule["trigger"] for rule in document["rules"]}
    return {**document, "off": [t for t in _BEFORE_RESCHEDULED if t not in on]}


def _rewrite(change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_settings.c.organisation_id, _settings.c.settings)).all()
    for organisation_id, document in rows:
        connection.execute(
            _settings.update()
            .where(_settings.c.organisation_id == organisation_id)
            .values(settings=change(document))
        )
