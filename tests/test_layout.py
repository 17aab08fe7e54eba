"""The package's layout holds: no import cycles, and the pure layers import no database, HTTP
or TUI library (they run in a fresh interpreter, and ``sys.modules`` is checked)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "incident_feed"
# Pure: payload -> drafts, drafts -> rows, rows -> text. No I/O libraries.
PURE = (
    "incident_feed.normalize.common",
    "incident_feed.normalize.drafts",
    "incident_feed.normalize.feed",
    "incident_feed.normalize.gcp",
    "incident_feed.normalize.incidentio",
    "incident_feed.normalize.phases",
    "incident_feed.normalize.phase_rules",
    "incident_feed.normalize.slack",
    "incident_feed.normalize.social",
    "incident_feed.normalize.statuspage",
    "incident_feed.normalize.statusio",
    "incident_feed.normalize.text",
    "incident_feed.normalize.times",
    "incident_feed.decide.lag",
    "incident_feed.decide.links",
    "incident_feed.decide.merge",
    "incident_feed.decide.phase_times",
    "incident_feed.decide.stats",
    "incident_feed.decide.threads",
    "incident_feed.decide.outages",
    "incident_feed.outputs.json_contract",
    "incident_feed.outputs.markdown",
    "incident_feed.outputs.notify_payloads",
)
FORBIDDEN = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "httpx", "httpcore", "textual")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Modules of the project ``path`` imports, anywhere but under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for n in node.body for child in ast.walk(n))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("incident_feed"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("incident_feed"):
            module = str(node.module)
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if _exists(candidate) else module)
    return found


def _exists(module: str) -> bool:
    base = REPO.joinpath(*module.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = _module_name(path)
        # A module importing its own package's __init__ (or a package its own children) is
        # how Python imports packages, not a dependency between layers.
        graph[name] = {
            m
            for m in _imports(path)
            if m != name and not name.startswith(m + ".") and not m.startswith(name + ".")
        }
    return graph


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "incident_feed.store.queries" in graph["incident_feed.cli.read"] or any(
        "incident_feed.store" in m for m in graph["incident_feed.cli.read"]
    )
    assert "incident_feed.decide.outages" in graph["incident_feed.store.outages"]


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt] if nxt in stack else [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_pure_layers_import_no_database_http_or_tui_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in PURE)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_only_the_tui_imports_textual() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "tui" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any(n.split(".")[0] == "textual" for n in names), path
