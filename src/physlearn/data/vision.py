"""Digit images for the MNIST scan: MNIST from its IDX files, or scikit-learn's 8x8 digits.

``data.vision.source`` picks one:

- ``digits`` (offline default): the 1,797 8x8 digits that ship with scikit-learn (real
  handwritten digits, 64 pixels in 0..16), split into train and test with a seeded,
  stratified ``data.vision.digits.test_fraction``.
- ``mnist``: the four MNIST IDX files (60,000 train, 10,000 test, 28x28 pixels in 0..255),
  from ``data.vision.mnist.path`` (a folder holding them, gzipped or not) or downloaded from
  the mirrors in ``data.vision.mnist.mirrors`` into ``resources/``. Each gzipped file's md5
  is checked against the published one (torchvision's list).

Both become one ``.npz`` with uint8 arrays ``x_train`` (N, D), ``y_train`` (N,), ``x_test``,
``y_test`` and ``pixel_max`` (divide by it for pixels in [0, 1]), plus a JSON sidecar.
"""

from __future__ import annotations

import gzip
import shutil
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from physlearn.data.files import DataUnavailable, file_record, md5_file

MNIST_FILES = {  # name -> md5 of the gzipped file, as published (and used by torchvision)
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
DATASET_NAMES = {"digits": "scikit-learn 8x8 digits", "mnist": "MNIST"}


# ----------------------------------------------------------------------------------------
# IDX


def read_idx(path: Path | str) -> np.ndarray:
    """An IDX file (gzipped or not) as a numpy array (MNIST's format: magic, dims, data)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in dtypes:
        raise ValueError(f"{path}: unknown IDX data type 0x{data[2]:02x}")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    array = np.frombuffer(data, dtype=dtypes[data[2]], offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {array.size} values, the header says {shape}")
    return array.reshape(shape)


def write_idx(path: Path | str, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz); for tests."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


# ----------------------------------------------------------------------------------------
# MNIST


def _local_mnist_file(folder: Path, name: str) -> Path | None:
    for candidate in (
        folder / name,
        folder / name.removesuffix(".gz"),
        folder / name.replace("-idx", ".idx").removesuffix(".gz"),
    ):
        if candidate.is_file():
            return candidate
    return None


def fetch_mnist(
    cfg: dict, download_dir: Path | str, md5s: dict[str, str] = MNIST_FILES, opener=None
) -> tuple[dict[str, Path], dict]:
    """The four MNIST files: from ``cfg["path"]`` when set, else each downloaded (once) into
    ``download_dir`` from the first mirror that answers. gzipped files must match ``md5s``.
    Returns the paths and a source record. Raises DataUnavailable naming every URL tried."""
    opener = opener or urllib.request.urlopen
    paths, record = {}, {"source": "mnist", "files": {}}
    if cfg.get("path"):
        folder = Path(cfg["path"])
        for name in md5s:
            found = _local_mnist_file(folder, name)
            if found is None:
                raise DataUnavailable(
                    f"config key data.vision.mnist.path: {folder} has no {name} (nor its "
                    f"uncompressed form {name.removesuffix('.gz')})"
                )
            paths[name] = found
        record["from"] = str(folder)
    else:
        download_dir = Path(download_dir)
        download_dir.mkdir(parents=True, exist_ok=True)
        for name in md5s:
            target = download_dir / name
            if target.is_file() and md5_file(target) == md5s[name]:
                paths[name] = target
                continue
            tried = []
            for mirror in cfg["mirrors"]:
                url = mirror.rstrip("/") + "/" + name
                tmp = target.with_name(name + ".part")
                try:
                    with opener(url, timeout=cfg.get("timeout", 30)) as response, open(tmp, "wb") as f:
                        shutil.copyfileobj(response, f)
                except (urllib.error.URLError, OSError, ValueError) as error:
                    tried.append(f"{url} ({type(error).__name__}: {getattr(error, 'reason', error)})")
                    tmp.unlink(missing_ok=True)
                    continue
                if md5_file(tmp) != md5s[name]:
                    tried.append(f"{url} (downloaded, but md5 {md5_file(tmp)} != {md5s[name]})")
                    tmp.unlink()
                    continue
                tmp.replace(target)
                paths[name] = target
                break
            else:
                raise DataUnavailable(
                    f"could not download the MNIST file {name}; tried:\n  " + "\n  ".join(tried) + "\n"
                    "Provide MNIST by path: put the four IDX files (" + ", ".join(md5s) + ", gzipped or not) in a "
                    "folder and set config key data.vision.mnist.path to it; or use the offline digit set "
                    "with data.vision.source: digits."
                )
        record["from"] = "download"
        record["mirrors"] = list(cfg["mirrors"])
    for name, path in paths.items():
        if path.suffix == ".gz":
            actual = md5_file(path)
            if actual != md5s[name]:
                raise DataUnavailable(
                    f"{path}: md5 {actual}, expected the published {md5s[name]}; the file is corrupt or not MNIST"
                )
        record["files"][name] = {"path": str(path), "md5": md5_file(path), **file_record(path)}
    return paths, record


def load_mnist(paths: dict[str, Path]) -> dict[str, np.ndarray]:
    x_train = read_idx(paths["train-images-idx3-ubyte.gz"])
    y_train = read_idx(paths["train-labels-idx1-ubyte.gz"])
    x_test = read_idx(paths["t10k-images-idx3-ubyte.gz"])
    y_test = read_idx(paths["t10k-labels-idx1-ubyte.gz"])
    for x, y, what in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"MNIST {what}: images {x.shape} and labels {y.shape} do not match")
    return {
        "x_train": x_train.reshape(len(x_train), -1).astype(np.uint8),
        "y_train": y_train.astype(np.uint8),
        "x_test": x_test.reshape(len(x_test), -1).astype(np.uint8),
        "y_test": y_test.astype(np.uint8),
        "pixel_max": np.uint8(255),
    }


# ----------------------------------------------------------------------------------------
# scikit-learn's digits


def load_digits_split(test_fraction: float, seed: int) -> tuple[dict[str, np.ndarray], dict]:
    """scikit-learn's 8x8 digits, split stratified by class with ``seed``."""
    import sklearn
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.uint8)  # integer pixel counts 0..16
    y = digits.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, "pixel_max": np.uint8(16)}
    record = {
        "source": "digits",
        "from": f"sklearn.datasets.load_digits (scikit-learn {sklearn.__version__})",
        "test_fraction": test_fraction,
        "split_seed": seed,
    }
    return arrays, record


def save_dataset(path: Path | str, arrays: dict[str, np.ndarray]) -> None:
    """A compressed .npz (np.load reads it) with fixed zip timestamps, so the same arrays
    always give the same bytes and the same sha256 in the sidecar."""
    import zipfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arrays[name]), allow_pickle=False)
    tmp.replace(path)


def load_dataset(path: Path | str) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def describe(arrays: dict[str, np.ndarray]) -> dict:
    return {
        "train": int(len(arrays["x_train"])),
        "test": int(len(arrays["x_test"])),
        "pixels": int(arrays["x_train"].shape[1]),
        "pixel_max": int(arrays["pixel_max"]),
        "classes": int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1,
    }
