"""Workflow step: a text corpus to token files (format: :mod:`physlearn.data.tokens`).

    python -m physlearn.data.prepare_tokens --config JSON --out-dir results/data/tokens/NAME [--archive F]

The corpus is ``data.text.source`` (shakespeare from ``--archive``, openwebtext, or local
files); the tokenizer ``data.tokenizer.kind`` (a byte-level BPE trained on the training
split, or GPT-2's BPE through tiktoken). Writes train.bin, val.bin, tokenizer.json and
meta.json into ``--out-dir``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from physlearn.data import text as T
from physlearn.data.files import DataUnavailable, file_record


def token_dir_name(data_cfg: dict) -> str:
    """``<source>-<tokenizer>``, e.g. ``shakespeare-bpe2048`` or ``openwebtext-gpt2``."""
    tok = data_cfg["tokenizer"]
    return f"{data_cfg['text']['source']}-" + (f"bpe{tok['vocab_size']}" if tok["kind"] == "bpe" else "gpt2")


def corpus(data_cfg: dict, archive: Path | None, log) -> tuple[Callable[[], Iterable[T.Document]], int, dict]:
    """``(documents, n_docs, source record)`` of the configured source, where
    ``documents()`` yields the documents afresh on each call (a streamed source is read
    twice when a BPE is trained on it)."""
    text_cfg = data_cfg["text"]
    source = text_cfg["source"]
    if source == "shakespeare":
        if archive is None:
            raise ValueError("the shakespeare source needs --archive")
        sha = T.check_sha256(archive, text_cfg["shakespeare"]["sha256"], what="the shakespeare archive")
        docs, record = T.shakespeare_documents(archive)
        log.info(
            f"shakespeare: {record['works']} works kept, {len(record['dropped_duplicate_editions'])} "
            "duplicate folio editions dropped"
        )
        return (
            (lambda: docs),
            len(docs),
            {
                "source": "shakespeare",
                "requirement": text_cfg["shakespeare"]["requirement"],
                "archive": {"name": archive.name, "sha256": sha},
                **record,
            },
        )
    if source == "files":
        docs = T.file_documents(text_cfg["files"])
        return (lambda: docs), len(docs), {"source": "files", "files": {p: file_record(p) for p in text_cfg["files"]}}
    owt = text_cfg["openwebtext"]
    ds = T.load_openwebtext(owt)
    record = {
        "source": "openwebtext",
        "dataset": owt["dataset"],
        "path": owt["path"],
        "split": owt["split"],
        "documents": len(ds),
        "fingerprint": getattr(ds, "_fingerprint", None),
    }
    return (lambda: T.iter_dataset_documents(ds)), len(ds), record


def prepare(cfg: dict, out_dir: Path, archive: Path | None, log) -> dict:
    from physlearn import runtime
    from physlearn.data import tokens as K

    data_cfg = cfg["data"]
    started = time.perf_counter()
    documents, n_docs, source = corpus(data_cfg, archive, log)
    val_fraction = data_cfg["text"]["val_fraction"]
    tokenizer = K.make_tokenizer(
        data_cfg["tokenizer"], lambda: K.training_texts(documents(), n_docs, val_fraction), data_cfg["threads"]
    )
    log.info(
        f"tokenizer {tokenizer.kind}: vocab {tokenizer.vocab_size}, eot {tokenizer.eot_token} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer.json").write_text(tokenizer.to_json())
    counts = K.write_token_files(documents(), n_docs, tokenizer, out_dir, val_fraction, log=log)
    seconds = round(time.perf_counter() - started, 2)
    meta = K.token_meta(out_dir, counts, tokenizer, source, {**runtime.provenance(), "seconds": seconds})
    K.write_meta(out_dir, meta)
    log.info(f"wrote {out_dir} in {seconds} s: {counts['tokens']} tokens, {counts['documents']} documents")
    return meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--archive", type=Path)
    args = ap.parse_args(argv)
    cfg = json.loads(args.config)
    os.environ.setdefault("RAYON_NUM_THREADS", str(cfg["data"]["threads"]))  # tokenizers' thread pool
    from physlearn import runtime

    log = runtime.setup(cfg["data"]["threads"])
    try:
        prepare(cfg, args.out_dir, args.archive, log)
    except DataUnavailable as error:
        sys.exit(f"physlearn.data: {error}")


if __name__ == "__main__":
    main()
