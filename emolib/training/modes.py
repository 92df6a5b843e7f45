"""The notebooks' three modes, one switch: ``quick`` (CI), ``workshop`` (the default) and ``full``.

- ``quick``: a small subset and an epoch or two, so CI runs every notebook in seconds; its numbers mean nothing.
- ``workshop`` (the default when nothing is set): every notebook's Run All fits a class (at most about five
  minutes on a 2-core laptop CPU) and shows results worth discussing.
- ``full``: the model card's runs (hours on a CPU); the notebook says so before it starts.

The switch is the ``MODE`` variable of each notebook's ``parameters`` cell, else ``$EMOLIB_MODE``, else
``EMOLIB_QUICK=1`` (the older switch) for quick, else workshop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from emolib.errors import EmolibError

MODES = ("quick", "workshop", "full")
DEFAULT_MODE = "workshop"
#: Environment variables that set the mode when the notebook's ``MODE`` is None.
MODE_VARIABLE = "EMOLIB_MODE"
QUICK_VARIABLE = "EMOLIB_QUICK"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def resolve_mode(mode: str | None = None) -> str:
    """``mode`` if given, else ``$EMOLIB_MODE``, else "quick" when ``EMOLIB_QUICK`` is set to a true value,
    else "workshop". :class:`EmolibError` for a name that is not one of :data:`MODES`."""
    chosen = mode or os.environ.get(MODE_VARIABLE, "").strip() or ("quick" if _truthy(os.environ.get(QUICK_VARIABLE))
                                                                  else DEFAULT_MODE)
    chosen = chosen.strip().lower()
    if chosen not in MODES:
        source = "MODE" if mode else MODE_VARIABLE
        raise EmolibError(f"{source}={chosen!r} is not a mode; choose one of {', '.join(MODES)}")
    return chosen


def notebook_mode(mode: str | None = None, *, expected: Mapping[str, str] | None = None) -> str:
    """The mode a notebook runs in (see :func:`resolve_mode`), printing it with the run time to expect.

    ``expected`` maps each mode to its run time in words ("about 4 minutes"), as measured on a 2-core CPU
    (``benchmarks/run_notebooks.py``). Returns the mode's name.
    """
    chosen = resolve_mode(mode)
    times = dict(expected or {})
    line = f"Mode: {chosen}"
    if chosen in times:
        line += f", expected run time {times[chosen]} on a 2-core laptop CPU"
    others = [f"{name}: {times[name]}" for name in MODES if name != chosen and name in times]
    if others:
        line += f" ({'; '.join(others)})"
    print(line + ".")
    if chosen == "full":
        print(f"FULL mode: this takes {times.get('full', 'a long time')} before it finishes. Interrupt the kernel "
              "to stop; set MODE = \"workshop\" (or EMOLIB_MODE=workshop) for a class-length run.")
    else:
        print(f"Change it with MODE = \"quick\" | \"workshop\" | \"full\" in this cell, or {MODE_VARIABLE}=... "
              "before starting Jupyter.")
    return chosen
