"""The package files a workflow step runs, found from its imports.

Each rule lists these files as inputs, so that a code change reruns exactly the steps
whose code it touches. Reading them off the import statements keeps the lists true as
the code changes, where hand-kept lists drift (they had: a step that imports a module
through another one, and steps that listed files they never import).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "physlearn"
SRC = Path(__file__).resolve().parents[1]


def module_file(name: str, src: Path = SRC) -> Path | None:
    """The file of a dotted module name (a package's ``__init__.py``), or None."""
    path = src.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Dotted names a file imports, anywhere in it (also inside functions: they run when
    the function does), except under ``if TYPE_CHECKING:``, which never runs."""

    def __init__(self, package: list[str]):
        self.package, self.names = package, []

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
        else:
            for child in node.orelse:
                self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.names += [alias.name for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # relative: from the file's own package up
            base = self.package[: len(self.package) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        # `from a import b`: b may be a submodule of a (then it runs too) or a name in a
        self.names += [module] + [f"{module}.{alias.name}" for alias in node.names]


@functools.cache  # a DAG build asks for the same shared files (runtime, claims, ...) dozens of times
def imported_modules(path: Path, src: Path = SRC) -> tuple[str, ...]:
    """The package's modules that the file imports directly (dotted names)."""
    package = None
    if path.is_relative_to(src):
        parts = list(path.relative_to(src).with_suffix("").parts)
        package = parts[:-1]  # a package's __init__ sits in the package it starts
    visitor = _Imports(package or [])
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return tuple(name for name in visitor.names if name.split(".")[0] == PACKAGE and module_file(name, src) is not None)


def _with_packages(name: str, src: Path) -> list[Path]:
    """Importing a.b.c runs a/__init__.py, a/b/__init__.py and then a/b/c.py."""
    parts = name.split(".")
    files = (module_file(".".join(parts[:i]), src) for i in range(1, len(parts) + 1))
    return [f for f in files if f is not None]


def package_files(modules: Iterable[str] = (), scripts: Iterable[str | Path] = (), src: Path = SRC) -> list[str]:
    """Every package file that running these modules (dotted names, ``physlearn.x.y``) or
    these scripts (paths; notebooks) executes, sorted: the modules with their packages'
    ``__init__.py``, and the same for everything they import, to any depth."""
    modules = list(modules)
    missing = [name for name in modules if module_file(name, src) is None]
    if missing:
        raise FileNotFoundError(f"no module {missing} under {src}")
    todo = [f for name in modules for f in _with_packages(name, src)] + [Path(s) for s in scripts]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += [f for name in imported_modules(path, src) for f in _with_packages(name, src)]
    return sorted(str(f) for f in seen if f.is_relative_to(src))
