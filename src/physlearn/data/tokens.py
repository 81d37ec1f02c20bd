"""Tokenizers and token files: the input of every language-model run (physlearn.gpt).

Token folder format (``physlearn.tokens/1``), written by ``python -m physlearn.data.prepare_tokens``
into ``results/data/tokens/<source>-<tokenizer>/``:

``train.bin``, ``val.bin``
    Raw little-endian ``uint16`` arrays with no header: read them with
    ``np.memmap(path, dtype=np.uint16, mode="r")`` (or :func:`read_tokens`). Documents are
    concatenated in corpus order, each followed by the end-of-text token ``meta["eot_token"]``,
    so a random window of ``block_size + 1`` tokens is a training example, as in nanoGPT.
``tokenizer.json``
    Enough to encode and decode offline (:func:`load_tokenizer`): for ``kind: bpe`` the
    Hugging Face ``tokenizers`` JSON of the byte-level BPE trained on the training split;
    for ``kind: gpt2`` a JSON with tiktoken's GPT-2 encoding (pattern, special tokens and
    the 50,256 mergeable ranks, base64, in rank order).
``meta.json``
    The sidecar::

        {
          "format": "physlearn.tokens/1",
          "dtype": "uint16",
          "vocab_size": 2048,          # ids are < vocab_size (gpt2: 50257; models pad it)
          "eot_token": 0,              # appended after every document
          "tokens": {"train": 1673000, "val": 186000},
          "documents": {"train": 38, "val": 4},
          "split": {"mode": "documents", "val_fraction": 0.1},   # or mode "tail" (see below)
          "tokenizer": {"kind": "bpe", "vocab_size": 2048, ...},
          "source": {...},             # what the text came from, with its checksums
          "files": {"train.bin": {"bytes": ..., "sha256": ...}, "val.bin": {...}, "tokenizer.json": {...}},
          "provenance": {...}
        }

Split: with ``N`` documents and ``n_val = round(N * val_fraction)``, documents are assigned
to ``val`` evenly spaced through the corpus (document ``i`` is in val when
``floor((i + 1) * n_val / N) > floor(i * n_val / N)``) -- deterministic, streaming, and
no document is in both splits. A corpus too small for that (``n_val`` is 0 or ``N``)
is split inside each document instead (``mode: tail``): the last ``val_fraction`` of each
document's tokens go to val. The BPE tokenizer is trained on the training text only.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from physlearn.data.files import DataUnavailable, file_record, sha256_file, write_json
from physlearn.data.text import Document

FORMAT = "physlearn.tokens/1"
EOT = "<|endoftext|>"
MAX_VOCAB = 1 << 16  # uint16 token files

# tiktoken's GPT-2 encoding: where tiktoken downloads it, and the published hashes.
GPT2_URLS = {
    "vocab.bpe": "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/vocab.bpe",
    "encoder.json": "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/encoder.json",
}
GPT2_SHA256 = {
    "vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
    "encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
    "r50k_base.tiktoken": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
}
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
GPT2_EOT = 50256


@dataclass
class TextTokenizer:
    """A tokenizer of either kind behind one small interface."""

    kind: str  # "bpe" or "gpt2"
    vocab_size: int
    eot_token: int
    encode_batch: Callable[[list[str]], list[list[int]]]
    decode: Callable[[list[int]], str]
    to_json: Callable[[], str]
    info: dict = field(default_factory=dict)

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]


# ----------------------------------------------------------------------------------------
# Byte-level BPE (tokenizers), laptop scale


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> TextTokenizer:
    """A byte-level BPE with ``vocab_size`` ids (the end-of-text token is id 0), trained on
    ``texts``. Deterministic for a given corpus (checked for 1 and 2 threads)."""
    if not 257 <= vocab_size <= MAX_VOCAB:
        raise ValueError(
            f"config key data.tokenizer.vocab_size: {vocab_size} is not in [257, {MAX_VOCAB}] "
            "(256 bytes + end-of-text, and ids must fit in uint16)"
        )
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return _wrap_bpe(tok, {"min_frequency": min_frequency, "requested_vocab_size": vocab_size})


def _wrap_bpe(tok, info: dict | None = None) -> TextTokenizer:
    return TextTokenizer(
        kind="bpe",
        vocab_size=tok.get_vocab_size(),
        eot_token=tok.token_to_id(EOT),
        encode_batch=lambda texts: [e.ids for e in tok.encode_batch(texts)],
        decode=lambda ids: tok.decode(list(ids)),
        to_json=tok.to_str,
        info={"library": "tokenizers", **(info or {})},
    )


# ----------------------------------------------------------------------------------------
# GPT-2 BPE (tiktoken), paper scale


def _how_to_provide_gpt2() -> str:
    return (
        "Provide the encoding by path: set config key data.tokenizer.gpt2_encoding to a copy of "
        "r50k_base.tiktoken (the GPT-2 ranks in tiktoken's format) or to a directory holding GPT-2's "
        "vocab.bpe and encoder.json (from "
        f"{GPT2_URLS['vocab.bpe'].rsplit('/', 1)[0]}/), fetched where the internet can be reached; "
        "or put tiktoken's cache in place and set TIKTOKEN_CACHE_DIR."
    )


def gpt2_encoding(path: str | Path | None = None, check_sha256: bool = True):
    """tiktoken's GPT-2 encoding: from ``path`` (a ``.tiktoken`` ranks file or a folder with
    ``vocab.bpe`` and ``encoder.json``) when given, else ``tiktoken.get_encoding("gpt2")``
    (its cache or a download). Returns ``(encoding, source record)``. Raises DataUnavailable
    saying what it tried and how to give the file by path."""
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks, load_tiktoken_bpe

    if not path:
        try:
            enc = tiktoken.get_encoding("gpt2")
        except Exception as error:  # noqa: BLE001 -- no network, blocked host, bad cache
            cache = (
                os.environ.get("TIKTOKEN_CACHE_DIR")
                or os.environ.get("DATA_GYM_CACHE_DIR")
                or "the default data-gym-cache"
            )
            raise DataUnavailable(
                "could not load the GPT-2 BPE: tiktoken.get_encoding('gpt2') tried its cache "
                f"({cache}) and then to download {GPT2_URLS['vocab.bpe']} and {GPT2_URLS['encoder.json']}: "
                f"{type(error).__name__}: {error}. {_how_to_provide_gpt2()}"
            ) from None
        return enc, {"from": "tiktoken.get_encoding('gpt2')", "urls": list(GPT2_URLS.values())}

    path = Path(path)
    files = [path / "vocab.bpe", path / "encoder.json"] if path.is_dir() else [path]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataUnavailable(
            f"config key data.tokenizer.gpt2_encoding: no such file {missing}. {_how_to_provide_gpt2()}"
        )
    record = {"from": str(path), "files": {f.name: file_record(f) for f in files}}
    if check_sha256:
        for f in files:
            expected = GPT2_SHA256["r50k_base.tiktoken" if f.suffix == ".tiktoken" else f.name]
            if record["files"][f.name]["sha256"] != expected:
                raise DataUnavailable(
                    f"{f}: sha256 {record['files'][f.name]['sha256']} is not GPT-2's published {expected}; "
                    "it is not the GPT-2 encoding (set data.tokenizer.check_sha256: false to use it anyway)"
                )
    try:
        if path.is_dir():
            ranks = data_gym_to_mergeable_bpe_ranks(str(files[0]), str(files[1]))
        else:
            ranks = load_tiktoken_bpe(str(path))
    except Exception as error:  # noqa: BLE001
        raise DataUnavailable(f"could not read the GPT-2 encoding at {path}: {type(error).__name__}: {error}") from None
    return _tiktoken_from_ranks(ranks), record


def _tiktoken_from_ranks(ranks: dict[bytes, int], special: dict[str, int] | None = None):
    import tiktoken

    special = special or {EOT: len(ranks)}
    return tiktoken.Encoding(name="gpt2", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens=special)


def _wrap_tiktoken(enc, threads: int, info: dict | None = None) -> TextTokenizer:
    def to_json() -> str:
        ranks = sorted(enc._mergeable_ranks.items(), key=lambda kv: kv[1])
        if [r for _, r in ranks] != list(range(len(ranks))):
            raise ValueError("tiktoken ranks are not 0..n-1")
        return json.dumps(
            {
                "kind": "tiktoken",
                "name": enc.name,
                "pat_str": enc._pat_str,
                "special_tokens": enc._special_tokens,
                "mergeable_ranks": [base64.b64encode(t).decode() for t, _ in ranks],
            }
        )

    return TextTokenizer(
        kind="gpt2",
        vocab_size=enc.n_vocab,
        eot_token=enc.eot_token,
        encode_batch=lambda texts: enc.encode_ordinary_batch(texts, num_threads=threads),
        decode=lambda ids: enc.decode(list(ids)),
        to_json=to_json,
        info={"library": "tiktoken", **(info or {})},
    )


# ----------------------------------------------------------------------------------------
# Choosing, saving and loading


def make_tokenizer(cfg: dict, training_texts: Callable[[], Iterable[str]], threads: int = 1) -> TextTokenizer:
    """The tokenizer of ``data.tokenizer``: a BPE trained on ``training_texts()`` or GPT-2."""
    if cfg["kind"] == "bpe":
        return train_bpe(training_texts(), cfg["vocab_size"], cfg["min_frequency"])
    enc, record = gpt2_encoding(cfg.get("gpt2_encoding") or None, cfg.get("check_sha256", True))
    return _wrap_tiktoken(enc, threads, {"encoding": record})


def load_tokenizer(path: Path | str, threads: int = 1) -> TextTokenizer:
    """The tokenizer saved beside token files (a token folder or its ``tokenizer.json``)."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    doc = json.loads(path.read_text())
    if doc.get("kind") == "tiktoken":
        ranks = {base64.b64decode(t): i for i, t in enumerate(doc["mergeable_ranks"])}
        import tiktoken

        enc = tiktoken.Encoding(
            name=doc["name"], pat_str=doc["pat_str"], mergeable_ranks=ranks, special_tokens=doc["special_tokens"]
        )
        return _wrap_tiktoken(enc, threads)
    from tokenizers import Tokenizer

    return _wrap_bpe(Tokenizer.from_str(path.read_text()))


# ----------------------------------------------------------------------------------------
# The split and the token files


def val_documents(n_docs: int, val_fraction: float) -> Callable[[int], bool] | None:
    """Which documents go to val (evenly spaced), or None when the corpus is too small for a
    document split and each document must be split inside instead."""
    n_val = round(n_docs * val_fraction)
    if n_val < 1 or n_val >= n_docs:
        return None
    return lambda i: math.floor((i + 1) * n_val / n_docs) > math.floor(i * n_val / n_docs)


def training_texts(documents: Iterable[Document], n_docs: int, val_fraction: float) -> Iterator[str]:
    """The text the tokenizer may learn from: the training documents, or in tail mode the
    first (1 - val_fraction) of each document's characters."""
    is_val = val_documents(n_docs, val_fraction)
    for i, doc in enumerate(documents):
        if is_val is None:
            yield doc.text[: int(len(doc.text) * (1 - val_fraction))]
        elif not is_val(i):
            yield doc.text


def write_token_files(
    documents: Iterable[Document],
    n_docs: int,
    tokenizer: TextTokenizer,
    out_dir: Path | str,
    val_fraction: float,
    batch: int = 256,
    log=None,
) -> dict:
    """Encode ``documents`` (``n_docs`` of them, streamed) into ``out_dir``/train.bin and
    val.bin; return the counts for meta.json. Files are written under temporary names and
    renamed at the end, so a killed run leaves no half-written token file behind."""
    if tokenizer.vocab_size > MAX_VOCAB:
        raise ValueError(f"vocab size {tokenizer.vocab_size} does not fit uint16 token files")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    is_val = val_documents(n_docs, val_fraction)
    paths = {s: out_dir / f"{s}.bin" for s in ("train", "val")}
    tmps = {s: p.with_name(p.name + ".tmp") for s, p in paths.items()}
    tokens = {"train": 0, "val": 0}
    docs = {"train": 0, "val": 0}
    seen = 0
    with open(tmps["train"], "wb") as train_f, open(tmps["val"], "wb") as val_f:
        out = {"train": train_f, "val": val_f}

        def emit(split: str, ids) -> None:
            arr = np.asarray(ids, dtype=np.int64)
            if arr.size and (arr.min() < 0 or arr.max() >= tokenizer.vocab_size):
                raise ValueError(f"token id out of range [0, {tokenizer.vocab_size})")
            arr.astype("<u2").tofile(out[split])
            tokens[split] += arr.size

        pending: list[Document] = []

        def flush() -> None:
            nonlocal seen
            for doc, ids in zip(pending, tokenizer.encode_batch([d.text for d in pending])):
                ids = list(ids) + [tokenizer.eot_token]
                if is_val is None:
                    cut = math.ceil(len(ids) * (1 - val_fraction))
                    emit("train", ids[:cut])
                    emit("val", ids[cut:])
                    docs["train"] += 1
                    docs["val"] += 1
                else:
                    split = "val" if is_val(seen) else "train"
                    emit(split, ids)
                    docs[split] += 1
                seen += 1
            if log and pending:
                log.info(f"tokenized {seen}/{n_docs} documents: {tokens['train']} train, {tokens['val']} val tokens")
            pending.clear()

        for doc in documents:
            pending.append(doc)
            if len(pending) >= batch:
                flush()
        flush()
    if seen != n_docs:
        raise ValueError(f"expected {n_docs} documents, got {seen}")
    if tokens["train"] == 0 or tokens["val"] == 0:
        raise ValueError(f"empty split: {tokens}; add text or change data.text.val_fraction")
    for split in paths:
        os.replace(tmps[split], paths[split])
    return {
        "tokens": tokens,
        "documents": docs,
        "split": {"mode": "tail" if is_val is None else "documents", "val_fraction": val_fraction},
    }


def token_meta(out_dir: Path | str, counts: dict, tokenizer: TextTokenizer, source: dict, provenance: dict) -> dict:
    out_dir = Path(out_dir)
    return {
        "format": FORMAT,
        "dtype": "uint16",
        "vocab_size": tokenizer.vocab_size,
        "eot_token": tokenizer.eot_token,
        **counts,
        "tokenizer": {"kind": tokenizer.kind, "vocab_size": tokenizer.vocab_size, **tokenizer.info},
        "source": source,
        "files": {name: file_record(out_dir / name) for name in ("train.bin", "val.bin", "tokenizer.json")},
        "provenance": provenance,
    }


def read_tokens(out_dir: Path | str, verify: bool = False) -> tuple[dict, np.memmap, np.memmap]:
    """``(meta, train, val)``: the sidecar and the two memmaps. ``verify`` re-checks the
    sha256 of both files against the sidecar (seconds per GB)."""
    out_dir = Path(out_dir)
    meta = json.loads((out_dir / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{out_dir}/meta.json: format {meta.get('format')!r}, expected {FORMAT!r}")
    arrays = []
    for split in ("train", "val"):
        path = out_dir / f"{split}.bin"
        if verify and sha256_file(path) != meta["files"][path.name]["sha256"]:
            raise ValueError(f"{path}: sha256 differs from meta.json; the file changed after it was written")
        arr = np.memmap(path, dtype=np.uint16, mode="r")
        if len(arr) != meta["tokens"][split]:
            raise ValueError(f"{path}: {len(arr)} tokens, meta.json says {meta['tokens'][split]}")
        arrays.append(arr)
    return meta, arrays[0], arrays[1]


def write_meta(out_dir: Path | str, meta: dict) -> None:
    write_json(Path(out_dir) / "meta.json", meta)


__all__ = [
    "DataUnavailable",
    "FORMAT",
    "EOT",
    "TextTokenizer",
    "train_bpe",
    "gpt2_encoding",
    "make_tokenizer",
    "load_tokenizer",
    "val_documents",
    "training_texts",
    "write_token_files",
    "token_meta",
    "read_tokens",
]
