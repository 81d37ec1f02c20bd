"""physlearn.sources: the package files a step runs, read off its imports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from physlearn.sources import SRC, imported_modules, package_files


def make_tree(root: Path, files: dict[str, str]) -> Path:
    src = root / "src"
    for name, text in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return src


def names(files: list[str], src: Path) -> set[str]:
    return {str(Path(f).relative_to(src)) for f in files}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path,
        {
            "physlearn/__init__.py": "",
            "physlearn/runtime.py": "import torch\n",
            "physlearn/unused.py": "",
            "physlearn/typing_only.py": "",
            "physlearn/lazy.py": "",
            "physlearn/a/__init__.py": "from . import helper\n",
            "physlearn/a/helper.py": "",
            "physlearn/a/step.py": """
            from __future__ import annotations
            import numpy as np
            from typing import TYPE_CHECKING
            from physlearn import runtime
            from physlearn.b.model import Model, CONSTANT
            from .sibling import thing
            if TYPE_CHECKING:
                from physlearn import typing_only
            else:
                import physlearn.b.plain
            def later():
                from physlearn import lazy
        """,
            "physlearn/a/sibling.py": "from ..b import deep\n",
            "physlearn/b/__init__.py": "",
            "physlearn/b/model.py": "",
            "physlearn/b/plain.py": "",
            "physlearn/b/deep.py": "import physlearn.c.leaf as leaf\n",
            "physlearn/c/__init__.py": "",
            "physlearn/c/leaf.py": "",
        },
    )


def test_a_step_runs_its_module_its_packages_and_all_it_imports(src: Path):
    assert names(package_files(["physlearn.a.step"], src=src), src) == {
        "physlearn/__init__.py",
        "physlearn/a/__init__.py",  # the package runs before its module ...
        "physlearn/a/helper.py",  # ... and what the package imports
        "physlearn/a/step.py",
        "physlearn/runtime.py",  # from physlearn import <module>
        "physlearn/b/__init__.py",
        "physlearn/b/model.py",  # from <module> import <names>
        "physlearn/b/plain.py",  # import a.b.c (in an else branch of TYPE_CHECKING)
        "physlearn/a/sibling.py",  # from .x import
        "physlearn/b/deep.py",  # from .. import x, one level up
        "physlearn/c/__init__.py",
        "physlearn/c/leaf.py",  # import ... as, two imports deep
        "physlearn/lazy.py",  # inside a function: it runs when the function does
    }  # not: unused.py, typing_only.py (under TYPE_CHECKING, never run), numpy, torch


def test_several_modules_and_a_script(src: Path, tmp_path: Path):
    notebook = tmp_path / "notebook.py"
    notebook.write_text("from physlearn.c import leaf\n")
    files = package_files(["physlearn.unused"], scripts=[notebook], src=src)
    assert names(files, src) == {
        "physlearn/__init__.py",
        "physlearn/unused.py",
        "physlearn/c/__init__.py",
        "physlearn/c/leaf.py",
    }  # the script is not a package file
    assert files == sorted(files)


def test_an_unknown_module_is_named(src: Path):
    with pytest.raises(FileNotFoundError, match="physlearn.a.nope"):
        package_files(["physlearn.a.nope"], src=src)


def test_the_real_package():
    """Spot checks on the project itself: a training step and a figure step."""
    src = Path(__file__).resolve().parents[1] / "src"
    train = names(package_files(["physlearn.harmonic.algorithmic.train"]), src)
    assert {
        "physlearn/harmonic/algorithmic/loop.py",
        "physlearn/harmonic/algorithmic/models.py",
        "physlearn/harmonic/layer.py",
        "physlearn/checkpoint.py",
        "physlearn/runtime.py",
    } <= train
    # a training job reruns for its own code only: not for the figure code, the registry or the claims
    assert not {"physlearn/plotting.py", "physlearn/figures.py", "physlearn/claims.py"} & train
    assert "physlearn/step.py" in train
    merge = names(package_files(["physlearn.focus.mnist.merge"]), src)
    assert "physlearn/focus/mnist/model.py" in merge  # through mnist.scan, which the merge imports


def _import_graph(src: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (packages' __init__ files included)."""
    graph = {}
    for path in (src / "physlearn").rglob("*.py"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = {m for m in imported_modules(path, src) if m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_cycles():
    assert _cycles(_import_graph(SRC)) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path):
    pkg = tmp_path / "physlearn"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from physlearn import b\n")
    (pkg / "b.py").write_text("def f():\n    from physlearn.a import x\n")
    (pkg / "c.py").write_text("import physlearn.a\n")
    assert _cycles(_import_graph(tmp_path)) == [["physlearn.a", "physlearn.b"]]
