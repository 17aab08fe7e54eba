"""``python -m incident_feed`` runs the command line."""

from __future__ import annotations

from incident_feed.cli import main

raise SystemExit(main())
