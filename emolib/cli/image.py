"""``emolib image``: analyse image files or whole folders, writing annotated images and JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emolib.cli.common import add_analyzer_options, add_input_options, make_analyzer, output_folder
from emolib.errors import EmolibError

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "image", help="analyse images or folders of images",
        description="Find faces, classify their emotions, and write an annotated copy and a JSON per image. "
                    "A file that cannot be read or written is reported and skipped; the others are analysed "
                    "(exit code 1 when some failed).",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="image files or folders (searched recursively)")
    parser.add_argument("--out", type=Path, default=Path("emolib_output"), help="output folder (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="also print all results as JSON on stdout")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    add_input_options(parser)
    add_analyzer_options(parser)
    parser.set_defaults(run=run)


def collect_images(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(image file, output stem relative to --out) for every file and every image inside every folder.

    Stems are unique: files whose stems collide (``p.jpg`` and ``p.png``; ``a/x.jpg`` and ``b/x.jpg`` named
    directly) keep their suffix (``p_jpg``) and, if that is not enough, the folders that tell them apart.
    The same file named twice is analysed once.
    """
    from emolib.media import IMAGE_SUFFIXES, find_media

    found: dict[Path, tuple[Path, Path]] = {}
    for path in paths:
        if path.is_dir():
            files = find_media(path, ["image"])
            if not files:
                raise EmolibError(f"{path}: no images in this folder ({', '.join(IMAGE_SUFFIXES)})")
            pairs = [(file, Path(path.name) / file.relative_to(path).with_suffix(""))
                     for file in files]
        else:
            pairs = [(path, Path(path.stem))]
        for file, stem in pairs:
            found.setdefault(file.resolve(), (file, stem))
    return _unique_stems(list(found.values()))


def _unique_stems(pairs: list[tuple[Path, Path]]) -> list[tuple[Path, Path]]:
    """``pairs`` with every colliding stem made unique (see :func:`collect_images`); compared
    case-insensitively, as macOS and Windows filesystems compare names."""
    def key(stem: Path) -> str:
        return str(stem).casefold()

    groups: dict[str, list[int]] = {}
    for index, (_, stem) in enumerate(pairs):
        groups.setdefault(key(stem), []).append(index)
    stems = [stem for _, stem in pairs]
    for members in (group for group in groups.values() if len(group) > 1):
        files = [pairs[i][0] for i in members]
        suffixes = [file.suffix.lstrip(".").lower() for file in files]
        folders = [file.resolve().parent for file in files]
        if len(set(suffixes)) == len(members):  # p.jpg + p.png: keep the suffix
            for i, suffix in zip(members, suffixes, strict=True):
                stems[i] = stems[i].with_name(f"{stems[i].name}_{suffix}")
            continue
        root = Path(os.path.commonpath(folders))
        per_folder = Counter(folders)
        for i, folder, suffix in zip(members, folders, suffixes, strict=True):  # a/x.jpg + b/x.jpg: the folders
            name = f"{stems[i].name}_{suffix}" if per_folder[folder] > 1 else stems[i].name
            stems[i] = stems[i].parent / folder.relative_to(root) / name
    if len({key(stem) for stem in stems}) < len(stems):  # still the same (a folder named like a stem): number them
        seen: Counter[str] = Counter()
        for i, stem in enumerate(stems):
            seen[key(stem)] += 1
            if seen[key(stem)] > 1:
                stems[i] = stem.with_name(f"{stem.name}_{seen[key(stem)]}")
    return [(file, stem) for (file, _), stem in zip(pairs, stems, strict=True)]


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    for path in args.paths:
        if not path.exists():
            raise EmolibError(f"no such file or folder: {path}")
    jobs = collect_images(args.paths)
    output_folder(args.out)
    analyzer = make_analyzer(args)
    inputs = {source.resolve() for source, _ in jobs}
    reports, failures = [], 0
    show_bar = len(jobs) > 1 and not args.json
    for source, stem in tqdm(jobs, desc="images", unit="image", disable=not show_bar):
        try:
            report = analyze_one(args, analyzer, source, stem, inputs)
        except EmolibError as err:  # this image is skipped with its reason; the others go on
            failures += 1
            message = str(err) if str(source) in str(err) else f"{source}: {err}"
            tqdm.write(f"emolib image: error: {message}", file=sys.stderr)
            continue
        except Exception as err:  # an unforeseen failure on one file must not cost the rest of a folder
            if args.debug:
                raise
            failures += 1
            reason = " ".join(str(err).split()) or "no details"
            tqdm.write(f"emolib image: error: {source}: {type(err).__name__}: {reason}", file=sys.stderr)
            continue
        summary = report.pop("_summary")
        reports.append(report)
        if not summary:
            failures += 1
            tqdm.write(f"emolib image: error: no face found in {source}", file=sys.stderr)
        elif not args.json:
            text = ", ".join(f"{emotion} {confidence:.0%}" for emotion, confidence in summary)
            tqdm.write(f"{source}: {len(summary)} face(s): {text} -> {report['annotated']}")
    if args.json:
        print(json.dumps(reports, indent=2))
    if failures:
        return 2 if failures == len(jobs) else 1
    return 0


def analyze_one(args: argparse.Namespace, analyzer: Analyzer, source: Path, stem: Path,
                inputs: set[Path]) -> dict[str, Any]:
    """Analyse one image and write its annotated copy and JSON (each atomically); returns the report (with
    ``_summary``: (emotion, confidence) per face, for the printed line).

    Raises :class:`EmolibError` when it cannot be read or an output cannot be written: then nothing of
    this image is left in ``--out``.
    """
    from emolib.cli.quiet import native_stderr_silenced
    from emolib.draw import annotate
    from emolib.media import read_image
    from emolib.media.atomic import check_writable, write_image, write_text

    suffix = source.suffix.lower() if source.suffix.lower() in (".jpg", ".jpeg", ".png") else ".png"
    image_out = args.out / f"{stem}_annotated{suffix}"
    json_out = args.out / f"{stem}.json"
    for path in (image_out, json_out):
        if path.resolve() in inputs:
            raise EmolibError(f"{path} is one of the input images; choose another --out")
        check_writable(path, args.overwrite)
    with nullcontext() if args.debug else native_stderr_silenced():  # libjpeg's and libpng's own warnings
        image = read_image(source, max_pixels=args.max_pixels)
    results = analyzer.analyze(image)
    report = {
        "source": str(source), "width": image.shape[1], "height": image.shape[0],
        "annotated": str(image_out), "faces": [result.to_dict() for result in results],
    }
    summary = [(r.emotion, r.confidence) for r in results]
    text = json.dumps(report, indent=2)
    existed = image_out.exists()
    write_image(image_out, annotate(image, results), overwrite=args.overwrite)
    try:
        write_text(json_out, text, overwrite=args.overwrite)
    except EmolibError:
        if not existed:  # no annotated image without its JSON
            image_out.unlink(missing_ok=True)
        raise
    return report | {"_summary": summary}
