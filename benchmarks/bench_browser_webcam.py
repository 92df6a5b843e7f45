"""Frame rate and capture-to-drawn latency of the live webcam widget in headless Chromium, per front end.

Usage: ``python benchmarks/bench_browser_webcam.py [--seconds 8] [--repeats 1]``. Needs what
``tests/test_browser_webcam.py`` needs (the Debian package ``chromium``, ``playwright``, ``jupyterlab``,
``notebook`` 7) and reuses its server and page driver. Chromium's fake camera plays the astronaut photo (one
face) or two of it side by side (two faces) at 30 fps, 640x480, like a laptop camera. For each of JupyterLab
and Notebook 7, with emolib's NoDelay kernel connection and with the stock one, and one and two faces, the
webcam notebook runs, Start is pressed, and after a 2 s warm-up ``--seconds`` of frames are timed by the
widget itself (per frame: camera capture -> grabbed -> encoded -> sent -> answered -> drawn).

Prints, per case: results drawn per second (of the camera's), capture-to-drawn median and p90, and the
median of each stage, so the table shows where the time goes. The baseline is the stock connection in the
same run (the ratio of medians). Goal (issue 16): >= 28 of 30 fps, median <= 50 ms with NoDelay. The passes
alternate between cases, so a change in the machine's load hits them all alike; the load average is printed
before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CASES = ("jupyterlab-nodelay", "jupyterlab-stock", "notebook7-nodelay", "notebook7-stock")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds timed per pass (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="passes per case; the median pass counts")
    args = parser.parse_args()

    import cv2
    from playwright.sync_api import sync_playwright
    from skimage import data

    from tests.test_browser_webcam import (
        CHROMIUM,
        CHROMIUM_ARGS,
        jupyter_server,
        measure_latency,
        run_notebook_and_press_start,
        two_faces,
        write_y4m,
    )

    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the start (other work on the "
          "machine lowers every figure); browser, server and kernel on this machine; 30 fps fake camera")
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    readings: dict[tuple[str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        cameras = {faces: write_y4m(Path(tmp) / f"faces{faces}.y4m", image, fps=30, frames=60)
                   for faces, image in ((1, astronaut), (2, two_faces(astronaut)))}
        for repeat in range(args.repeats):
            for faces, camera in cameras.items():
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"])
                try:
                    for case in CASES:
                        folder = Path(tmp) / f"{case}-{faces}-{repeat}"
                        folder.mkdir()
                        with jupyter_server(case, folder) as url:
                            page = browser.new_page(viewport={"width": 1280, "height": 1000})
                            run_notebook_and_press_start(page, url)
                            reading = measure_latency(page, args.seconds)
                            page.close()
                        readings.setdefault((case, faces), []).append(reading)
                        print(f"  pass {repeat + 1} {case:<19} {faces} face(s): {line(reading)}", flush=True)
                finally:
                    browser.close()
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'case':<19} faces  {'fps':>10}  {'median':>7}  {'p90':>6}   stages (median ms)")
    for (case, faces), passes in readings.items():
        reading = sorted(passes, key=lambda r: r["median_ms"])[len(passes) // 2]
        stock = readings.get((case.replace("nodelay", "stock"), faces))
        ratio = ""
        if "nodelay" in case and stock:
            base = sorted(stock, key=lambda r: r["median_ms"])[len(stock) // 2]["median_ms"]
            ratio = f"  median {reading['median_ms'] / base:.2f}x the stock server's"
        print(f"{case:<19} {faces:>5}  {line(reading)}{ratio}")


def line(r: dict[str, float]) -> str:
    return (f"{r['fps']:4.1f} of {r['camera_fps']:2.0f}  {r['median_ms']:5.0f} ms  {r['p90_ms']:4.0f} ms   wait "
            f"{r['wait_ms']:.0f}, encode {r['encode_ms']:.0f}, network {r['network_ms']:.0f}, kernel "
            f"{r['kernel_ms']:.0f}, draw {r['draw_ms']:.0f}; {r['faces']:.0f} face(s) shown"
            f"{'; Nagle notice shown' if r['nagle'] else ''}")


if __name__ == "__main__":
    main()
