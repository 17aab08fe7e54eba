"""``python -m tests.ops.kill_entry ...``: the command line, SIGKILLed by itself in the middle of
a write transaction: right after the N-th batch of updates was sent to the database and before
the transaction commits (N from ``KILL_AFTER_UPDATE_BATCHES``). A crash at the worst moment."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from incident_feed.store.database import Store
from tests.ops import entry

_original = Store._upsert
_batches = 0


def _upsert(
    self: Store, conn: Any, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    global _batches
    _original(self, conn, table, rows, keys)
    if table.name == "incident_update" and rows:
        _batches += 1
        if _batches == int(os.environ["KILL_AFTER_UPDATE_BATCHES"]):
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    Store._upsert = _upsert  # type: ignore[method-assign]
    sys.exit(entry.main())
