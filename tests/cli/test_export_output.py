"""``export -o``: atomic for regular files, in place for special files, never over a symlink."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from incident_feed.cli import main
from tests.cli.conftest import GITHUB, HISTORY, UTC

CONFIG = UTC + GITHUB


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    args = ["--config", str(config), "--db", str(tmp_path / "x.db")]
    files = [str(p) for p in sorted(HISTORY.glob("0*.json"))[:3]]
    assert main([*args, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 0
    return args


def export(base: list[str], target: Path | str) -> int:
    return main([*base, "export", "--vendor", "GitHub", "-o", str(target)])


def test_dev_null_stays_a_character_device(base: list[str]) -> None:
    assert export(base, "/dev/null") == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_is_refused_and_left_alone(
    tmp_path: Path, base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "real.md"
    target.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert export(base, link) == 2
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "keep me\n"
    err = capsys.readouterr().err
    assert f"{link} is a symbolic link (to {target})" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".link.md.")]


def test_a_regular_file_is_replaced_atomically_keeping_its_mode(
    tmp_path: Path, base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text("old\n", encoding="utf-8")
    report.chmod(0o640)
    inode = report.stat().st_ino
    assert export(base, report) == 0
    assert report.read_text(encoding="utf-8").startswith("# ")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert report.stat().st_ino != inode  # a new file renamed over the old one
    assert "(replaced atomically)" in capsys.readouterr().err


def test_a_new_path_is_written(tmp_path: Path, base: list[str]) -> None:
    report = tmp_path / "new.md"
    assert export(base, report) == 0
    assert report.read_text(encoding="utf-8").startswith("# ")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".new.md")] == []


def test_a_fifo_is_written_in_place(tmp_path: Path, base: list[str]) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert export(base, fifo) == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith(b"# ")


def test_a_directory_is_refused(tmp_path: Path, base: list[str]) -> None:
    assert export(base, tmp_path) == 2
