"""Write ``incident_feed/data/catalogue/snapshot.json`` from the catalogue's TOML files.

Run after editing a catalogue file: ``python -m tests.tools.catalogue_snapshot``
(``tests/test_catalogue.py`` fails while the snapshot is stale).
"""

from __future__ import annotations

from incident_feed.catalogue import SNAPSHOT, snapshot_text
from incident_feed.paths import catalogue_dir


def main() -> int:
    path = catalogue_dir() / SNAPSHOT
    path.write_text(snapshot_text(catalogue_dir()), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
