"""``import`` of many files: every good file is stored, every bad one is named (exit 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.store.database import Store
from tests.cli.conftest import GITHUB, HISTORY
from tests.conftest import REPO

CONFIG = "\n[settings.limits]\nmax_body_bytes = 200000\n" + GITHUB


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return ["--config", str(path), "--db", str(tmp_path / "x.db")]


def good_files(count: int) -> list[str]:
    files = sorted(p for p in HISTORY.glob("*.json") if p.name != "incident_codes.json")
    return [str(p) for p in files[:count]]


def stored(base: list[str]) -> int:
    store = Store.open(base[3], create=False)
    try:
        return store.count("incident")
    finally:
        store.close()


def bad_payload(tmp_path: Path, kind: str) -> Path:
    """A file that fails as a whole in one of the ways the campaign found."""
    document = json.loads(Path(good_files(1)[0]).read_text(encoding="utf-8"))
    path = tmp_path / f"bad-{kind}.json"
    if kind == "not-json":
        path.write_text('{"incident": ', encoding="utf-8")
    elif kind == "wrong-shape":
        path.write_text("[1, 2, 3]", encoding="utf-8")
    elif kind == "huge-integer":
        path.write_text('{"incident": {"id": ' + "9" * 5000 + "}}", encoding="utf-8")
    elif kind == "lone-surrogate":
        document["incident"]["id"] = "bad-surrogate"
        document["incident"]["name"] = "\udfff"
        path.write_text(json.dumps(document), encoding="utf-8")
    elif kind == "directory":
        path.mkdir()
    elif kind == "over-cap":
        path.write_text(" " * 200_001, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["not-json", "wrong-shape", "directory", "over-cap"])
def test_good_files_are_stored_and_the_bad_one_is_named(
    tmp_path: Path, base: list[str], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = bad_payload(tmp_path, kind)
    files = good_files(33)
    files.insert(17, str(bad))
    code = main([*base, "import", "--kind", "statuspage", "--vendor", "GitHub", *files])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    assert f"{bad}" in err
    assert "imported 33 of 34 files" in err and "1 files failed" in err
    assert stored(base) == 33


def run_import(base: list[str], files: list[str]) -> subprocess.CompletedProcess[str]:
    """In a subprocess with a timeout: reading a FIFO blocks forever, /dev/zero never ends, and
    only a real stderr shows what logging would print."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-m", "incident_feed", *base, "import", "--kind", "statuspage",
         "--vendor", "GitHub", *files],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_special_files_are_refused_without_reading(
    tmp_path: Path, base: list[str], kind: str
) -> None:
    if kind == "fifo":
        special = tmp_path / "payload.fifo"
        os.mkfifo(special)
    else:
        special = Path(kind)
    result = run_import(base, [*good_files(3), str(special)])
    assert result.returncode == 1, result.stderr
    assert f"{special}: is a {'FIFO' if kind == 'fifo' else 'device'}" in result.stderr
    assert "imported 3 of 4 files" in result.stderr
    assert stored(base) == 3


def test_missing_file_is_named_and_the_rest_stored(
    tmp_path: Path, base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = [*good_files(2), str(tmp_path / "gone.json")]
    assert main([*base, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 1
    assert f"{tmp_path / 'gone.json'}: no such file" in capsys.readouterr().err
    assert stored(base) == 2


def test_only_bad_files_exit_1(
    tmp_path: Path, base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = bad_payload(tmp_path, "not-json")
    assert main([*base, "import", "--kind", "statuspage", "--vendor", "GitHub", str(bad)]) == 1
    assert "imported 0 of 1 files" in capsys.readouterr().err


def test_bad_values_print_no_traceback(tmp_path: Path, base: list[str]) -> None:
    """Values that cannot be parsed or stored fail their item or their file, never the run.
    (Whether an item or the whole file fails is up to the normalizer; either is reported.)"""
    bad = [str(bad_payload(tmp_path, k)) for k in ("lone-surrogate", "huge-integer")]
    result = run_import(base, [*good_files(2), *bad])
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1) and "imported " in result.stderr
    assert stored(base) >= 2


def test_big_import_reads_every_item(
    tmp_path: Path, base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Past the 5,000 items a fetched document is read for, an archive loses nothing."""
    from incident_feed.normalize.drafts import MAX_ITEMS
    from tests.test_pipeline_ingest import big_statuspage

    archive = tmp_path / "archive.json"
    archive.write_bytes(big_statuspage(MAX_ITEMS + 200))
    config = Path(base[1])
    config.write_text(CONFIG.replace("200000", "100000000"), encoding="utf-8")
    code = main([*base, "import", "--kind", "statuspage", "--vendor", "GitHub", str(archive)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"{MAX_ITEMS + 200:,} new incidents".replace(",", "") in err
    assert stored(base) == MAX_ITEMS + 200
