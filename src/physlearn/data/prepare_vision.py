"""Workflow step: the digit images of the MNIST scan, as one .npz with a JSON sidecar.

    python -m physlearn.data.prepare_vision --config JSON --output results/data/vision/SOURCE.npz \
        --download-dir resources/data/mnist

``data.vision.source``: ``digits`` (scikit-learn's 8x8 digits, offline) or ``mnist`` (the
IDX files from ``data.vision.mnist.path`` or downloaded with checksum verification).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from physlearn import runtime
from physlearn.data import vision as V
from physlearn.data.files import DataUnavailable, file_record, sidecar_path, write_json


def prepare(cfg: dict, output: Path, download_dir: Path) -> dict:
    vision = cfg["data"]["vision"]
    if vision["source"] == "digits":
        arrays, source = V.load_digits_split(vision["digits"]["test_fraction"], cfg["seed"])
    else:
        paths, source = V.fetch_mnist(vision["mnist"], download_dir)
        arrays = V.load_mnist(paths)
    V.save_dataset(output, arrays)
    record = {
        "dataset": V.DATASET_NAMES[vision["source"]],
        **V.describe(arrays),
        "source": source,
        "file": {"name": output.name, **file_record(output)},
        "provenance": runtime.provenance(),
    }
    write_json(sidecar_path(output), record)
    return record


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--download-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        record = prepare(json.loads(args.config), args.output, args.download_dir)
    except DataUnavailable as error:
        sys.exit(f"physlearn.data: {error}")
    print(
        f"{record['dataset']}: {record['train']} train, {record['test']} test images of {record['pixels']} pixels",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
