"""Imports point down only, and no two top-level packages import each other.

The layers (CONTRIBUTING.md, "Layers"), top to bottom:

    perfchain (the app: CLI, pipeline)
    orchestration
    alerts | dashboard                       alerts: outbox, channels, dispatch (imports
                                             extractors); dashboard: the read-only web app
                                             (imports reports)
    extractors | expectations | reports      peers: none imports another
    perfchain.core                           imports no other perfchain package

The simulator is a tool around the product: it imports the source contract (extractors)
and perfchain.core, and only the app's commands that run it (generate, simulate, demo,
validate-dataset) import it. Every import counts: at module level, inside a function, under
`if TYPE_CHECKING:`, and `importlib.import_module("...")` with a literal name. A name
imported inside a function to avoid a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "perfchain",
    "orchestration",
    "alerts",
    "extractors",
    "expectations",
    "reports",
    "simulator",
    "dashboard",
)

# What each layer may import besides itself.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "extractors": frozenset({"core"}),
    "expectations": frozenset({"core"}),
    "reports": frozenset({"core"}),
    # alerts sends through the extractors' HTTP helpers (redaction) and the OA client.
    "alerts": frozenset({"extractors", "core"}),
    # The dashboard reads the published file: the reports' formatting, labels and queries
    # and the core reader; nothing that extracts, checks, publishes or sends.
    "dashboard": frozenset({"reports", "core"}),
    "orchestration": frozenset({"alerts", "extractors", "expectations", "reports", "core"}),
    "app": frozenset(
        {"orchestration", "alerts", "dashboard", "extractors", "expectations", "reports", "core"}
    ),
    "simulator": frozenset({"extractors", "core"}),
}
RANK = {
    "core": 0,
    "extractors": 1,
    "expectations": 1,
    "reports": 1,
    "alerts": 2,
    "dashboard": 2,
    "orchestration": 3,
    "app": 4,
}
PEERS = frozenset({"extractors", "expectations", "reports"})
# The app modules behind `perfchain generate`, `simulate`, `demo` and `validate-dataset`.
SIMULATOR_USERS = frozenset({"perfchain/cli.py", "perfchain/demo.py", "perfchain/dataset.py"})


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name; None for the standard library and third parties."""
    top = module.split(".")[0]
    if module == "perfchain.core" or module.startswith("perfchain.core."):
        return "core"
    if top == "perfchain":
        return "app"
    if top in ("tests", "benchmarks"):
        return top  # never importable from the product
    if top in PACKAGES:
        return top
    return None


@dataclass(frozen=True)
class Edge:
    path: str  # relative to the tree's root
    line: int
    source: str  # the importing layer
    target: str  # the imported layer
    module: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.AST, package: str) -> list[str]:
    """The dotted names an import node brings in (`from a import b` gives `a.b`: b may be a
    module, and `from perfchain import core` must read as perfchain.core)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against the importing module's package
            parent = package.split(".")
            parent = parent[: len(parent) - (node.level - 1)]
            base = ".".join([*parent, *([base] if base else [])])
        return [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    if (
        isinstance(node, ast.Call)
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
        )
    ):
        return [node.args[0].value]
    return []


def import_edges(root: Path, packages: tuple[str, ...] = PACKAGES) -> tuple[list[Edge], int]:
    """Every import between layers in the packages under `root`, and how many files were
    read (so a test can tell an empty walk from a clean one)."""
    edges: list[Edge] = []
    files = 0
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            module = _module_name(relative)
            source = layer_of(module)
            assert source is not None, module
            own_package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            files += 1
            for node in ast.walk(tree):
                for name in _imported(node, own_package):
                    target = layer_of(name)
                    if target is not None and target != source:
                        edges.append(Edge(relative.as_posix(), node.lineno, source, target, name))
    return edges, files


def violations(edges: list[Edge]) -> list[str]:
    found = []
    for edge in edges:
        if edge.target == "simulator" and edge.source == "app" and edge.path in SIMULATOR_USERS:
            continue
        if edge.target in ALLOWED.get(edge.source, frozenset()):
            continue
        if edge.source in PEERS and edge.target in PEERS:
            kind = "peer import"
        elif edge.target == "simulator":
            kind = "imports the simulator (only the app's simulator commands may)"
        elif RANK.get(edge.target, 99) > RANK.get(edge.source, -1):
            kind = "upward import"
        else:
            kind = "import not allowed"
        found.append(f"{edge.where}: {kind}: {edge.source} imports {edge.module} ({edge.target})")
    return found


def cycles(edges: list[Edge]) -> list[str]:
    """Each pair of layers that import each other, directly or through others, with the
    imports that close the loop (file:line)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, ()))
        return False

    found = []
    for a, b in sorted({(e.source, e.target) for e in edges}):
        if reaches(b, a):
            first = next(e for e in edges if (e.source, e.target) == (a, b))
            found.append(
                f"cycle: {a} -> {b} ({first.where}: {first.module}) and {b} reaches {a} again"
            )
    return found


def _report(problems: list[str]) -> str:
    return "imports against the layers (CONTRIBUTING.md, Layers):\n" + "\n".join(problems)


def test_the_product_imports_point_down_only() -> None:
    edges, files = import_edges(ROOT)
    # The walk read the product: every package, over a hundred modules.
    assert files > 120
    assert {e.source for e in edges} >= {"app", "orchestration", "extractors", "simulator"}
    problems = violations(edges)
    assert not problems, _report(problems)


def test_no_cycle_between_top_level_packages() -> None:
    edges, _ = import_edges(ROOT)
    problems = cycles(edges)
    assert not problems, _report(problems)


def _plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_planted_upward_peer_and_cyclic_imports(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        {
            "perfchain/__init__.py": "",
            "perfchain/cli.py": "import simulator.server\nimport orchestration.definitions\n",
            "perfchain/pipeline.py": "from simulator import generator\n",
            "perfchain/core/__init__.py": "",
            # The cycle hidden in a function: core -> reports, and reports -> core.
            "perfchain/core/settings.py": (
                "def smtp():\n    from reports.drop import SmtpConfig\n    return SmtpConfig\n"
            ),
            "reports/__init__.py": "",
            "reports/drop.py": "from perfchain.core.settings import smtp\n",
            "extractors/__init__.py": "",
            "extractors/contract.py": (
                "from typing import TYPE_CHECKING\n\n"
                "if TYPE_CHECKING:\n    from orchestration.definitions import defs\n"
            ),
            "expectations/__init__.py": "",
            "expectations/gate.py": "import importlib\n\nimportlib.import_module('reports.drop')\n",
            "orchestration/__init__.py": "",
            "orchestration/definitions.py": (
                "from extractors import contract\nfrom perfchain import core\n"
                "from perfchain import pipeline\nfrom . import helpers\n"
            ),
            "orchestration/helpers.py": "from ..simulator import clients\n",
            "simulator/__init__.py": "",
            "simulator/clients.py": "from extractors.contract import ENTITIES\n",
        },
    )
    edges, files = import_edges(tmp_path)
    assert files == 16
    assert sorted(violations(edges)) == [
        "expectations/gate.py:3: peer import: expectations imports reports.drop (reports)",
        "extractors/contract.py:4: upward import: "
        "extractors imports orchestration.definitions.defs (orchestration)",
        "orchestration/definitions.py:3: upward import: "
        "orchestration imports perfchain.pipeline (app)",
        "orchestration/helpers.py:1: imports the simulator (only the app's simulator "
        "commands may): orchestration imports simulator.clients (simulator)",
        "perfchain/core/settings.py:2: upward import: "
        "core imports reports.drop.SmtpConfig (reports)",
        "perfchain/pipeline.py:1: imports the simulator (only the app's simulator "
        "commands may): app imports simulator.generator (simulator)",
    ]
    loops = cycles(edges)
    assert any(
        line.startswith("cycle: core -> reports (perfchain/core/settings.py:2") for line in loops
    ), loops
    assert any(line.startswith("cycle: app -> orchestration (perfchain/cli.py:2") for line in loops)
    # A tree that only imports downward has neither.
    clean = tmp_path / "clean"
    _plant(clean, {"reports/drop.py": "from perfchain.core.settings import smtp\n"})
    edges, _ = import_edges(clean, ("reports",))
    assert violations(edges) == [] and cycles(edges) == []
