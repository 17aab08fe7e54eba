"""What the command-line tests share: GitHub's history payloads and a config naming GitHub."""

from __future__ import annotations

from tests.conftest import FIXTURES

HISTORY = FIXTURES / "statuspage" / "github-incident-history"
GITHUB = """
[[vendor]]
name = "GitHub"
[[source]]
name = "github"
vendor = "GitHub"
kind = "statuspage"
url = "https://www.githubstatus.com"
"""
UTC = '\n[settings]\ntimezone = "UTC"\n'
