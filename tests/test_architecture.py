"""The design rules a newcomer relies on, held against the code: nodes are plain functions
that never ask which writer runs; the product package imports no evaluation tooling; the
lower layers import nothing above them; modules stay small enough to read."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import longsum
from longsum.graphs import nodes as nodes_package
from longsum.graphs.builder import build_summarize_graph

SRC = Path(longsum.__file__).resolve().parent
NODES = Path(nodes_package.__file__).resolve().parent
WRITING = (
    "longsum.agent.extractive",
    "longsum.agent.structured",
    "longsum.agent.models",
    "longsum.graphs.writers.llm",
    "longsum.graphs.writers.extractive",
)
"""What writes: only the writers (behind the seam) and the services that build them import it."""


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_node_knows_which_writer_runs() -> None:
    for path in sorted(NODES.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "extractive" not in text.casefold(), f"{path.name} mentions the extractive engine"
        for module in imported(path):  # the draft types of agent.schemas are shared data
            assert not module.startswith(WRITING), f"{path.name} imports {module}"


def test_every_node_is_the_plain_function_of_its_module() -> None:
    graph = build_summarize_graph()
    for name, spec in graph.builder.nodes.items():
        runnable = spec.runnable
        function = runnable.func or runnable.afunc
        if name.startswith("__error_handler__"):
            name = function.__name__
        assert function.__name__ == name
        assert inspect.getmodule(function).__name__.startswith("longsum.graphs.nodes.")
        assert "runtime" in inspect.signature(function).parameters or name in {
            "plan_sections",
            "validate_summary",
        }, f"{name} reaches its services through the context, or needs none"


@pytest.mark.parametrize("banned", ["matplotlib", "rouge_score", "longsum_eval"])
def test_the_product_package_imports_no_evaluation_tooling(banned: str) -> None:
    for path in sorted(SRC.rglob("*.py")):
        for module in imported(path):
            assert module.split(".")[0] != banned, f"{path.relative_to(SRC)} imports {module}"


@pytest.mark.parametrize(
    ("layer", "above"),
    [
        ("memory", ("longsum.agent", "longsum.graphs", "longsum.api", "longsum.cli")),
        ("agent", ("longsum.memory", "longsum.graphs", "longsum.api", "longsum.cli")),
        ("tools", ("longsum.agent", "longsum.memory", "longsum.graphs", "longsum.api")),
    ],
)
def test_lower_layers_import_nothing_above_them(layer: str, above: tuple[str, ...]) -> None:
    for path in sorted((SRC / layer).rglob("*.py")):
        for module in imported(path):
            assert not module.startswith(above), f"{layer}/{path.name} imports {module}"


def test_modules_stay_readable() -> None:
    long = {
        str(path.relative_to(SRC)): lines
        for path in SRC.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 320
    }
    assert long == {}
