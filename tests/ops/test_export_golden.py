"""Golden files for ``export``: each ``golden/<case>.case.json`` says what to import (real payloads,
or a hostile one derived from a real file) and the export arguments; ``golden/<case>.md`` beside
it is the expected output, byte for byte. ``UPDATE_GOLDEN=1 pytest tests/ops`` rewrites them;
review the diff."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ops.conftest import CONFIG

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.case.json"))


def _files(patterns: list[str]) -> list[Path]:
    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(REPO.glob(pattern))
        assert matches, pattern
        files += [p for p in matches if p.name != "incident_codes.json"]
    return files


def _export(case: Path, tmp_path: Path, run_cli: Callable[..., int]) -> bytes:
    spec = json.loads(case.read_text(encoding="utf-8"))
    db = f"sqlite:///{tmp_path / 'golden.db'}"
    for item in spec["imports"]:
        code = run_cli(
            "--config", CONFIG, "--db", db, "import", "--kind", item["kind"],
            "--vendor", item["vendor"], "--source", item["source"], *_files(item["files"]),
        )  # fmt: skip
        assert code == 0
    out = tmp_path / "out.md"
    assert run_cli("--config", CONFIG, "--db", db, "export", *spec["export"], "-o", out) == 0
    return out.read_bytes()


@pytest.mark.parametrize("case", CASES, ids=[c.name.removesuffix(".case.json") for c in CASES])
def test_export_matches_golden(case: Path, tmp_path: Path, run_cli: Callable[..., int]) -> None:
    produced = _export(case, tmp_path, run_cli)
    expected_path = case.with_name(case.name.removesuffix(".case.json") + ".md")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_bytes(produced)
    assert expected_path.exists(), f"run UPDATE_GOLDEN=1 to create {expected_path.name}"
    assert produced.decode("utf-8") == expected_path.read_text(encoding="utf-8")


def test_golden_cases_cover_the_three_kinds() -> None:
    names = {c.name for c in CASES}
    assert {
        "github-incident.case.json",
        "github-maintenance.case.json",
        "period-report.case.json",
    } <= names
    hostile = json.loads((GOLDEN / "hostile-incident.case.json").read_text(encoding="utf-8"))
    assert hostile["derived_from"].startswith("tests/data/fixtures/")
    assert hostile["changes"]
