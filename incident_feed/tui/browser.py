"""Opening a link in the user's browser, when there is one to open it in.

Over SSH, or on a Linux/BSD console with no display, ``webbrowser`` either finds nothing or
starts a text-mode browser (lynx, w3m) in the very terminal the TUI is drawing in; it is not
asked at all then. A ``BROWSER`` variable is the user's own choice and is always tried.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Mapping


def why_no_browser(environ: Mapping[str, str], platform: str) -> str | None:
    """Why no graphical browser can be reached from here (None: one may be)."""
    if environ.get("BROWSER"):
        return None
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"):
        return "running over SSH"
    if platform in ("darwin", "win32"):
        return None
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "no display"
    return None


def open_in_browser(url: str) -> bool:
    """Open ``url`` in a browser; False when there is none (the caller shows the URL)."""
    if why_no_browser(os.environ, sys.platform) is not None:
        return False
    return webbrowser.open(url)
