"""``make bench``: run every foundation benchmark and print its figures."""

from __future__ import annotations

from benchmarks import cli_cold, feed_ingest, history_import

for module in (history_import, feed_ingest, cli_cold):
    module.main()
