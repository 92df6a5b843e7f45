"""Run the tutorial notebooks as a class would (Run All, in a fresh kernel), time them and check their outputs.

    python benchmarks/run_notebooks.py                    # workshop mode (the default), every notebook
    python benchmarks/run_notebooks.py --mode quick 01 05 # some notebooks, another mode

Each notebook runs in a temporary folder (what it writes, e.g. ``runs/``, goes there) with ``EMOLIB_MODE`` set,
and ``EMOLIB_FER2013`` pointing at the FER2013 CSV found from the current folder (without one: synthetic data).
A notebook fails when it raises, or when any output shows what students read as an error: text on stderr
(a red box), a warning, a traceback. The times go in ``docs/workshop.md``. ``tests/test_notebooks.py`` runs
the same check in quick mode.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Text in an output that students read as something gone wrong.
NOISE = re.compile(r"Traceback \(most recent call last\)|\bWarning\b|\bWARNING\b|\w+Warning:|^E\d{4} |^W\d{4} ",
                   re.MULTILINE)


def output_problems(notebook: dict) -> list[str]:
    """One line per output of an executed notebook (nbformat dict) that looks like an error or a warning."""
    problems = []
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                problems.append(f"cell {number}: {output.get('ename')}: {output.get('evalue')}")
                continue
            if kind == "stream":
                text = "".join(output.get("text", ""))
                if output.get("name") == "stderr" and text.strip():
                    problems.append(f"cell {number}: stderr: {text.strip().splitlines()[0][:160]}")
                    continue
            else:
                data = output.get("data", {})
                text = "".join(data.get("text/plain", "")) + "".join(data.get("text/html", ""))
            match = NOISE.search(text)
            if match:
                line = text[text.rfind("\n", 0, match.start()) + 1:].splitlines()[0]
                problems.append(f"cell {number}: {line.strip()[:160]}")
    return problems


def run_notebook(path: Path, mode: str, *, timeout: int = 900, save: Path | None = None,
                 data: bool = True) -> tuple[float, list[str]]:
    """Execute ``path`` in a fresh kernel with ``EMOLIB_MODE=mode`` in a temporary folder.

    Returns (seconds, problems): problems as :func:`output_problems` lists them, or the error that stopped it.
    ``save``: a folder to write the executed notebook into (to look at its figures). ``data=False``: run as on a
    machine without FER2013 (no ``EMOLIB_FER2013``; the temporary folder is outside the checkout), so the
    notebooks take their synthetic fallback.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from emolib.training.data import find_fer2013

    notebook = nbformat.read(path, as_version=4)
    saved = {name: os.environ.get(name) for name in ("EMOLIB_MODE", "EMOLIB_QUICK", "EMOLIB_FER2013")}
    os.environ["EMOLIB_MODE"] = mode
    os.environ.pop("EMOLIB_QUICK", None)
    os.environ.pop("EMOLIB_FER2013", None)
    fer2013 = find_fer2013() if data else None  # as seen from here (the checkout): the notebook runs elsewhere
    if fer2013 is not None:
        os.environ["EMOLIB_FER2013"] = str(fer2013)
    workdir = Path(tempfile.mkdtemp(prefix=f"emolib-{path.stem}-"))
    start = time.perf_counter()
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}})
        try:
            client.execute()
            stopped: list[str] = []
        except CellExecutionError as err:
            stopped = [f"stopped: {str(err).strip().splitlines()[-1][:200]}"]
        seconds = time.perf_counter() - start
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(workdir, ignore_errors=True)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save / path.name)
    return seconds, stopped + output_problems(notebook)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="numbers or names (default: all), e.g. 01 05_video_widget")
    parser.add_argument("--mode", default="workshop", choices=["quick", "workshop", "full"])
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--save", type=Path, help="folder for the executed notebooks (outputs kept)")
    parser.add_argument("--no-data", action="store_true", help="as without FER2013: the synthetic fallback")
    args = parser.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks:
        paths = [p for p in paths if any(p.stem.startswith(name) for name in args.notebooks)]
    failed = 0
    print(f"mode {args.mode}, {os.cpu_count()} CPUs, {'synthetic data' if args.no_data else 'FER2013 if found'}")
    for path in paths:
        seconds, problems = run_notebook(path, args.mode, timeout=args.timeout, save=args.save,
                                        data=not args.no_data)
        print(f"{path.stem:20s} {seconds:7.1f} s  {'ok' if not problems else 'FAILED'}", flush=True)
        for problem in problems:
            print(f"    {problem}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
