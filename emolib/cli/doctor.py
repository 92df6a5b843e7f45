"""``emolib doctor``: is this machine ready for the workshop? One line per check, then an exit code.

A teacher asks every student to run it before the day. Each check prints one line, ``[ ok ]`` (green),
``[FAIL]`` (red: something the notebooks need is missing; the exit code is 1) or ``[note]`` (yellow: works,
but could be better, e.g. FER2013 missing means the notebooks use synthetic faces). A check that breaks
prints its reason on its line; the command never shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by the checks, so a missing one is a FAIL line, not a traceback
    import numpy as np

OK, FAIL, NOTE = "ok", "FAIL", "note"
_COLOURS = {OK: "\033[32m", FAIL: "\033[31m", NOTE: "\033[33m"}
#: Packages the notebooks import, by what they are for: (distribution name, import name, needed for).
PACKAGES = (
    ("numpy", "numpy", "everything"),
    ("opencv-python-headless", "cv2", "images, video, detection"),
    ("ai-edge-litert", "ai_edge_litert", "the emotion model, on LiteRT"),
    ("pandas", "pandas", "result tables"),
    ("matplotlib", "matplotlib", "figures"),
    ("keras", "keras", "notebooks 02-03: training, Grad-CAM"),
    ("tensorflow", "tensorflow", "notebooks 02-03: training, Grad-CAM"),
    ("scikit-learn", "sklearn", "notebook 03: metrics"),
    ("scikit-image", "skimage", "notebooks 04-06: the sample photo"),
)
NODELAY = "NoDelayWebsocketConnection"
NODELAY_FLAG = "--ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection"


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    status: str  # OK, FAIL or NOTE
    name: str
    detail: str


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check this machine is ready for the notebooks (run it before a workshop)",
        description="Python and package versions, the bundled model and detector on a sample face (timed), "
                    "FER2013, JupyterLab and the widget front end, the Jupyter server's NoDelay setting and the "
                    "notebook mode. Exit code 1 when something the notebooks need is missing.",
    )
    parser.add_argument("--no-color", action="store_true", help="plain text (also when NO_COLOR is set)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    colour = not args.no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    failed = False
    for check in checks():
        failed |= check.status == FAIL
        tag = f"[{check.status:^4}]"
        if colour:
            tag = f"{_COLOURS[check.status]}{tag}\033[0m"
        print(f"{tag} {check.name}: {check.detail}", flush=True)
    print("Something the notebooks need is missing: see the [FAIL] lines (docs/workshop.md has the installs)."
          if failed else "Ready for the notebooks.")
    return 1 if failed else 0


def checks() -> Iterator[Check]:
    """Every check in report order; a check that raises becomes a FAIL line with the reason."""
    steps: list[Callable[[], Check | list[Check]]] = [
        check_python, check_packages, check_model, check_fer2013, check_jupyter, check_nodelay, check_mode,
    ]
    for step in steps:
        try:
            result = step()
        except Exception as err:  # noqa: BLE001  (a doctor reports every failure as one line, never a traceback)
            result = Check(FAIL, step.__name__.removeprefix("check_"), f"{type(err).__name__}: {err}")
        yield from (result if isinstance(result, list) else [result])


def check_python() -> Check:
    from emolib import __version__

    version = ".".join(map(str, sys.version_info[:3]))
    status = OK if sys.version_info >= (3, 11) else FAIL
    return Check(status, "Python", f"{version} ({sys.executable}); emolib {__version__}"
                 + ("" if status == OK else "; emolib needs Python 3.11 or newer"))


def _version(distribution: str) -> str | None:
    for name in (distribution, distribution.replace("-", "_")):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def check_packages() -> list[Check]:
    found = []
    for distribution, module, purpose in PACKAGES:
        version = _version(distribution)
        if version is None and distribution == "tensorflow":
            version = _version("tensorflow-cpu")
        if version is None and distribution == "opencv-python-headless":
            version = _version("opencv-python")
        if version is None:
            found.append(Check(FAIL, distribution, f"not installed (needed for {purpose}): "
                                                   "pip install \"emolib[student]\" (docs/workshop.md)"))
            continue
        if module not in ("keras", "tensorflow"):  # those two take seconds to import; the notebooks will tell
            try:
                importlib.import_module(module)
            except Exception as err:  # noqa: BLE001  (a broken install is a FAIL line, not a traceback)
                found.append(Check(FAIL, distribution, f"{version} is installed but does not import: {err}"))
                continue
        found.append(Check(OK, distribution, f"{version} ({purpose})"))
    return found


def _sample_face() -> tuple[np.ndarray, str]:
    """A (H, W, 3) uint8 BGR photo with one face, and where it came from."""
    import cv2

    checkout = Path(__file__).resolve().parents[2] / "data" / "astronaut.jpg"
    if checkout.is_file():
        image = cv2.imread(str(checkout))
        if image is not None:
            return image, str(checkout)
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), "skimage.data.astronaut()"


def check_model() -> list[Check]:
    from emolib.pipeline import Analyzer
    from emolib.resources import DEFAULT_MODEL

    image, source = _sample_face()
    start = time.perf_counter()
    Analyzer().analyze(image)  # loads the model and the detector
    loaded = time.perf_counter() - start
    analyzer = Analyzer()
    analyzer.analyze(image)  # warm-up
    start = time.perf_counter()
    faces = analyzer.analyze(image)
    took = time.perf_counter() - start
    load = Check(OK, "bundled model", f"{DEFAULT_MODEL} and the YuNet detector load and run in {loaded:.2f} s")
    if not faces:
        return [load, Check(FAIL, "sample face", f"no face found in {source}")]
    face = faces[0]
    return [load, Check(OK, "sample face", f"{face.emotion} ({face.confidence:.0%}) in {took * 1000:.0f} ms "
                                           f"(detect + classify, {source})")]


def check_fer2013() -> Check:
    from emolib.training.data import find_fer2013

    path = find_fer2013()
    if path is not None:
        return Check(OK, "FER2013", f"{path} ({path.stat().st_size / 1e6:.0f} MB)")
    return Check(NOTE, "FER2013", "not found: notebooks 01-03 will use synthetic cartoon faces. To get it: a Kaggle "
                                  "account, accept the FER2013 challenge's rules, put fer2013.csv (301 MB) in data/ "
                                  "or set EMOLIB_FER2013 (docs/workshop.md)")


def check_jupyter() -> list[Check]:
    found = []
    for distribution, purpose in (("jupyterlab", "JupyterLab"), ("ipywidgets", "widgets (kernel side)"),
                                  ("jupyterlab_widgets", "widget front end in JupyterLab"),
                                  ("anywidget", "emolib's widgets")):
        version = _version(distribution)
        found.append(Check(OK, distribution, f"{version} ({purpose})") if version else
                     Check(FAIL, distribution, f"not installed ({purpose}): pip install \"emolib[student]\""))
    return found


def _configured_nodelay() -> Path | None:
    """The Jupyter config file that sets the NoDelay websocket connection, if any."""
    from jupyter_core.paths import jupyter_config_path

    for folder in jupyter_config_path():
        for name in ("jupyter_server_config.py", "jupyter_server_config.json"):
            path = Path(folder) / name
            try:
                if path.is_file() and NODELAY in path.read_text(errors="replace"):
                    return path
            except OSError:
                continue
    return None


def _running_servers() -> list[tuple[int, bool]]:
    """(port, started with NoDelay) of each Jupyter server of this user that psutil can see."""
    try:
        import psutil
    except ImportError:
        return []
    servers = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info.get("cmdline") or [])
        if "jupyter" in command and any(word in command for word in ("lab", "notebook", "server")) \
                and "ipykernel" not in command and "doctor" not in command:
            port = next((int(p.split("=", 1)[1]) for p in process.info["cmdline"] if p.startswith("--port=")
                         and p.split("=", 1)[1].isdigit()), 0)
            servers.append((port, NODELAY in command))
    return servers


def check_nodelay() -> Check:
    configured = _configured_nodelay()
    if configured is not None:
        return Check(OK, "NoDelay", f"set in {configured}: the webcam widget keeps up with the camera")
    running = _running_servers()
    if running and all(nodelay for _, nodelay in running):
        return Check(OK, "NoDelay", f"the running Jupyter server{'s' if len(running) > 1 else ''} use it")
    state = "a running Jupyter server lacks it; " if running else ""
    return Check(NOTE, "NoDelay", f"{state}not configured: the webcam widget is slower (~25 round trips/s). Start "
                                  f"Jupyter with `make lab`, or with {NODELAY_FLAG} (docs/jupyterhub.md)")


def check_mode() -> Check:
    from emolib.training.modes import DEFAULT_MODE, MODE_VARIABLE, resolve_mode

    mode = resolve_mode()
    source = "default" if mode == DEFAULT_MODE and not os.environ.get(MODE_VARIABLE) else "from the environment"
    return Check(OK, "notebook mode", f"{mode} ({source}; set {MODE_VARIABLE}=quick|workshop|full to change it)")
