#!/usr/bin/python3
"""Execute the notebooks headless with the tslab (TypeScript) kernel.

    npm run notebooks [-- [NAME ...] [--timeout SECONDS] [--output-dir DIR] [--cells I,J,...]]
    npm run notebooks -- --install-kernel    (only register the kernel, for interactive use)

Registers the tslab kernel under .jupyter/ in the repository (JUPYTER_PATH points
there, nothing is installed for the user), runs every notebook of notebooks/ (or
the named ones) top to bottom with nbclient, and writes each executed notebook
back with its outputs, each chart as its Vega-Lite spec, HTML and SVG (in place, or into --output-dir). The profile comes from
EOS_PROFILE (default quick), as in an interactive kernel.

A failing cell stops its notebook: the runner prints the notebook, the cell and
everything the cell wrote (stdout, stderr, the error), writes the partly executed
notebook for inspection, and exits with status 1. nbconvert is not used because it
reports tslab errors with an empty message.

Needs Debian's Jupyter (run with /usr/bin/python3, not a pyenv python):
    apt-get install -y jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
"""
import argparse
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL_PREFIX = ROOT / ".jupyter"
TSLAB = ROOT / "node_modules" / ".bin" / "tslab"
APT = "apt-get install -y jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel"

try:
    import nbformat
    from nbformat.v4.rwbase import split_lines
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as err:
    sys.exit(f"error: {err.name} is missing. Install Debian's Jupyter ({APT}) and run with /usr/bin/python3.")


def register_kernel() -> None:
    """Install the tslab kernel spec under .jupyter/ and make Jupyter look there."""
    if not TSLAB.exists():
        sys.exit(f"error: {TSLAB} is missing: run `npm install` first.")
    subprocess.run(
        [str(TSLAB), "install", "--python", sys.executable, "--binary", str(TSLAB), "--prefix", str(KERNEL_PREFIX)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    kernels = str(KERNEL_PREFIX / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in [kernels, os.environ.get("JUPYTER_PATH", "")] if p)


def cell_report(cell) -> str:
    """Everything a cell wrote: its streams and its error."""
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            lines.append(f"[{out.get('name')}] {out.get('text', '').rstrip()}")
        elif out.get("output_type") == "error":
            lines.append(f"[error] {out.get('ename', '')}: {out.get('evalue', '')}")
            lines.extend(out.get("traceback", []))
    return "\n".join(lines) or "(the cell wrote nothing; see the kernel's stderr above)"


def render_charts(nb):
    """The notebook with every chart's renderings rebuilt from its Vega-Lite spec.

    A chart output keeps the spec (JupyterLab renders it), an HTML rendering
    (vega-embed, for Quarto's HTML pages) and a compact SVG (Quarto's PDF and
    viewers without Vega-Lite); src/notebooks/charts.ts writes them, so stored
    notebooks carry what the kernel displays, also ones executed before.
    """
    done = subprocess.run(
        ["node", "--import", "tsx", str(ROOT / "src" / "notebooks" / "charts-cli.ts")],
        input=json.dumps(nb), capture_output=True, text=True, cwd=ROOT,
    )
    if done.returncode != 0:
        sys.exit(done.stderr.strip() or f"error: rendering the charts failed (exit {done.returncode})")
    return nbformat.from_dict(json.loads(done.stdout))


def write_notebook(nb, path: Path) -> None:
    """Write a notebook with each Vega-Lite spec on one line.

    nbformat's indent puts every number of a chart's data on its own line: 05's two
    trajectory charts made 1.2 MB and diffs of tens of thousands of lines. Cells and
    the other outputs keep nbformat's layout; the file is the same notebook (validated).
    """
    nbformat.validate(nb)
    nb = split_lines(copy.deepcopy(nb))
    specs = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, spec in output.get("data", {}).items():
                if mime.startswith("application/vnd.vegalite."):
                    output["data"][mime] = f"@@spec{len(specs)}@@"
                    specs.append(spec)
    text = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True)
    for i, spec in enumerate(specs):
        text = text.replace(f'"@@spec{i}@@"', json.dumps(spec, ensure_ascii=False, separators=(",", ":"), sort_keys=True), 1)
    path.write_text(text + "\n", encoding="utf-8")
    assert nbformat.reads(text, as_version=4) is not None


def execute(path: Path, out_dir: Path, timeout: int, cells: list[int] | None = None) -> bool:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="tslab", record_timing=False, resources={"metadata": {"path": str(NOTEBOOKS)}})
    print(f"== {path.name} (profile {os.environ.get('EOS_PROFILE', 'quick')})", flush=True)
    ok = True
    # Cell by cell, so that the failing one is known: tslab reports errors as stderr text, not as error outputs.
    if cells is not None and max(cells) >= len(nb.cells):
        print(f"error: {path.name} has {len(nb.cells)} cells; --cells names {max(cells)}", file=sys.stderr)
        return False
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            # With --cells, the other cells keep their stored outputs, as when a user reruns cells in JupyterLab.
            if cells is not None and index not in cells:
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:
                ok = False
                print(f"FAILED {path.name}, cell {index}:\n{cell.source}\n--- output ---\n{cell_report(cell)}", file=sys.stderr, flush=True)
                break
    write_notebook(render_charts(nb), out_dir / path.name)
    print(f"{'wrote' if ok else 'wrote (partly executed)'} {out_dir / path.name}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description="Execute the notebooks with the tslab kernel and write them back with outputs.")
    parser.add_argument("names", nargs="*", help="notebooks to run, e.g. 01-regime-transition (default: all)")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds per cell (default 7200; sweeps of the quick profile are long)")
    parser.add_argument("--output-dir", type=Path, default=NOTEBOOKS, help="where executed notebooks go (default: in place)")
    parser.add_argument("--install-kernel", action="store_true", help="only register the kernel (for an interactive Jupyter) and say how to use it")
    parser.add_argument("--cells", type=lambda s: sorted({int(i) for i in s.split(",")}), help="execute only these cells (0-based, e.g. 2,11: the setup cell and one figure's) and keep the others' stored outputs")
    parser.add_argument("--rewrite", action="store_true", help="only rewrite the stored notebooks: chart renderings rebuilt from their specs, compact layout (no execution)")
    args = parser.parse_args()
    if args.install_kernel:
        register_kernel()
        print(f"tslab kernel registered; start Jupyter with JUPYTER_PATH={os.environ['JUPYTER_PATH']}")
        return 0
    paths = [NOTEBOOKS / (n if n.endswith(".ipynb") else f"{n}.ipynb") for n in args.names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.rewrite:
        for p in paths:
            write_notebook(render_charts(nbformat.read(p, as_version=4)), p)
            print(f"rewrote {p.name} ({p.stat().st_size // 1024} KiB)")
        return 0
    args.output_dir.mkdir(parents=True, exist_ok=True)
    register_kernel()
    failed = [p.name for p in paths if not execute(p, args.output_dir, args.timeout, args.cells)]
    if failed:
        print(f"{len(failed)} of {len(paths)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(paths)} notebook(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
