"""The package's shape: no import cycles (imports inside functions count), no global side effects at import,
the runtime free of TensorFlow, the old import paths still working. The layer rules themselves are
import-linter contracts in pyproject.toml, checked by `make lint`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph():  # noqa: ANN201 - grimp's graph type
    return grimp.build_graph("emolib", exclude_type_checking_imports=True)


def _cycles(graph) -> list[list[str]]:  # noqa: ANN001
    """Every import cycle among emolib's modules, each as a list of modules (Tarjan's strongly connected sets)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n.startswith("emolib"))
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_the_graph_sees_imports_inside_functions(graph) -> None:  # noqa: ANN001
    # emolib.cli.video imports the timeline only inside run(): the cycle check below counts such imports.
    assert graph.direct_import_exists(importer="emolib.cli.video", imported="emolib.timeline")


def test_no_import_cycles(graph) -> None:  # noqa: ANN001
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles inside emolib: {cycles}"


def test_a_cycle_would_be_found(graph) -> None:  # noqa: ANN001
    graph = grimp.build_graph("emolib", exclude_type_checking_imports=True)  # a fresh one to change
    graph.add_import(importer="emolib.results", imported="emolib.pipeline")  # the old FaceResult-in-pipeline shape
    assert any("emolib.results" in c and "emolib.pipeline" in c for c in _cycles(graph))


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_runtime_and_pipeline_load_without_tensorflow_or_global_changes() -> None:
    result = _run(
        "import json, os, sys\n"
        "import cv2  # OpenCV's own loader edits LD_LIBRARY_PATH\n"
        "before = dict(os.environ)\n"
        "import emolib, emolib.video, emolib.batch, emolib.timeline, emolib.draw\n"
        "analyzer = emolib.Analyzer()\n"
        "print(json.dumps({'tf': [m for m in ('tensorflow', 'keras', 'emolib.training') if m in sys.modules],"
        " 'env': sorted(set(os.environ.items()) ^ set(before.items()))}))"
    )
    assert result == {"tf": [], "env": []}


def test_old_import_paths_still_work() -> None:
    import emolib.evaluate
    import emolib.train
    import emolib.video
    from emolib.results import FaceResult
    from emolib.training import evaluate, train

    assert emolib.train.fit is train.fit and emolib.evaluate.Evaluation is evaluate.Evaluation
    assert emolib.video.TrackedFace.__mro__[1] is FaceResult
    assert emolib.FaceResult is FaceResult
