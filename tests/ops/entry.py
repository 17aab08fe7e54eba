"""``python -m tests.ops.entry ...``: the real ``incident_feed.cli.main`` with the ``export`` and
``watch`` commands registered, whether or not ``cli.build_parser`` calls ``cli_extra.register``
yet (registering twice is a no-op). Used by the subprocess tests."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from incident_feed import cli
from incident_feed.cli import export_watch as cli_extra

_original = cli.build_parser


def build_parser() -> argparse.ArgumentParser:
    parser = _original()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            cli_extra.register(action)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    cli.build_parser = build_parser
    try:
        return cli.main(argv)
    finally:
        cli.build_parser = _original


if __name__ == "__main__":
    sys.exit(main())
