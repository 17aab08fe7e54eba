"""Where config and data live. Nothing is created at import or on read."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "incident-feed"
CONFIG_ENV = "INCIDENT_FEED_CONFIG"
DATA_DIR_ENV = "INCIDENT_FEED_DATA_DIR"


def data_dir() -> Path:
    """The user's data directory (``INCIDENT_FEED_DATA_DIR`` overrides it, for tests)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_database_url() -> str:
    """SQLite in the user's data directory."""
    return f"sqlite:///{data_dir() / 'incidents.db'}"


def user_config_file() -> Path:
    """The per-user config file, used when it exists."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def catalogue_dir() -> Path:
    """The vendor catalogue shipped with the package: one ``*.toml`` file per group of vendors."""
    return Path(__file__).parent / "data" / "catalogue"


def bundled_config_file() -> Path:
    """The config shipped with the package (the repo's ``config.toml``): settings and the
    catalogue vendors it follows."""
    return Path(__file__).parent / "data" / "config.toml"
