"""Many videos and images on a Dask cluster: one task per file, Parquet out, resumable, failures isolated.

>>> summary = analyze_many(["talks/", "photos/*.jpg"], "results")   # local cluster, one worker per core
>>> frames = read_frames("results")                                # dask DataFrame of every input's faces

Layout of ``out``::

    frames/NAME-HASH.parquet   one per input: ``source`` + the per-frame columns of analyze_video
                               (images: one row per face, frame=0, time_s=0)
    summary.parquet, .csv      one row per input (status, faces, dominant emotion, share per emotion)
    failures.csv               source, reason: the inputs that could not be analysed

``HASH`` comes from the input's absolute path, so each input keeps one file. The file's Parquet metadata
stamps the input's size, mtime and the analysis options: a rerun skips inputs whose stamp still matches.
Every file is written by :func:`emolib.media.atomic.atomic_write` (a hidden temporary name, fsync, renamed
into place), so a killed run or a full disk never leaves a half-written file that looks complete. Workers
read the inputs and write ``out`` themselves: on a real cluster both must be on a filesystem every worker
sees under the same path.

Each video stays one task: the tracker's face ids, smoothing and detection cadence run through the video
in order, so splitting it would change the results; parallelism comes from running many files at once.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from emolib.detect import DEFAULT_DETECTOR
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.media import collect_inputs, read_image
from emolib.media.atomic import atomic_write, remove_temporaries
from emolib.media.images import DEFAULT_MAX_PIXELS
from emolib.options import TrackingOptions
from emolib.pipeline import Analyzer

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

#: Sub-folder of ``out`` with one Parquet file per input (``dask.dataframe.read_parquet`` this folder).
FRAMES_DIR = "frames"
#: Bumped when the per-input file changes meaning: older outputs are then redone.
FORMAT_VERSION = 1
#: Key of the JSON (stamp, info, summary) in each per-input file's Parquet schema metadata.
METADATA_KEY = b"emolib"
#: Times Dask reruns a task that raised something other than EmolibError (a worker that dies is rerun
#: on another worker by the scheduler, up to ``distributed.scheduler.allowed-failures`` times).
RETRIES = 2
#: Columns of the summary table, one row per input.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "source", "kind", "status", "faces", "frames", "duration_s", "face_seconds", "dominant", *CLASSES,
    "elapsed_s", "output", "error",
)


@dataclass(frozen=True)
class Job:
    """One input to analyse: absolute ``source`` path, ``kind`` ("video" or "image"), the final ``output``
    path, and the ``stamp`` (input size, mtime, options digest) that marks the output complete."""

    source: str
    kind: str
    output: str
    stamp: dict[str, Any]
    size: int = 0


# --------------------------------------------------------------------------- inputs and options


def output_name(source: str | os.PathLike) -> str:
    """The per-input file name: the input's stem (made safe, never hidden) and a hash of its absolute path."""
    path = Path(source).resolve()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem)[:80].lstrip("._-") or "input"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    return f"{stem}-{digest}.parquet"


#: Analyzer options a batch run takes (workers build their Analyzer from them), with their defaults.
ANALYZER_OPTIONS: dict[str, Any] = {"detector": DEFAULT_DETECTOR, "classifier": None, "margin": None, "align": False,
                                   "min_face": 20}
#: analyze_video options a batch run takes besides the tracking ones, with their defaults.
VIDEO_OPTIONS: dict[str, Any] = {"every": 1, "raw": True}


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Analyzer options, analyze_video options) with every default filled in, or EmolibError for unknown ones.

    Analyzer options: :data:`ANALYZER_OPTIONS` (detector by name, classifier as bundled name or model path).
    Video options: :data:`VIDEO_OPTIONS` plus ``tracking`` (a :class:`~emolib.options.TrackingOptions`, also
    given field by field).
    """
    tracking_fields = set(TrackingOptions.names())
    known = {*ANALYZER_OPTIONS, *VIDEO_OPTIONS, "tracking", *tracking_fields}
    unknown = sorted(set(options) - known)
    if unknown:
        raise EmolibError(f"unknown option(s) {', '.join(unknown)} (batch options: {', '.join(sorted(known))})")
    analyzer = ANALYZER_OPTIONS | {k: v for k, v in options.items() if k in ANALYZER_OPTIONS}
    fields = {k: v for k, v in options.items() if k in tracking_fields}
    tracking = TrackingOptions.build(options.get("tracking"), **fields)
    video = VIDEO_OPTIONS | {k: v for k, v in options.items() if k in VIDEO_OPTIONS} | {"tracking": tracking}
    analyzer["detector"] = analyzer["detector"] or DEFAULT_DETECTOR
    model = analyzer["classifier"]
    if model is not None and not isinstance(model, (str, os.PathLike)):
        raise EmolibError("classifier must be a bundled model name or a model path (workers load it themselves)")
    if not isinstance(analyzer["detector"], str):
        raise EmolibError("detector must be a detector name (workers create it themselves)")
    if model is not None and Path(model).is_file():
        analyzer["classifier"] = str(Path(model).resolve())
    elif model is not None:
        analyzer["classifier"] = str(model)
    if not isinstance(video["every"], int) or video["every"] < 1:
        raise EmolibError(f"every must be 1 or more, got {video['every']}")
    return analyzer, video


def _digest(kind: str, analyzer_options: dict[str, Any], video_options: dict[str, Any]) -> str:
    """Hash of what decides an input's result: images depend on the analyzer, ``raw`` and a pixel budget other
    than the default only (so outputs made before the budget existed still count)."""
    if kind == "video":
        video = ({k: v for k, v in video_options.items() if k not in ("tracking", "max_pixels")}
                 | video_options["tracking"].as_dict())
    else:
        video = {"raw": video_options.get("raw", True)}
        if video_options.get("max_pixels", DEFAULT_MAX_PIXELS) != DEFAULT_MAX_PIXELS:
            video["max_pixels"] = video_options["max_pixels"]
    text = json.dumps({"kind": kind, "analyzer": analyzer_options, "video": video}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def plan(
    sources: Sequence[tuple[Path, str]], out: Path, analyzer_options: dict[str, Any], video_options: dict[str, Any]
) -> tuple[list[Job], dict[str, dict[str, Any]]]:
    """(jobs to run, summary records of inputs whose output is already complete, by source)."""
    jobs, done = [], {}
    for path, kind in sources:
        stat = path.stat()
        stamp = {"format": FORMAT_VERSION, "source": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                 "options": _digest(kind, analyzer_options, video_options)}
        job = Job(str(path), kind, str(out / FRAMES_DIR / output_name(path)), stamp, stat.st_size)
        metadata = read_metadata(job.output)
        if metadata is not None and metadata.get("stamp") == stamp:
            done[job.source] = metadata["summary"] | {"status": "skipped", "output": job.output}
        else:
            jobs.append(job)
    return jobs, done


def read_metadata(path: str | os.PathLike) -> dict[str, Any] | None:
    """The emolib metadata (stamp, info, summary) of a per-input Parquet file; None if missing or unreadable."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
        return json.loads(metadata[METADATA_KEY])
    except (OSError, KeyError, ValueError):
        return None


# --------------------------------------------------------------------------- one task (runs on a worker)

_LOCAL = threading.local()
_PROCESS_READY = False


def analyze_one(job: Job, analyzer_options: dict[str, Any], video_options: dict[str, Any]) -> dict[str, Any]:
    """Analyse one input and write its Parquet file; returns its summary record (status "done" or "failed").

    Runs on a Dask worker. A bad input (:class:`EmolibError`) gives a "failed" record at once; anything
    else is raised so Dask can retry the task.
    """
    from emolib.video import analyze_video

    _prepare_process()
    start = time.perf_counter()
    try:
        analyzer = _analyzer(analyzer_options)
        if job.kind == "video":
            frames = analyze_video(job.source, analyzer, progress=False, every=video_options["every"],
                                   raw=video_options["raw"], options=video_options["tracking"])
            info = _jsonable(dict(frames.attrs))
        else:
            image = read_image(job.source, max_pixels=video_options.get("max_pixels", DEFAULT_MAX_PIXELS))
            frames = analyzer.analyze_table(image, raw=video_options.get("raw", True))
            info = {"source": job.source, "width": image.shape[1], "height": image.shape[0]}
    except EmolibError as err:
        return failure_record(job, str(err))
    frames.insert(0, "source", job.source)
    record = summarize_input(frames, job.kind, info) | {"source": job.source}
    record["elapsed_s"] = round(time.perf_counter() - start, 3)
    try:
        write_parquet(frames, job.output, {"stamp": job.stamp, "info": info, "summary": record})
    except EmolibError as err:  # a full disk or a refused name: this input failed, retrying would not help
        return failure_record(job, str(err))
    return record | {"status": "done", "output": job.output}


def _prepare_process() -> None:
    """One OpenCV thread per task: workers run one task per core, more threads would oversubscribe."""
    global _PROCESS_READY
    if not _PROCESS_READY:
        import cv2

        cv2.setNumThreads(1)
        _PROCESS_READY = True


def _analyzer(options: dict[str, Any]) -> Analyzer:
    """An Analyzer for these options, kept per worker thread (built once, reused by later tasks)."""
    cache = _LOCAL.__dict__.setdefault("analyzers", {})
    key = json.dumps(options, sort_keys=True, default=str)
    if key not in cache:
        cache[key] = Analyzer(**options)
    return cache[key]


def summarize_input(frames: pd.DataFrame, kind: str, info: dict[str, Any]) -> dict[str, Any]:
    """One summary record: faces, frames, duration_s, face_seconds (face-time on screen), the dominant
    emotion, the share (0-1) of face-time per emotion (images: the share of faces) and ``error``: None, or
    a warning for a video that ended early (truncated or damaged; the frames before it are kept)."""
    record: dict[str, Any] = {"kind": kind, "faces": int(frames["face_id"].nunique()), "error": None}
    if kind == "video":
        record |= {"frames": int(info["frames"]), "duration_s": info["frames"] / info["fps"],
                   "face_seconds": len(frames) * info["frame_s"]}
        if info.get("truncated"):  # analysed up to the damage: kept, with a warning in the error column
            record["error"] = (f"truncated or damaged: stopped at frame {info['frames']} of {info['expected_frames']}; "
                               "the frames before were analysed")
    else:
        record |= {"frames": 1, "duration_s": 0.0, "face_seconds": math.nan}
    if len(frames):
        shares = frames["emotion"].value_counts(normalize=True).reindex(list(CLASSES), fill_value=0.0)
        record |= {"dominant": str(shares.idxmax())} | {name: float(shares[name]) for name in CLASSES}
    else:
        record |= {"dominant": None} | dict.fromkeys(CLASSES, math.nan)
    return _jsonable(record)


def failure_record(job: Job, reason: str) -> dict[str, Any]:
    return {"source": job.source, "kind": job.kind, "status": "failed", "error": one_line(reason)}


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    """Plain JSON types; NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


# --------------------------------------------------------------------------- atomic files


def write_parquet(frames: pd.DataFrame, path: str | os.PathLike, metadata: dict[str, Any]) -> Path:
    """Write ``frames`` with ``metadata`` (JSON under :data:`METADATA_KEY`) atomically; text columns as strings.

    The schema does not depend on the rows, so files of inputs without faces read together with the rest.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Schema.from_pandas(frames, preserve_index=False)
    for index, name in enumerate(schema.names):
        kind = frames[name].dtype.kind
        if kind in "OSUT" or pd.api.types.is_string_dtype(frames[name].dtype) or schema.field(name).type == pa.null():
            schema = schema.set(index, pa.field(name, pa.string()))
    table = pa.Table.from_pandas(frames, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: json.dumps(metadata)})
    return atomic_write(path, lambda handle: pq.write_table(table, handle), verify=pq.read_schema)


def _remove_temp_files(out: Path) -> None:
    """Temporary files a killed run left behind (one run per ``out`` at a time)."""
    for folder in (out, out / FRAMES_DIR):
        remove_temporaries(folder)


# --------------------------------------------------------------------------- the batch


def analyze_many(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    client: Client | str | None = None,
    *,
    workers: int | None = None,
    progress: bool = True,
    dashboard: bool = False,
    quiet_workers: bool = False,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    **analyze_options: Any,
) -> pd.DataFrame:
    """Analyse videos and images (files, folders, globs) on a Dask cluster into ``out``; returns the summary.

    ``client``: a ``distributed.Client``, a scheduler address ("tcp://host:8786"), or None: the current
    default client if there is one, else a new secured ``LocalCluster`` (see :func:`local_cluster`) with
    ``workers`` single-threaded worker processes (default: one per core), closed at the end; ``dashboard``:
    give that cluster its dashboard; ``quiet_workers``: its workers' stderr to the null device (see
    :func:`quiet_worker_plugin`; the CLI's default). ``progress``: a tqdm bar (tqdm.auto: a widget in notebooks) and the
    dashboard link, if there is one, on stderr. ``max_pixels``: each image's pixel budget (see
    :func:`emolib.media.images.decode_image`). ``analyze_options``: detector, classifier, margin, min_face
    every, raw, and tracking (a :class:`~emolib.options.TrackingOptions`, or its fields: detect_every, ...).

    Inputs whose output is complete (same file size, mtime and options) are skipped; inputs that fail are
    listed in ``out/failures.csv`` and retried by the next run. The summary (:data:`SUMMARY_COLUMNS`, status
    "done", "skipped" or "failed") is also written to ``out/summary.parquet`` and ``out/summary.csv``.
    """
    _require_batch_packages()
    sources = collect_inputs(inputs)
    analyzer_options, video_options = split_options(analyze_options)
    if max_pixels is not None and (not isinstance(max_pixels, int) or max_pixels < 1):
        raise EmolibError(f"max_pixels must be None or a whole number of pixels, 1 or more, got {max_pixels!r}")
    video_options["max_pixels"] = max_pixels
    if workers is not None and workers < 1:
        raise EmolibError(f"workers must be 1 or more, got {workers}")
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise EmolibError(f"--out {out} is a file; it must be a folder")
    (out / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
    _remove_temp_files(out)
    jobs, records = plan(sources, out, analyzer_options, video_options)
    if progress and records:
        print(f"emolib batch: {len(records)} of {len(sources)} input(s) already complete in {out}, skipped",
              file=sys.stderr)
    if jobs:
        with _connect(client, workers, dashboard=dashboard, quiet_workers=quiet_workers) as (active, linkable):
            records |= run_jobs(active, jobs, analyzer_options, video_options, progress=progress,
                                dashboard=linkable)
    summary = summary_table([records[str(path)] for path, _ in sources])
    write_summary(summary, out)
    return summary


def _require_batch_packages() -> None:
    """EmolibError naming the missing packages of the ``batch`` extra."""
    import importlib.util

    missing = [name for name in ("dask", "distributed", "pyarrow") if importlib.util.find_spec(name) is None]
    if missing:
        raise EmolibError(f"batch analysis needs {', '.join(missing)}: pip install 'emolib[batch]'")


@contextmanager
def _connect(client: Client | str | None, workers: int | None, *, dashboard: bool = False,
             quiet_workers: bool = False) -> Iterator[tuple[Client, bool]]:
    """(the client to use, whether its dashboard may be linked); clients and clusters made here are closed
    on exit."""
    from distributed import Client

    if isinstance(client, Client):
        yield client, True
        return
    if isinstance(client, str):
        if workers is not None:
            raise EmolibError("--workers sizes the local cluster; with --scheduler the cluster has its own workers")
        try:
            remote = Client(client, timeout=15)
        except (OSError, TimeoutError, ValueError) as err:
            raise EmolibError(f"cannot reach the Dask scheduler at {client}: {one_line(str(err), 160)}") from None
        with remote:
            yield remote, True
        return
    if client is not None:
        raise EmolibError(f"client must be a distributed.Client, a scheduler address or None, not {client!r}")
    if workers is None:
        try:
            yield Client.current(), True
            return
        except ValueError:  # no client running
            pass
    with local_cluster(workers or os.cpu_count() or 1, dashboard=dashboard) as cluster, Client(cluster) as local:
        if quiet_workers:
            local.register_plugin(quiet_worker_plugin(), name="emolib-quiet")
        yield local, dashboard


def local_cluster(workers: int, *, dashboard: bool = False) -> LocalCluster:
    """The batch's own ``LocalCluster``: ``workers`` single-threaded worker processes on loopback, secured.

    Every connection (client, scheduler, workers) is TLS with mutual authentication against credentials
    made for this cluster alone (``distributed.security.Security.temporary()``, kept in memory): another
    user of the machine who finds the port can neither connect nor run code in a worker. The HTTP servers
    (scheduler and workers, loopback only) serve no pages, so they show nobody the file names either.
    ``dashboard``: serve the scheduler's dashboard on 127.0.0.1:8787 (the next free port if taken; it has
    no login: anyone on the machine may watch it); off by default.
    """
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    try:
        security = Security.temporary()
    except ImportError:
        raise EmolibError("batch analysis needs cryptography for its secured local cluster: "
                          "pip install 'emolib[batch]'") from None
    show = dashboard and _has_bokeh()
    routes: dict[str, Any] = {"distributed.worker.http.routes": []}
    if not show:
        routes["distributed.scheduler.http.routes"] = []
    with dask.config.set(routes):  # the nannies keep this config for the workers they (re)start
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            protocol="tls://", security=security, worker_dashboard_address="127.0.0.1:0",
                            dashboard_address="127.0.0.1:8787" if show else "127.0.0.1:0",
                            scheduler_kwargs={"dashboard": show})


def quiet_worker_plugin() -> Any:
    """A worker plugin that points the worker process's stderr (file descriptor 2) at the null device.

    Only for the batch's own local workers, started for this run (``quiet_workers``): their native
    libraries' lines (LiteRT's delegate line, libjpeg's warnings, Dask's logs) would surround the CLI's
    one-line errors, and every result or failure comes back through its task anyway.
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class QuietWorker(WorkerPlugin):  # sent by value (cloudpickle): the workers need nothing installed for it
        def setup(self, worker: Any) -> None:
            sys.stderr.flush()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)

    return QuietWorker()


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def dashboard_link(client: Client) -> str | None:
    """The scheduler's dashboard address when it can show one (bokeh installed where the scheduler runs)."""
    import importlib.util

    try:  # by value (a lambda), so the scheduler needs no emolib
        has_bokeh = client.run_on_scheduler(lambda: importlib.util.find_spec("bokeh") is not None)
    except Exception:  # no link then
        return None
    return client.dashboard_link if has_bokeh else None


def run_jobs(
    client: Client, jobs: list[Job], analyzer_options: dict[str, Any], video_options: dict[str, Any], *,
    progress: bool = True, dashboard: bool = True,
) -> dict[str, dict[str, Any]]:
    """Submit one task per job (largest files first), collect records as they complete, by source.
    ``dashboard``: print the dashboard link too (with ``progress``), if the scheduler serves one."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    if progress:
        link = dashboard_link(client) if dashboard else None
        if link:
            print(f"emolib batch: Dask dashboard at {link}", file=sys.stderr)
        if not client.scheduler_info().get("workers"):
            print("emolib batch: no workers connected yet; tasks wait until one joins", file=sys.stderr)
    ordered = sorted(jobs, key=lambda job: job.size, reverse=True)
    futures = {}
    for rank, job in enumerate(ordered):
        key = f"emolib-{Path(job.output).stem}-{uuid.uuid4().hex[:6]}"
        future = client.submit(analyze_one, job, analyzer_options, video_options, key=key, pure=False,
                               retries=RETRIES, priority=len(ordered) - rank)
        futures[future.key] = (future, job)
    records: dict[str, dict[str, Any]] = {}
    failed = 0
    try:
        with tqdm(total=len(jobs), unit="file", desc="emolib batch", disable=not progress, dynamic_ncols=True) as bar:
            for future in as_completed([future for future, _ in futures.values()], loop=client.loop):
                job = futures.pop(future.key)[1]
                if future.status == "finished":
                    record = future.result()
                elif future.status == "cancelled":
                    record = failure_record(job, "task cancelled (scheduler or workers lost)")
                else:
                    error = future.exception()
                    record = failure_record(job, f"{type(error).__name__}: {error}")
                future.release()
                records[job.source] = record
                if record["status"] == "failed":
                    failed += 1
                    bar.set_postfix(failed=failed)
                    if progress:
                        reason = record["error"]
                        reason = reason if job.source in reason else f"{job.source}: {reason}"
                        tqdm.write(f"emolib batch: failed: {reason}", file=sys.stderr)
                bar.update()
    except BaseException:
        client.cancel([future for future, _ in futures.values()])
        raise
    return records


def summary_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The summary DataFrame (:data:`SUMMARY_COLUMNS`) from summary records, in the given order."""
    table = pd.DataFrame.from_records(records).reindex(columns=list(SUMMARY_COLUMNS))
    dtypes = {name: "Int64" for name in ("faces", "frames")}
    dtypes |= {name: "float64" for name in ("duration_s", "face_seconds", *CLASSES, "elapsed_s")}
    return table.astype(dtypes | {name: "object" for name in ("dominant", "output", "error")})


def write_summary(summary: pd.DataFrame, out: str | os.PathLike) -> None:
    """summary.parquet, summary.csv and failures.csv (source, reason) in ``out``, each written atomically."""
    out = Path(out)
    text = summary.astype({name: "string" for name in ("source", "kind", "status", "dominant", "output", "error")})
    atomic_write(out / "summary.parquet", lambda handle: text.to_parquet(handle, index=False))
    csv = summary.to_csv(index=False, float_format="%.4f").encode()
    atomic_write(out / "summary.csv", lambda handle: handle.write(csv))
    failures = summary.loc[summary["status"] == "failed", ["source", "error"]].rename(columns={"error": "reason"})
    failures_csv = failures.to_csv(index=False).encode()
    atomic_write(out / "failures.csv", lambda handle: handle.write(failures_csv))


def read_frames(out: str | os.PathLike) -> dd.DataFrame:
    """Every per-input table of a batch output folder as one dask DataFrame (``source`` tells inputs apart)."""
    import dask.dataframe as dd

    return dd.read_parquet(str(Path(out) / FRAMES_DIR))
