"""A notice's payload as sent: compact JSON, small enough for PostgreSQL's NOTIFY."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

# NOTIFY refuses payloads of 8,000 bytes or more. A payload gets most of that; the rest is left
# for its channel name and the envelope several notices share (see postgres.pack).
MAX_PAYLOAD_BYTES = 7_000

# What a page receives when notices were lost to it: reload everything it shows.
RESYNC = '{"kind":"resync"}'


def encode(payload: Mapping[str, object]) -> str:
    """The payload as JSON text; one over the limit becomes a resync marker of its kind, so
    the page reloads instead of the notice failing after its change was committed."""
    # default=str: a date or an enum in a payload is sent as text rather than failing a
    # request whose change is already committed.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    if len(text.encode()) <= MAX_PAYLOAD_BYTES:
        return text
    kind = str(payload.get("kind", "resync"))
    log.warning("a %s notice of %d bytes is over the limit: sent as a resync", kind, len(text))
    return json.dumps({"kind": kind, "resync": True}, separators=(",", ":"), default=str)
