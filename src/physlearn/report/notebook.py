"""Workflow step: execute a paper notebook (a jupytext percent-format ``.py``) in the
workflow's directory and render it to a standalone HTML page.

    python -m physlearn.report.notebook --notebook paper/focus.py --html results/paper/focus.html \
        [--claims A.claims.json ...] [--ipynb results/paper/focus.ipynb] [--timeout 600]

The notebook runs with the current directory as its working directory, so it reads
``results/`` of this run. ``--claims`` (the claims files of the paper's figures that the
workflow declares, possibly none) is set as ``CLAIMS`` in a cell after the notebook's cell
tagged ``parameters``, as papermill does. A cell that fails fails the step. The page leaves
out the code cells (the notebook's source is ``paper/<paper>.py``) and keeps the text and
outputs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """A jupytext notebook, with the kernel and language set so that any runner accepts it."""
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def inject_parameters(nb: nbformat.NotebookNode, **values) -> nbformat.NotebookNode:
    """Add a cell setting ``values`` right after the cell tagged ``parameters``."""
    tagged = [n for n, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"the notebook needs exactly one cell tagged 'parameters', found {len(tagged)}")
    source = "# Parameters set by the workflow\n" + "".join(f"{k} = {v!r}\n" for k, v in values.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path | str = ".", timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel of this Python, in ``cwd``; raises on a failing cell.
    The kernel talks to us over local sockets (IPC), not TCP."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="physlearn-kernel-") as sockets:
        kernel = KernelManager(kernel_name=KERNEL["name"], transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(
            nb, km=kernel, timeout=timeout, kernel_name=KERNEL["name"], resources={"metadata": {"path": str(cwd)}}
        )
        try:
            client.execute()
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The executed notebook as a page: text and outputs, no code cells or prompts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    """The first markdown heading of the notebook, else ``default``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def render(
    notebook: Path | str,
    html_path: Path | str,
    ipynb_path: Path | str | None = None,
    timeout: int = 600,
    cwd: Path | str = ".",
    claims: list[str] | None = None,
) -> Path:
    nb = read_notebook(notebook)
    if claims is not None:
        inject_parameters(nb, CLAIMS=[str(c) for c in claims])
    nb = execute(nb, cwd=cwd, timeout=timeout)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(to_html(nb, title_of(nb, Path(notebook).stem)))
    if ipynb_path:
        nbformat.write(nb, str(ipynb_path))
    return html_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", required=True, help="the jupytext .py notebook")
    parser.add_argument("--html", required=True)
    parser.add_argument("--claims", nargs="*", help="the claims files of the paper's figures (sets CLAIMS)")
    parser.add_argument("--ipynb", help="also write the executed notebook here")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    path = render(args.notebook, args.html, args.ipynb, timeout=args.timeout, claims=args.claims)
    print(f"wrote {path}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
