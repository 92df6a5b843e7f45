"""Round trips per second of the live webcam widget in headless Chromium, per Jupyter front end.

Usage: ``python benchmarks/bench_browser_webcam.py [--seconds 8] [--repeats 1]``. Needs what
``tests/test_browser_webcam.py`` needs (the Debian package ``chromium``, ``playwright``, ``jupyterlab``,
``notebook`` 7) and reuses its server and page driver. Chromium's fake camera plays the astronaut photo at
60 fps; for each front end of that test's FRONT_ENDS the webcam notebook runs for ``--seconds`` after its
first result and the best reading (averaged over a second by the widget) counts. The passes of the front
ends alternate, so a change in the machine's load hits them all alike.

The baseline is Jupyter Server's stock kernel connection (Nagle's algorithm on), measured in the same run:
the ratio shows what emolib's TCP_NODELAY connection (``emolib.widgets.server``) buys. Goals: JupyterLab with
it >= 25 fps, Notebook 7 with it >= 20, stock JupyterLab >= 12.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of results per pass (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="passes per front end; the best counts")
    args = parser.parse_args()

    import cv2
    from playwright.sync_api import sync_playwright

    from tests.test_browser_webcam import CHROMIUM, CHROMIUM_ARGS, FRONT_ENDS, jupyter_server, run_webcam, write_y4m

    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} (other work on the machine lowers "
          "every figure)")
    best: dict[str, float] = dict.fromkeys(FRONT_ENDS, 0.0)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        image = cv2.imread(str(REPO / "data" / "astronaut.jpg"))
        video = write_y4m(Path(tmp) / "astronaut.y4m", image)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
        try:
            for repeat in range(args.repeats):
                for case in FRONT_ENDS:
                    folder = Path(tmp) / f"{case}-{repeat}"
                    folder.mkdir()
                    with jupyter_server(case, folder) as url:
                        page = browser.new_page(viewport={"width": 1280, "height": 1000})
                        reading = run_webcam(page, url, seconds=args.seconds)
                        page.close()
                    best[case] = max(best[case], reading["fps"])
                    print(f"  pass {repeat + 1}, {case:<20} {reading['fps']:5.1f} fps  (round trip "
                          f"{reading['round_trip_ms']:.0f} ms, {reading['faces']} face; widget: {reading['shown']})")
        finally:
            browser.close()
    baseline = best["jupyterlab-stock"]
    for case, (*_, goal) in FRONT_ENDS.items():
        if case == "jupyterlab-stock":
            ratio = "the baseline"
        else:
            ratio = f"{best[case] / baseline:.2f}x the stock connection" if baseline else "no stock baseline"
        print(f"{case:<20} {best[case]:5.1f} fps, {ratio}; goal >= {goal:.0f} fps: "
              f"{'met' if best[case] >= goal else 'NOT met'}")


if __name__ == "__main__":
    main()
