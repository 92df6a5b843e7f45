"""``emolib image``: analyse image files or whole folders, writing annotated images and JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

from emolib.cli.common import add_analyzer_options, make_analyzer, output_folder, output_path
from emolib.errors import EmolibError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "image", help="analyse images or folders of images",
        description="Find faces, classify their emotions, and write an annotated copy and a JSON per image.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="image files or folders (searched recursively)")
    parser.add_argument("--out", type=Path, default=Path("emolib_output"), help="output folder (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="also print all results as JSON on stdout")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    add_analyzer_options(parser)
    parser.set_defaults(run=run)


def collect_images(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(image file, output stem relative to --out) for every file and every image inside every folder."""
    from emolib.media import IMAGE_SUFFIXES, find_media

    found = []
    for path in paths:
        if path.is_dir():
            files = find_media(path, ["image"])
            if not files:
                raise EmolibError(f"{path}: no images in this folder ({', '.join(IMAGE_SUFFIXES)})")
            found += [(file, Path(path.name) / file.relative_to(path).with_suffix("")) for file in files]
        else:
            found.append((path, Path(path.stem)))
    return found


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from emolib.draw import annotate
    from emolib.media import read_image

    for path in args.paths:
        if not path.exists():
            raise EmolibError(f"no such file or folder: {path}")
    jobs = collect_images(args.paths)
    output_folder(args.out)
    analyzer = make_analyzer(args)
    reports, failures = [], 0
    show_bar = len(jobs) > 1 and not args.json
    for source, stem in tqdm(jobs, desc="images", unit="image", disable=not show_bar):
        suffix = source.suffix.lower() if source.suffix.lower() in (".jpg", ".jpeg", ".png") else ".png"
        image_out = args.out / f"{stem}_annotated{suffix}"
        json_out = args.out / f"{stem}.json"
        try:
            output_path(image_out, args.overwrite)
            output_path(json_out, args.overwrite)
            image = read_image(source)
            results = analyzer.analyze(image)
        except EmolibError as err:
            failures += 1
            tqdm.write(f"emolib image: error: {err}", file=sys.stderr)
            continue
        image_out.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(image_out), annotate(image, results)):
            raise EmolibError(f"could not write {image_out}")
        report = {
            "source": str(source), "width": image.shape[1], "height": image.shape[0],
            "annotated": str(image_out), "faces": [result.to_dict() for result in results],
        }
        json_out.write_text(json.dumps(report, indent=2))
        reports.append(report)
        if not results:
            failures += 1
            tqdm.write(f"emolib image: error: no face found in {source}", file=sys.stderr)
        elif not args.json:
            summary = ", ".join(f"{r.emotion} {r.confidence:.0%}" for r in results)
            tqdm.write(f"{source}: {len(results)} face(s): {summary} -> {image_out}")
    if args.json:
        print(json.dumps(reports, indent=2))
    if failures:
        return 2 if failures == len(jobs) else 1
    return 0
