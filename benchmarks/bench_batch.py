"""Batch throughput: the same clips through ``emolib.batch.analyze_many`` on 1 worker and on 2 workers.

Usage: ``python benchmarks/bench_batch.py [--clips 8] [--seconds 6] [--repeats 3]``. Both local clusters
(single-threaded worker processes, as ``emolib batch`` starts them) are started and warmed up (imports, model
loaded) first, then the runs alternate 1, 2, 1, 2, ... into fresh output folders, so background load hits
both sides alike; the best and the median time of each side are compared. The load average is printed before and after:
another busy process on the machine lowers the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "astronaut.jpg"


def warm_up(analyzer_options: dict) -> None:
    """Run on every worker before timing: import everything and build the worker's Analyzer."""
    from emolib import batch

    batch._prepare_process()
    batch._analyzer(analyzer_options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8, help="number of clips (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each 320x240 30 fps clip")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side (default: %(default)s)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from emolib.batch import analyze_many, split_options
    from emolib.training.synthetic import write_demo_video

    print(f"cores: {os.cpu_count()}  load average before: {_load()}")
    image = cv2.imread(str(SAMPLE))
    analyzer_options, _ = split_options({})
    with tempfile.TemporaryDirectory() as tmp:
        clips = Path(tmp) / "clips"
        clips.mkdir()
        for index in range(args.clips):
            write_demo_video(clips / f"clip{index}.mp4", image, seconds=args.seconds, fps=30, size=(320, 240))
        frames = args.clips * round(args.seconds * 30)
        print(f"{args.clips} clips, {frames} frames of 320x240 in all")
        times: dict[int, list[float]] = {1: [], 2: []}
        with ExitStack() as stack:  # closed last-in first-out, so the quieted cluster logs stay quiet
            clients = {}
            for workers in (1, 2):
                cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                           host="127.0.0.1", dashboard_address="127.0.0.1:0"))
                clients[workers] = stack.enter_context(Client(cluster, set_as_default=False))
                clients[workers].run(warm_up, analyzer_options)
            for repeat in range(args.repeats):
                for workers in (1, 2):
                    start = time.perf_counter()
                    summary = analyze_many(clips, Path(tmp) / f"out{workers}_{repeat}", clients[workers],
                                           progress=False)
                    times[workers].append(time.perf_counter() - start)
                    assert (summary["status"] == "done").all(), summary
                    print(f"  run {repeat + 1}, {workers} worker(s): {times[workers][-1]:6.2f} s  "
                          f"({frames / times[workers][-1]:4.0f} frames/s)")
    print(f"load average after: {_load()}")
    best, median = ({n: f(times[n]) for n in times} for f in (min, statistics.median))
    print(f"best: 1 worker {best[1]:.2f} s, 2 workers {best[2]:.2f} s -> speed-up {best[1] / best[2]:.2f}x; "
          f"median: {median[1] / median[2]:.2f}x (2.00x is perfect scaling on 2 otherwise idle cores)")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
