"The code's shape: names and line length (ruff), module imports without cycles, what `predict` may depend on."

import ast
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "tensor_nb"
MODULES = {p.stem: p for p in LIB.glob("*.py") if p.stem != "_modidx"}  # _modidx: nbdev's generated doc index


@cache
def _imports(name: str) -> frozenset[str]:
    "The tensor_nb modules a module imports at any depth of its code (relative or absolute)."
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1 or base.startswith("tensor_nb"):
                base = base.removeprefix("tensor_nb").lstrip(".")
                targets = [base] if base else [a.name for a in node.names]
                found.update(t.split(".")[0] for t in targets if t.split(".")[0] in MODULES)
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[1]
                for a in node.names
                if a.name.startswith("tensor_nb.") and a.name.split(".")[1] in MODULES
            )
    return frozenset(found - {name, "__init__"})


def _reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for dep in _imports(todo.pop()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def test_code_has_no_undefined_or_unused_names_and_short_lines():
    """pyflakes' checks (undefined names, a local used before it is assigned, unused imports) and lines of at most 120
    columns, over the library, the benchmarks and the tests (ruff; nbdev's generated _modidx excepted)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[dev]'): code checks NOT run")
    root = LIB.parent
    found = subprocess.run([ruff, "check", "--select", "F,E501", "--line-length", "120", "--no-cache",
                            "--output-format", "concise", "--exclude", "tensor_nb/_modidx.py", "tensor_nb",
                            "benchmarks", "tests", ".ci"], cwd=root, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout[-3000:]


def test_no_import_cycles():
    cycles = [name for name in MODULES if name != "__init__" and name in _reachable(name)]
    assert not cycles, cycles


def test_predict_needs_neither_training_nor_data():
    assert not {"train", "data"} & _reachable("prediction"), _reachable("prediction")
