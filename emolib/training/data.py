"""Load FER2013 in the forms users have it: the Kaggle CSV, class folders of images, and FERPlus votes.

Every loader returns a :class:`FerData`: ``images`` (N, 48, 48) uint8 grayscale, ``labels`` (N,) int64
indices into :data:`emolib.CLASSES`, ``usage`` (N,) split names ("Training", "PublicTest", "PrivateTest").
A malformed input raises :class:`emolib.errors.EmolibError` with one line that names the problem.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emolib.errors import EmolibError
from emolib.labels import CLASSES, FACE_SIZE, FERPLUS_COLUMNS, FERPLUS_TO_CLASS, SPLITS

PIXELS_PER_FACE = FACE_SIZE * FACE_SIZE
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
#: Folder names of the image-folder layout and the split each one stands for.
FOLDER_SPLITS = {
    "train": "Training", "training": "Training",
    "val": "PublicTest", "valid": "PublicTest", "validation": "PublicTest", "publictest": "PublicTest",
    "test": "PrivateTest", "privatetest": "PrivateTest",
}


@dataclass(frozen=True)
class FerData:
    """Faces with labels and split names, all aligned by row."""

    images: np.ndarray  # (N, 48, 48) uint8
    labels: np.ndarray  # (N,) int64, index into CLASSES
    usage: np.ndarray  # (N,) str
    #: optional (N, 7) float32 training targets (FERPlus vote shares, a teacher's probabilities); None: one-hot
    targets: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, name: str) -> FerData:
        """Rows of one split ("Training", "PublicTest" or "PrivateTest")."""
        if name not in set(self.usage):
            raise EmolibError(f"split {name!r} not in the data (it has {sorted(set(self.usage))})")
        return self.select(self.usage == name)

    def select(self, rows: np.ndarray | slice) -> FerData:
        """A subset by boolean mask, index array or slice."""
        targets = None if self.targets is None else self.targets[rows]
        return FerData(self.images[rows], self.labels[rows], self.usage[rows], targets)

    def with_targets(self, targets: np.ndarray | None) -> FerData:
        """The same faces with (N, 7) soft training targets (None: back to one-hot labels)."""
        if targets is not None:
            targets = np.asarray(targets, np.float32)
            if targets.shape != (len(self), len(CLASSES)):
                raise EmolibError(f"targets must be shaped ({len(self)}, {len(CLASSES)}), got {targets.shape}")
        return dataclasses.replace(self, targets=targets)

    def counts(self) -> pd.DataFrame:
        """Faces per class (rows) and split (columns)."""
        frame = pd.DataFrame({"emotion": np.asarray(CLASSES)[self.labels], "split": self.usage})
        table = pd.crosstab(frame["emotion"], frame["split"]).reindex(index=list(CLASSES), fill_value=0)
        return table[[s for s in SPLITS if s in table.columns]]


def load(path: str | os.PathLike, *, cache: bool = True) -> FerData:
    """Load a FER2013 CSV (``.csv`` / ``.csv.gz``) or an image-folder tree, whichever ``path`` is."""
    path = Path(path)
    if not path.exists():
        raise EmolibError(f"no such file or folder: {path}")
    if path.is_dir():
        return load_image_folders(path)
    return load_fer_csv(path, cache=cache)


def find_fer2013(start: str | os.PathLike | None = None) -> Path | None:
    """The first FER2013 CSV found in the usual places (``data/``, ``../shared/data/fer2013/``), or None."""
    roots = [Path(start)] if start else []
    here = Path.cwd()
    for base in (here, *here.parents[:3], Path(__file__).resolve().parents[1]):
        roots += [base / "data", base / "data" / "fer2013", base / "../shared/data/fer2013"]
    env = os.environ.get("EMOLIB_FER2013")
    if env:
        roots.insert(0, Path(env))
    for root in roots:
        if root.is_file():
            return root
        for name in ("fer2013.csv", "fer2013.csv.gz"):
            if (root / name).is_file():
                return (root / name).resolve()
    return None


def _cache_file(path: Path) -> Path:
    stat = path.stat()
    key = hashlib.sha1(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("EMOLIB_CACHE", Path.home() / ".cache" / "emolib"))
    return root / f"fer-{key}.npz"


def pixel_values(pixels: pd.Series, path: str | os.PathLike, first_row: int = 0) -> np.ndarray:
    """The uint8 values of the ``pixels`` column (space-separated integers 0-255, 2304 per row checked before),
    or :class:`EmolibError` naming the first row that is not (``1.5``, ``ab``, ``-3``, ``300``); ``first_row``:
    the file row of ``pixels``' first (chunked reading)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # numpy's way of saying it stopped at bad text
        try:
            values = np.fromstring(" ".join(pixels.tolist()), dtype=np.int64, sep=" ")  # C parser, ~10x faster
        except (DeprecationWarning, ValueError):
            values = None
    if values is not None and values.size == len(pixels) * PIXELS_PER_FACE and (
            values.size == 0 or 0 <= values.min() <= values.max() <= 255):
        return values.astype(np.uint8)
    bad = ~pixels.str.fullmatch(r"(?:25[0-5]|2[0-4]\d|1?\d?\d)(?: (?:25[0-5]|2[0-4]\d|1?\d?\d))*")
    row = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
    sample = next((v for v in str(pixels.iloc[row]).split(" ") if not v.isdigit() or int(v) > 255), "")
    raise EmolibError(f"{path}: row {first_row + row + 1}: pixel values must be integers 0-255 separated by "
                      "single spaces" + (f", found {sample[:20]!r}" if sample else ""))


def load_fer_csv(path: str | os.PathLike, *, cache: bool = True, progress: bool | None = None) -> FerData:
    """Read the Kaggle FER2013 CSV (columns ``emotion``, ``pixels`` and optionally ``Usage``).

    The 300 MB text is read in chunks of rows, each chunk's pixels parsed by NumPy straight into uint8
    (peak memory ~0.3 GB rather than ~2 GB for one pass over Python strings), with a progress bar
    (``progress``: None shows one for files over 10 MB). Parsed arrays are cached as ``.npz`` (in
    ``$EMOLIB_CACHE`` or ``~/.cache/emolib``), so later loads take well under a second.
    """
    path = Path(path)
    if not path.is_file():
        raise EmolibError(f"no such file: {path}")
    cached = _cache_file(path) if cache else None
    if cached is not None and cached.is_file():
        with np.load(cached, allow_pickle=False) as stored:
            return FerData(stored["images"], stored["labels"], stored["usage"])
    size = path.stat().st_size
    show = size > 10_000_000 if progress is None else progress
    images, labels, usages = [], [], []
    has_usage = True
    first_row = 0
    try:
        with open(path, "rb") as raw, _progress_bar(size, show, f"parsing {path.name} (once; cached after)") as bar:
            text = gzip.open(raw) if path.suffix == ".gz" or raw.read(2) == b"\x1f\x8b" else raw
            if text is raw:
                raw.seek(0)
            reader = pd.read_csv(text, dtype={"pixels": str, "Usage": str}, chunksize=_CHUNK_ROWS)
            for frame in reader:
                if frame.empty:
                    continue
                image_chunk, label_chunk, usage_chunk = _parse_fer_chunk(path, frame, first_row)
                has_usage = has_usage and usage_chunk is not None
                images.append(image_chunk)
                labels.append(label_chunk)
                usages.append(usage_chunk)
                first_row += len(frame)
                bar.update(raw.tell() - bar.n)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, gzip.BadGzipFile, EOFError,
            zlib.error, OSError) as err:
        raise EmolibError(f"{path}: not a readable FER2013 CSV ({type(err).__name__}: {err})") from None
    if not images:
        raise EmolibError(f"{path}: the CSV has a header but no rows")
    usage = (np.concatenate([u for u in usages if u is not None]) if has_usage
             else np.full(first_row, "Training")).astype("<U11")
    data = FerData(np.concatenate(images), np.concatenate(labels), usage)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp.npz")
            np.savez(tmp, images=data.images, labels=data.labels, usage=data.usage)
            tmp.replace(cached)
        except OSError:
            pass  # a read-only home only costs the next load its parse time
    return data


#: Rows parsed at a time by :func:`load_fer_csv` (~33 MB of pixel text).
_CHUNK_ROWS = 4096


def _progress_bar(total: int, show: bool, description: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not show, unit="B", unit_scale=True, desc=description, leave=False)


def _parse_fer_chunk(path: Path, frame: pd.DataFrame, first_row: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One chunk of CSV rows -> ((n, 48, 48) uint8, (n,) int64 labels, (n,) split names or None)."""
    missing = {"emotion", "pixels"} - set(frame.columns)
    if missing:
        raise EmolibError(
            f"{path}: not a FER2013 CSV: missing column(s) {sorted(missing)}; expected header emotion,pixels,Usage"
        )
    emotion = pd.to_numeric(frame["emotion"], errors="coerce")
    bad = emotion.isna() | ~emotion.isin(range(len(CLASSES)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = str(frame["emotion"].iloc[row])
        raise EmolibError(f"{path}: row {first_row + row + 1}: emotion {value!r} is not an integer 0-6")
    pixels = frame["pixels"].fillna("").str.strip()
    counts = pixels.str.count(" ") + 1
    wrong = counts.to_numpy() != PIXELS_PER_FACE
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise EmolibError(
            f"{path}: row {first_row + row + 1}: {counts.iloc[row]} pixel values, expected {PIXELS_PER_FACE} (48x48)"
        )
    values = pixel_values(pixels, path, first_row)  # NumPy's C parser, one chunk
    usage = None
    if "Usage" in frame.columns:
        usage = frame["Usage"].astype(str).to_numpy()
        unknown = set(usage) - set(SPLITS)
        if unknown:
            raise EmolibError(f"{path}: unknown Usage value(s) {sorted(unknown)}; expected {list(SPLITS)}")
    return values.reshape(-1, FACE_SIZE, FACE_SIZE), emotion.to_numpy(np.int64), usage


def _read_gray48(file: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise EmolibError(f"{file}: not a readable image")
    if image.shape != (FACE_SIZE, FACE_SIZE):
        image = cv2.resize(image, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return image


def load_image_folders(root: str | os.PathLike) -> FerData:
    """Read the image-folder layout: ``root/{train,val,test}/<class>/*.png|jpg`` (or ``root/<class>/*``).

    Split folders map to FER2013 splits (train -> Training, val -> PublicTest, test -> PrivateTest); a tree
    with class folders directly under ``root`` is all Training. Images of another size are resized to 48x48.
    """
    root = Path(root)
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    split_dirs = [(FOLDER_SPLITS[p.name.lower()], p) for p in subdirs if p.name.lower() in FOLDER_SPLITS]
    if not split_dirs:
        split_dirs = [("Training", root)]
    images, labels, usage = [], [], []
    for split, split_dir in split_dirs:
        for class_dir in sorted(p for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            name = class_dir.name.lower()
            if name not in CLASSES:
                raise EmolibError(
                    f"{class_dir}: unknown class folder {class_dir.name!r}; expected one of {list(CLASSES)}"
                )
            for file in sorted(class_dir.iterdir()):
                if file.suffix.lower() in IMAGE_SUFFIXES:
                    images.append(_read_gray48(file))
                    labels.append(CLASSES.index(name))
                    usage.append(split)
    if not images:
        raise EmolibError(
            f"{root}: no images found; expected {root}/train/<class>/*.png (classes: {', '.join(CLASSES)})"
        )
    return FerData(np.stack(images), np.asarray(labels, np.int64), np.asarray(usage, "<U11"))


def load_ferplus(path: str | os.PathLike, n_rows: int | None = None) -> pd.DataFrame:
    """Read FERPlus votes (``fer2013new.csv``) as a DataFrame aligned by row with ``fer2013.csv``.

    Columns: ``Usage``, ``Image name``, then the ten vote counts. ``n_rows`` checks the alignment.
    """
    path = Path(path)
    if not path.is_file():
        raise EmolibError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise EmolibError(f"{path}: not a readable FERPlus CSV ({type(err).__name__})") from None
    missing = set(FERPLUS_COLUMNS) - set(frame.columns)
    if missing:
        raise EmolibError(f"{path}: not a FERPlus CSV: missing vote column(s) {sorted(missing)}")
    if n_rows is not None and len(frame) != n_rows:
        raise EmolibError(f"{path}: {len(frame)} rows, but the FER2013 CSV has {n_rows}; they join by row position")
    return frame


def ferplus_soft_labels(votes: pd.DataFrame) -> np.ndarray:
    """(N, 7) float32 vote shares over :data:`CLASSES` (contempt, unknown and not-a-face votes dropped).

    Rows with no vote for any of the seven classes are all zero.
    """
    counts = votes[[c for c, _ in sorted(FERPLUS_TO_CLASS.items(), key=lambda kv: CLASSES.index(kv[1]))]]
    counts = counts.to_numpy(np.float32)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def with_ferplus(data: FerData, path: str | os.PathLike, *, labels: str = "soft") -> FerData:
    """FER2013 ``data`` (all rows, in CSV order) with FERPlus labels from ``fer2013new.csv`` at ``path``.

    ``labels="soft"``: vote shares become the training targets (rows without a vote for the seven classes
    keep their FER2013 label). ``labels="majority"``: the majority-vote class replaces the label and rows
    without one (contempt, unknown, not a face, ties) are dropped, as FERPlus test accuracy is reported.
    """
    votes = load_ferplus(path, n_rows=len(data))
    if labels == "soft":
        soft = ferplus_soft_labels(votes)
        empty = soft.sum(axis=1) == 0
        soft[empty] = np.eye(len(CLASSES), dtype=np.float32)[data.labels[empty]]
        return data.with_targets(soft)
    if labels == "majority":
        majority = ferplus_majority_labels(votes)
        keep = majority >= 0
        return FerData(data.images[keep], majority[keep], data.usage[keep])
    raise EmolibError(f"labels must be 'soft' or 'majority', not {labels!r}")


def ferplus_majority_labels(votes: pd.DataFrame) -> np.ndarray:
    """(N,) int64 majority-vote class per row as in the FERPlus paper; -1 where the majority is not one of
    the seven classes (contempt, unknown, not a face) or the top vote is tied."""
    counts = votes[list(FERPLUS_COLUMNS)].to_numpy(np.float32)
    top = counts.max(axis=1, keepdims=True)
    winner = counts.argmax(axis=1)
    tied = (counts == top).sum(axis=1) > 1
    mapping = np.array([CLASSES.index(FERPLUS_TO_CLASS[c]) if c in FERPLUS_TO_CLASS else -1 for c in FERPLUS_COLUMNS])
    labels = mapping[winner]
    labels[tied] = -1
    return labels.astype(np.int64)
