"""Config values and arguments out of range are clear errors naming the key or flag (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.config import load_config
from incident_feed.errors import ConfigError
from tests.cli.conftest import GITHUB
from tests.conftest import REPO

BASE = GITHUB


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max_body_bytes", "inf"),
        ("max_body_bytes", "nan"),
        ("max_body_bytes", "-1"),
        ("max_body_bytes", "1e300"),
        ("max_body_bytes", "1.5"),
        ("deadline", "inf"),
        ("deadline", "nan"),
        ("deadline", "1e300"),
        ("deadline", "-5"),
        ("source_deadline", "0"),
        ("source_deadline", "inf"),
        ("source_deadline", "3601"),
        ("read_timeout", "-inf"),
        ("connect_timeout", "0"),
        ("max_redirects", "21"),
    ],
)
def test_limits_out_of_range_name_the_key(
    tmp_path: Path, key: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, f"[settings.limits]\n{key} = {value}\n{BASE}")
    db = tmp_path / "x.db"
    assert main(["--config", str(path), "--db", str(db), "incidents"]) == 2
    err = capsys.readouterr().err
    assert f"settings.limits.{key}" in err and "Traceback" not in err
    assert not db.exists()


def test_huge_integer_in_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[settings.limits]\nmax_body_bytes = " + "9" * 5000 + "\n" + BASE)
    with pytest.raises(ConfigError, match="not valid TOML: Exceeds the limit"):
        load_config(path)


def test_limits_in_range_are_kept(tmp_path: Path) -> None:
    text = "[settings.limits]\nmax_body_bytes = 2048\ndeadline = 12.5\nmax_redirects = 0\n"
    text += "source_deadline = 90\n"
    limits = load_config(write(tmp_path, text + BASE)).settings.limits
    assert (limits.max_body_bytes, limits.deadline, limits.max_redirects) == (2048, 12.5, 0)
    assert limits.source_deadline == 90.0 and isinstance(limits.source_deadline, float)
    assert load_config(write(tmp_path, BASE)).settings.limits.source_deadline == 60.0
    assert isinstance(limits.max_body_bytes, int)


@pytest.mark.parametrize("nest", ["[", "{a="])
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, nest: str) -> None:
    close = {"[": "]", "{a=": "}"}[nest]
    path = write(tmp_path, "x = " + nest * 5000 + ("1" if nest != "[" else "") + close * 5000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "incident_feed", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory", "big"])
def test_special_config_file_is_refused_without_reading(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "fifo":
        path = tmp_path / "config.fifo"
        os.mkfifo(path)
    elif kind == "directory":
        path = tmp_path
    elif kind == "big":
        path = write(tmp_path, "# padding\n" * 200_000 + BASE)
    else:
        path = Path(kind)
    # A subprocess with a timeout: reading a FIFO would block forever, /dev/zero never ends.
    result = run_cli("--config", str(path), "--db", str(tmp_path / "x.db"), "incidents")
    assert result.returncode == 2, result.stderr
    assert f"config error: {path}: is " in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["incidents", "--limit", "99999999999999999999999"], "--limit"),
        (["incidents", "--limit", "1000001"], "--limit"),
        (["incidents", "--limit", "²"], "--limit"),
        (["incidents", "--limit", "9" * 5000], "--limit"),
        (["incidents", "--since", "999999999d"], "--since"),
        (["incidents", "--since", "999999999999999w"], "--since"),
        (["incidents", "--since", "9" * 5000 + "d"], "--since"),
        (["stats", "--since", "999999999d"], "--since"),
        (["export", "--until", "999999999d"], "--until"),
        (["watch", "--interval", "9" * 400], "--interval"),
        (["watch", "--interval", "2000h"], "--interval"),
        (["watch", "--workers", "99999999999999999999"], "--workers"),
    ],
)
def test_out_of_range_arguments_name_the_flag(
    tmp_path: Path, args: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, BASE)
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "--db", str(tmp_path / "x.db"), *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err


def test_largest_limit_and_old_since_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_feed.store.database import Store

    db = tmp_path / "x.db"
    Store.open(str(db)).close()
    config = write(tmp_path, BASE)
    args = ["--config", str(config), "--db", str(db), "incidents"]
    assert main([*args, "--limit", "1000000", "--since", "700000d"]) == 0
    assert "No incidents stored yet" in capsys.readouterr().out
